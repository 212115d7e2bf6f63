import { Inject, Injectable } from '@nestjs/common';
import { REDIS, RedisKeys, RedisClient, ScriptCall, versionedJsonCodec } from '@rpg/redis';
import { CreatedDeliveries, claimLaneScript, createDeliveriesScript, deferDeliveryScript, finishDeliveryScript } from './webhook-delivery.scripts';
import { subscriptionsRevisionKey } from './webhook-subscription.store';

export type { CreatedDeliveries } from './webhook-delivery.scripts';

export interface DeliveryAttempt {
  attempt: number;
  startedAt: string;
  durationMs: number;
  statusCode: number | null;
  error: string | null;
}

export interface WebhookDelivery {
  id: string;
  /** The subscription, or null for an operation's callbackUrl. */
  subscriptionId: string | null;
  operationId: string | null;
  url: string;
  eventId: string;
  eventType: string;
  /** The exact body sent on every attempt. */
  body: string;
  status: 'PENDING' | 'SUCCEEDED' | 'FAILED';
  createdAt: string;
  nextRetryAt: string | null;
  attempts: DeliveryAttempt[];
  /** Attempts made before the current run (a replay starts a new run of the retry schedule). */
  runStartedAtAttempt?: number;
  /** The delivery's lane (one per endpoint and operation): deliveries of a lane go out one at a time, in order. */
  lane?: string;
  /** The trace context of the event's fan-out (tracing on): each attempt is a span of that trace, sent as `traceparent`. */
  traceparent?: string;
}

/**
 * How long a lane's runner may work without a sign of life before another takes the lane over: longer than one
 * attempt (10 s timeout); a runner moves its lease on before an attempt once half of it is gone.
 */
export const LANE_LEASE_MS = 30_000;

const KEEP_PER_SUBSCRIPTION = 1000;
const DELIVERY_TTL_S = 30 * 24 * 3600;

/**
 * Redis keys of deliveries: each delivery (JSON), the list per subscription (newest first), the lane per endpoint and
 * operation, and the leases of every non-empty lane (see webhook-delivery.scripts.ts).
 */
function deliveryKeys(keys: RedisKeys) {
  return {
    delivery: (id: string) => keys.key('dlv', id),
    ofSubscription: (subscriptionId: string) => keys.key('whsub', subscriptionId, 'dlvs'),
    lane: (endpoint: string, operationId: string) => keys.key('dlane', endpoint, operationId),
    leases: keys.key('dlanes'),
    subscriptionsRevision: subscriptionsRevisionKey(keys),
  };
}

/** The delivery's JSON, versioned (`v`): 1 (no `v`) is the same shape without it. */
const deliveryCodec = versionedJsonCodec<WebhookDelivery>(2, (v1) => v1 as unknown as WebhookDelivery);

/** Deliveries and their attempts, listed per subscription (newest first, the last 1000 kept), with per-lane ordering. */
@Injectable()
export class WebhookDeliveryStore {
  private readonly keys: ReturnType<typeof deliveryKeys>;
  private readonly createDeliveries: ScriptCall<typeof createDeliveriesScript>;
  private readonly finishDelivery: ScriptCall<typeof finishDeliveryScript>;
  private readonly deferDelivery: ScriptCall<typeof deferDeliveryScript>;
  private readonly claimLaneOf: ScriptCall<typeof claimLaneScript>;

  constructor(
    @Inject(REDIS) private readonly redis: RedisClient,
    redisKeys: RedisKeys,
  ) {
    this.keys = deliveryKeys(redisKeys);
    this.createDeliveries = createDeliveriesScript.on(redis);
    this.finishDelivery = finishDeliveryScript.on(redis);
    this.deferDelivery = deferDeliveryScript.on(redis);
    this.claimLaneOf = claimLaneScript.on(redis);
  }

  laneKey(endpoint: string, operationId: string): string {
    return this.keys.lane(endpoint, operationId);
  }

  /**
   * Creates, in one step, the deliveries of `groups` that do not exist yet (each group: one endpoint's deliveries of one
   * operation, in event order, sharing a lane). Stale when `revision` (the subscriptions' revision the groups were planned
   * from; '' for none) is not current. `starts`: the deliveries that begin a run; a lane's lease then runs to `leaseUntil`.
   */
  async createAll(groups: WebhookDelivery[][], revision: string, leaseUntil: number): Promise<CreatedDeliveries> {
    const keys: string[] = [];
    const at = (key: string) => keys.push(key) + 2; // KEYS[1] and KEYS[2] are the revision and the leases
    const plan = groups.map((group) => ({
      d: group.map((d) => [at(this.keys.delivery(d.id)), d.id, deliveryCodec.encode(d)]),
      q: group[0].lane ? at(group[0].lane) : 0,
      l: group[0].subscriptionId ? at(this.keys.ofSubscription(group[0].subscriptionId)) : 0,
    }));
    return this.createDeliveries(
      { revision: this.keys.subscriptionsRevision, runs: this.keys.leases, planned: keys },
      { revision, ttlSeconds: DELIVERY_TTL_S, keep: KEEP_PER_SUBSCRIPTION, leaseUntil, plan: JSON.stringify(plan) },
    );
  }

  /**
   * Writes the ended delivery and lets its lane move on past it and past `endedBefore` (ended and stored before it, still
   * heading the lane); returns the lane's next delivery id, or ''.
   */
  async finish(delivery: WebhookDelivery, endedBefore: readonly string[] = []): Promise<string> {
    return this.moveOn(delivery.id, delivery.lane, deliveryCodec.encode(delivery), [...endedBefore, delivery.id]);
  }

  /** The lane moves on past deliveries that ended before (or whose records are gone), in lane order; returns its next delivery id, or ''. */
  async advance(lane: string | undefined, ended: readonly string[]): Promise<string> {
    return lane && ended.length ? this.moveOn(ended[ended.length - 1], lane, '', ended) : '';
  }

  /** Writes a delivery waiting for its retry; its lane's lease runs to `leaseUntil` (past the retry). */
  async defer(delivery: WebhookDelivery, leaseUntil: number): Promise<void> {
    const key = this.keys.delivery(delivery.id);
    await this.deferDelivery(
      { delivery: key, lane: delivery.lane ?? key, runs: this.keys.leases },
      { json: deliveryCodec.encode(delivery), ttlSeconds: DELIVERY_TTL_S, leaseUntil },
    );
  }

  /** The lane's runner is alive: its lease runs to `until`. */
  async extendLease(lane: string, until: number): Promise<void> {
    await this.redis.zadd(this.keys.leases, until, lane);
  }

  /** The runner leaves the lane (a stopping worker): its lease runs out now, for the next sweep anywhere to take over. */
  async releaseLease(lane: string): Promise<void> {
    await this.redis.zadd(this.keys.leases, 'XX', 0, lane);
  }

  /** Lanes whose lease ran out by `now` (at most `limit`). */
  async dueLanes(now: number, limit: number): Promise<string[]> {
    return this.redis.zrangebyscore(this.keys.leases, '-inf', now, 'LIMIT', 0, limit);
  }

  /** Takes over a lane whose lease ran out: the lease runs to `leaseUntil`; returns its head delivery id, or '' (not due, or empty). */
  async claimLane(lane: string, now: number, leaseUntil: number): Promise<string> {
    return this.claimLaneOf({ runs: this.keys.leases, lane }, { now, leaseUntil });
  }

  async get(id: string): Promise<WebhookDelivery | null> {
    const raw = await this.redis.get(this.keys.delivery(id));
    return raw ? deliveryCodec.decode(raw) : null;
  }

  async save(delivery: WebhookDelivery): Promise<void> {
    await this.redis.set(this.keys.delivery(delivery.id), deliveryCodec.encode(delivery), 'EX', DELIVERY_TTL_S);
  }

  async listForSubscription(subscriptionId: string, limit = 100): Promise<WebhookDelivery[]> {
    const ids = await this.redis.lrange(this.keys.ofSubscription(subscriptionId), 0, limit - 1);
    if (!ids.length) return [];
    const raws = await this.redis.mget(ids.map((id) => this.keys.delivery(id)));
    return raws.flatMap((raw) => (raw ? [deliveryCodec.decode(raw)] : []));
  }

  private moveOn(deliveryId: string, lane: string | undefined, json: string, ended: readonly string[]): Promise<string> {
    const key = this.keys.delivery(deliveryId);
    return this.finishDelivery({ delivery: key, lane: lane ?? key, runs: this.keys.leases }, { json, ttlSeconds: DELIVERY_TTL_S, ended: ended.join(' ') });
  }
}
