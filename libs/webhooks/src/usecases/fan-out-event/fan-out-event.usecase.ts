import { Injectable, OnModuleInit } from '@nestjs/common';
import { OperationEventPublisher, OperationEventSink, OperationStore } from '@rpg/operations';
import type { EventEnvelope } from '@rpg/queues';
import { currentTraceparent } from '@rpg/tracing';
import { LANE_LEASE_MS, WebhookDelivery, WebhookDeliveryStore } from '../../webhook-delivery.store';
import { WebhookLaneRunner } from '../../webhook-lane.runner';
import { WebhookSubscriptionCache } from '../../webhook-subscription.cache';
import { SubscriptionsSnapshot, WebhookSubscription, WebhookSubscriptionStore } from '../../webhook-subscription.store';
import { FanOutEventCommand } from './fan-out-event.command';

/** Plans made from a cached subscription list that turned out stale, read again, before one is used unchecked. */
const STALE_READS = 2;

/**
 * Turns events into one delivery per matching endpoint (subscriptions, plus the operation's callbackUrl), all created
 * in one script; the lanes that begin are sent at once (WebhookLaneRunner). Deliveries of one operation to one endpoint
 * share a lane, so they go out one at a time in event order, even while one is retried. Delivery ids derive from event
 * ids, and a delivery is created once: fanning the same events out again (a completion step that ran twice) sends
 * nothing twice. Operation events come straight from OperationEventPublisher (this is its sink); a webhook-events job
 * (of the previous release) comes through its processor.
 */
@Injectable()
export class FanOutEventUseCase implements OperationEventSink, OnModuleInit {
  constructor(
    private readonly cache: WebhookSubscriptionCache,
    private readonly subscriptions: WebhookSubscriptionStore,
    private readonly deliveries: WebhookDeliveryStore,
    private readonly operations: OperationStore,
    private readonly lanes: WebhookLaneRunner,
    private readonly publisher: OperationEventPublisher,
  ) {}

  onModuleInit(): void {
    this.publisher.useSink(this);
  }

  async publish(events: EventEnvelope[], callbackUrl?: string | null): Promise<void> {
    await this.execute({ events }, callbackUrl);
  }

  /**
   * Returns how many deliveries were created. `callbackUrl`: the callbackUrl of the events' operation when the caller
   * knows it (null: none), else read here.
   */
  async execute(command: FanOutEventCommand, callbackUrl?: string | null): Promise<number> {
    const only = command.onlySubscriptionIds;
    const operationIds = [...new Set(command.events.flatMap((e) => (e.operationId ? [e.operationId] : [])))];
    const callbackUrls = only
      ? new Map<string, string | undefined>()
      : callbackUrl !== undefined && operationIds.length === 1
        ? new Map([[operationIds[0], callbackUrl ?? undefined]])
        : await this.callbackUrlsOf(operationIds);
    for (let reads = 0; ; reads++) {
      // a test event reads its subscription; the others use the cached list, checked against the current revision
      const snapshot: SubscriptionsSnapshot = only
        ? { revision: '', subscriptions: (await Promise.all(only.map((id) => this.subscriptions.get(id)))).filter((s): s is WebhookSubscription => s !== null) }
        : await (reads ? this.cache.refresh() : this.cache.current());
      const groups = this.plan(command, snapshot.subscriptions, callbackUrls);
      const revision = reads < STALE_READS ? snapshot.revision : '';
      // nothing to create is an answer too, but only from a list that is current: checked the same way
      if (!groups.length && !revision) return 0;
      const leaseUntil = Date.now() + LANE_LEASE_MS;
      const outcome = await this.deliveries.createAll(groups, revision, leaseUntil);
      if (outcome.stale) continue;
      const created = new Set(outcome.created);
      await this.lanes.start(
        outcome.starts,
        groups.flat().filter((d) => created.has(d.id)),
        leaseUntil,
      );
      return created.size;
    }
  }

  /** The operations' callbackUrls (absent: none). */
  private async callbackUrlsOf(ids: string[]): Promise<Map<string, string | undefined>> {
    const stored = await Promise.all(ids.map((id) => this.operations.get(id)));
    return new Map(ids.map((id, i) => [id, stored[i]?.meta.callbackUrl]));
  }

  /** The deliveries, grouped per endpoint and operation (one lane each), each group in event order. */
  private plan(command: FanOutEventCommand, subscriptions: WebhookSubscription[], callbackUrls: Map<string, string | undefined>): WebhookDelivery[][] {
    const only = command.onlySubscriptionIds;
    const enabled = subscriptions.filter((s) => s.status === 'ENABLED' && (!only || only.includes(s.id)));
    const groups = new Map<string, WebhookDelivery[]>();
    const createdAt = new Date().toISOString();
    const traceparent = currentTraceparent();
    for (const event of command.events) {
      const body = JSON.stringify({ id: event.eventId, type: event.type, timestamp: event.timestamp, data: event.data });
      const endpoints: { subscriptionId: string | null; url: string; suffix: string }[] = enabled
        .filter((s) => only || s.events.includes('*') || s.events.includes(event.type))
        .map((s) => ({ subscriptionId: s.id, url: s.url, suffix: s.id.slice(4) }));
      const callbackUrl = event.operationId ? callbackUrls.get(event.operationId) : undefined;
      if (callbackUrl) endpoints.push({ subscriptionId: null, url: callbackUrl, suffix: 'cb' });
      for (const endpoint of endpoints) {
        const lane = event.operationId ? this.deliveries.laneKey(endpoint.subscriptionId ?? 'cb', event.operationId) : undefined;
        const delivery: WebhookDelivery = {
          id: `dlv_${event.eventId.slice(4)}_${endpoint.suffix}`,
          subscriptionId: endpoint.subscriptionId,
          operationId: event.operationId ?? null,
          url: endpoint.url,
          eventId: event.eventId,
          eventType: event.type,
          body,
          status: 'PENDING',
          createdAt,
          nextRetryAt: null,
          attempts: [],
          lane,
          ...(traceparent ? { traceparent } : {}),
        };
        const group = `${endpoint.suffix}|${event.operationId ?? ''}`;
        groups.set(group, [...(groups.get(group) ?? []), delivery]);
      }
    }
    return [...groups.values()];
  }
}
