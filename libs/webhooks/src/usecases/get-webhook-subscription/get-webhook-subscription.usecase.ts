import { Injectable } from '@nestjs/common';
import { ProblemException } from '@rpg/common';
import { WebhookSubscription, WebhookSubscriptionStore } from '../../webhook-subscription.store';
import { GetWebhookSubscriptionCommand } from './get-webhook-subscription.command';

/** One subscription, or a 404 problem (every route under /v1/webhook-subscriptions/:id starts here). */
@Injectable()
export class GetWebhookSubscriptionUseCase {
  constructor(private readonly subscriptions: WebhookSubscriptionStore) {}

  async execute({ subscriptionId }: GetWebhookSubscriptionCommand): Promise<WebhookSubscription> {
    const subscription = await this.subscriptions.get(subscriptionId);
    if (!subscription) throw subscriptionNotFound(subscriptionId);
    return subscription;
  }
}

export function subscriptionNotFound(subscriptionId: string): ProblemException {
  return ProblemException.notFound(`Webhook subscription ${subscriptionId} does not exist.`);
}
