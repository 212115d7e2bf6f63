import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import { Queue } from 'bullmq';
import { OperationStore } from '@rpg/operations';
import { QUEUES, WebhookDeliveryJob, WebhookEventJob } from '@rpg/queues';
import { WebhookDelivery, WebhookDeliveryStore } from '../../webhook-delivery.store';
import { WebhookSubscriptionStore } from '../../webhook-subscription.store';

/** Turns one event into one delivery per matching endpoint (subscriptions, plus the operation's callbackUrl). */
@Injectable()
export class FanOutEventUseCase {
  constructor(
    private readonly subscriptions: WebhookSubscriptionStore,
    private readonly deliveries: WebhookDeliveryStore,
    private readonly operations: OperationStore,
    @InjectQueue(QUEUES.webhookDeliveries) private readonly queue: Queue<WebhookDeliveryJob>,
  ) {}

  async execute(event: WebhookEventJob): Promise<number> {
    const body = JSON.stringify({ id: event.eventId, type: event.type, timestamp: event.timestamp, data: event.data });
    const targets: { subscriptionId: string | null; url: string; deliveryId: string }[] = [];
    for (const sub of await this.subscriptions.list()) {
      if (sub.status !== 'ENABLED') continue;
      if (event.onlySubscriptionIds && !event.onlySubscriptionIds.includes(sub.id)) continue;
      if (!event.onlySubscriptionIds && !sub.events.includes('*') && !sub.events.includes(event.type)) continue;
      targets.push({ subscriptionId: sub.id, url: sub.url, deliveryId: `dlv_${event.eventId.slice(4)}_${sub.id.slice(4)}` });
    }
    if (event.operationId && !event.onlySubscriptionIds) {
      const stored = await this.operations.get(event.operationId);
      if (stored?.meta.callbackUrl) targets.push({ subscriptionId: null, url: stored.meta.callbackUrl, deliveryId: `dlv_${event.eventId.slice(4)}_cb` });
    }
    const createdAt = new Date().toISOString();
    for (const t of targets) {
      const delivery: WebhookDelivery = {
        id: t.deliveryId,
        subscriptionId: t.subscriptionId,
        operationId: event.operationId ?? null,
        url: t.url,
        eventId: event.eventId,
        eventType: event.type,
        body,
        status: 'PENDING',
        createdAt,
        nextRetryAt: null,
        attempts: [],
      };
      await this.deliveries.create(delivery);
    }
    if (targets.length) {
      await this.queue.addBulk(targets.map((t) => ({ name: 'deliver', data: { deliveryId: t.deliveryId }, opts: { jobId: t.deliveryId } })));
    }
    return targets.length;
  }
}
