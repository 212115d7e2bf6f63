import { Injectable } from '@nestjs/common';
import { WebhookSubscription, WebhookSubscriptionStore } from '../../webhook-subscription.store';

/** Every subscription, oldest first (secrets never leave the store). Takes no command: there is nothing to choose. */
@Injectable()
export class ListWebhookSubscriptionsUseCase {
  constructor(private readonly subscriptions: WebhookSubscriptionStore) {}

  execute(): Promise<WebhookSubscription[]> {
    return this.subscriptions.list();
  }
}
