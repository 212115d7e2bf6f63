import { Injectable } from '@nestjs/common';
import { WebhookDelivery, WebhookDeliveryStore } from '../../webhook-delivery.store';
import { GetWebhookSubscriptionUseCase } from '../get-webhook-subscription/get-webhook-subscription.usecase';
import { ListWebhookDeliveriesCommand } from './list-webhook-deliveries.command';

/** The deliveries of one subscription, newest first, each with every attempt (404 problem for an unknown subscription). */
@Injectable()
export class ListWebhookDeliveriesUseCase {
  constructor(
    private readonly deliveries: WebhookDeliveryStore,
    private readonly getSubscription: GetWebhookSubscriptionUseCase,
  ) {}

  async execute({ subscriptionId }: ListWebhookDeliveriesCommand): Promise<WebhookDelivery[]> {
    await this.getSubscription.execute({ subscriptionId });
    return this.deliveries.listForSubscription(subscriptionId);
  }
}
