import { Injectable } from '@nestjs/common';
import { OutboundUrlPolicy } from '@rpg/common';
import { WebhookSubscription, WebhookSubscriptionStore } from '../../webhook-subscription.store';
import { CreateWebhookSubscriptionCommand } from './create-webhook-subscription.command';

/** Stores a subscription once its URL passes the SSRF check (400 naming `url` otherwise); the secret is returned once. */
@Injectable()
export class CreateWebhookSubscriptionUseCase {
  constructor(
    private readonly subscriptions: WebhookSubscriptionStore,
    private readonly urlPolicy: OutboundUrlPolicy,
  ) {}

  async execute(command: CreateWebhookSubscriptionCommand): Promise<{ subscription: WebhookSubscription; secret: string }> {
    await this.urlPolicy.assertAllowed(command.url, 'url');
    return this.subscriptions.create({ url: command.url, events: command.events, description: command.description });
  }
}
