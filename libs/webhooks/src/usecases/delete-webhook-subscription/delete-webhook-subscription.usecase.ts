import { Injectable } from '@nestjs/common';
import { WebhookSubscriptionStore } from '../../webhook-subscription.store';
import { subscriptionNotFound } from '../get-webhook-subscription/get-webhook-subscription.usecase';
import { DeleteWebhookSubscriptionCommand } from './delete-webhook-subscription.command';

/** Deletes a subscription (404 problem when there is none); its pending deliveries then end FAILED at their next attempt. */
@Injectable()
export class DeleteWebhookSubscriptionUseCase {
  constructor(private readonly subscriptions: WebhookSubscriptionStore) {}

  async execute({ subscriptionId }: DeleteWebhookSubscriptionCommand): Promise<void> {
    if (!(await this.subscriptions.delete(subscriptionId))) throw subscriptionNotFound(subscriptionId);
  }
}
