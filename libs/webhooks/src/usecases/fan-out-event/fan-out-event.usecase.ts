import { Injectable } from '@nestjs/common';
import { OperationStore } from '@rpg/operations';
import { JobProducer } from '@rpg/queues';
import { WebhookDelivery, WebhookDeliveryStore } from '../../webhook-delivery.store';
import { WebhookSubscription, WebhookSubscriptionStore } from '../../webhook-subscription.store';
import { FanOutEventCommand } from './fan-out-event.command';

/**
 * Turns events into one delivery per matching endpoint (subscriptions, plus the operation's callbackUrl). Deliveries of
 * one operation to one endpoint share a lane, so they go out one at a time in event order, even while one is retried.
 */
@Injectable()
export class FanOutEventUseCase {
  constructor(
    private readonly subscriptions: WebhookSubscriptionStore,
    private readonly deliveries: WebhookDeliveryStore,
    private readonly operations: OperationStore,
    private readonly jobs: JobProducer,
  ) {}

  async execute(command: FanOutEventCommand): Promise<number> {
    const subs = (await this.subscriptions.list()).filter(
      (s) => s.status === 'ENABLED' && (!command.onlySubscriptionIds || command.onlySubscriptionIds.includes(s.id)),
    );
    const callbackUrls = new Map<string, string | undefined>();
    const ready: string[] = [];
    let count = 0;
    for (const event of command.events) {
      const body = JSON.stringify({ id: event.eventId, type: event.type, timestamp: event.timestamp, data: event.data });
      const endpoints: { sub: WebhookSubscription | null; url: string; suffix: string }[] = subs
        .filter((s) => command.onlySubscriptionIds || s.events.includes('*') || s.events.includes(event.type))
        .map((s) => ({ sub: s, url: s.url, suffix: s.id.slice(4) }));
      if (event.operationId && !command.onlySubscriptionIds) {
        if (!callbackUrls.has(event.operationId)) callbackUrls.set(event.operationId, (await this.operations.get(event.operationId))?.meta.callbackUrl);
        const url = callbackUrls.get(event.operationId);
        if (url) endpoints.push({ sub: null, url, suffix: 'cb' });
      }
      for (const endpoint of endpoints) {
        const delivery: WebhookDelivery = {
          id: `dlv_${event.eventId.slice(4)}_${endpoint.suffix}`,
          subscriptionId: endpoint.sub?.id ?? null,
          operationId: event.operationId ?? null,
          url: endpoint.url,
          eventId: event.eventId,
          eventType: event.type,
          body,
          status: 'PENDING',
          createdAt: new Date().toISOString(),
          nextRetryAt: null,
          attempts: [],
          lane: event.operationId ? this.deliveries.laneKey(endpoint.sub?.id ?? 'cb', event.operationId) : undefined,
        };
        const { created, isHead } = await this.deliveries.create(delivery);
        if (created) count++;
        if (isHead) ready.push(delivery.id);
      }
    }
    await this.jobs.enqueueWebhookDeliveries(ready);
    return count;
  }
}
