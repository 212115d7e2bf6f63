import { Injectable } from '@nestjs/common';
import { ProblemException } from '@rpg/common';
import { JobProducer } from '@rpg/queues';
import { WebhookDelivery, WebhookDeliveryStore } from '../../webhook-delivery.store';
import { GetWebhookSubscriptionUseCase } from '../get-webhook-subscription/get-webhook-subscription.usecase';
import { ReplayWebhookDeliveryCommand } from './replay-webhook-delivery.command';

/**
 * An operator's replay: a new run of attempts now, same event id and body (and the retry schedule again if it fails).
 * 404 for a delivery of another subscription, 409 while the delivery is still attempted or the subscription disabled.
 */
@Injectable()
export class ReplayWebhookDeliveryUseCase {
  constructor(
    private readonly deliveries: WebhookDeliveryStore,
    private readonly getSubscription: GetWebhookSubscriptionUseCase,
    private readonly jobs: JobProducer,
  ) {}

  async execute({ subscriptionId, deliveryId }: ReplayWebhookDeliveryCommand): Promise<WebhookDelivery> {
    const sub = await this.getSubscription.execute({ subscriptionId });
    const delivery = await this.deliveries.get(deliveryId);
    if (!delivery || delivery.subscriptionId !== sub.id)
      throw ProblemException.notFound(`Delivery ${deliveryId} of subscription ${subscriptionId} does not exist.`);
    if (delivery.status === 'PENDING')
      throw new ProblemException({ status: 409, slug: 'delivery-in-progress', detail: 'This delivery is still being attempted; replay it once it has ended.' });
    if (sub.status !== 'ENABLED') throw new ProblemException({ status: 409, slug: 'subscription-disabled', detail: 'The subscription is disabled.' });
    delivery.status = 'PENDING';
    delivery.runStartedAtAttempt = delivery.attempts.length;
    delivery.nextRetryAt = new Date().toISOString();
    delivery.lane = undefined; // an explicit replay does not wait behind (or hold up) the operation's other events
    await this.deliveries.save(delivery);
    await this.jobs.enqueueWebhookDeliveryReplay(deliveryId, delivery.attempts.length);
    return delivery;
  }
}
