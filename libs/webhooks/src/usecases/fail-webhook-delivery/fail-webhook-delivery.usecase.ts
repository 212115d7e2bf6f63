import { Injectable } from '@nestjs/common';
import { WebhookDelivery, WebhookDeliveryStore } from '../../webhook-delivery.store';
import { FailWebhookDeliveryCommand } from './fail-webhook-delivery.command';

/** The attempt error of a delivery ended by a bug in the gateway (the details are in the log under the delivery id). */
export const INTERNAL_DELIVERY_ERROR = 'internal error in the gateway: the delivery ended without an answer and is not retried';

/**
 * Ends a delivery whose run hit a bug (it is not retried): FAILED with an attempt saying so, and its lane moved on so
 * the later events of that endpoint and operation still go out. `next`: the delivery now heading the lane, or ''.
 */
@Injectable()
export class FailWebhookDeliveryUseCase {
  constructor(private readonly deliveries: WebhookDeliveryStore) {}

  async execute({ deliveryId }: FailWebhookDeliveryCommand): Promise<{ next: string; delivery: WebhookDelivery | null }> {
    const delivery = await this.deliveries.get(deliveryId);
    if (!delivery) return { next: '', delivery: null };
    if (delivery.status !== 'PENDING') return { next: await this.deliveries.advance(delivery.lane, [delivery.id]), delivery };
    const attempts = Array.isArray(delivery.attempts) ? delivery.attempts : [];
    const attempt = { attempt: attempts.length + 1, startedAt: new Date().toISOString(), durationMs: 0, statusCode: null, error: INTERNAL_DELIVERY_ERROR };
    delivery.attempts = attempts;
    delivery.attempts.push(attempt);
    delivery.status = 'FAILED';
    delivery.nextRetryAt = null;
    return { next: await this.deliveries.finish(delivery), delivery };
  }
}
