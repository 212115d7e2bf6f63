import { Inject, Injectable } from '@nestjs/common';
import { REDIS, RedisKeys, RedisClient } from '@rpg/redis';

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
}

const KEEP_PER_SUBSCRIPTION = 1000;
const DELIVERY_TTL_S = 30 * 24 * 3600;

/**
 * KEYS: delivery, lane (KEYS[1] again = none), subscription list (KEYS[1] again = none): "none" repeats the delivery key
 * because every declared key must be in one slot on Redis Cluster ('' hashes to slot 0: CROSSSLOT).
 * ARGV: json, ttl, id, keep. Returns {created, isHead}.
 */
const CREATE_DELIVERY = `
if redis.call('SET', KEYS[1], ARGV[1], 'EX', tonumber(ARGV[2]), 'NX') == false then
  -- exists (fan-out ran before): report whether it heads its lane so a lost enqueue is repaired
  if KEYS[2] == KEYS[1] then return {0, 1} end
  return {0, (redis.call('LINDEX', KEYS[2], 0) == ARGV[3]) and 1 or 0}
end
if KEYS[3] ~= KEYS[1] then
  redis.call('LPUSH', KEYS[3], ARGV[3])
  redis.call('LTRIM', KEYS[3], 0, tonumber(ARGV[4]) - 1)
end
if KEYS[2] == KEYS[1] then return {1, 1} end
local len = redis.call('RPUSH', KEYS[2], ARGV[3])
redis.call('EXPIRE', KEYS[2], tonumber(ARGV[2]))
return {1, (len == 1) and 1 or 0}
`;

/** KEYS: lane. ARGV: id. Pops the delivery if it heads the lane; returns the new head or ''. */
const RELEASE_LANE = `
if redis.call('LINDEX', KEYS[1], 0) == ARGV[1] then redis.call('LPOP', KEYS[1]) end
return redis.call('LINDEX', KEYS[1], 0) or ''
`;

type Scripted = RedisClient & {
  rpgCreateDelivery(delivery: string, lane: string, list: string, json: string, ttl: number, id: string, keep: number): Promise<[number, number]>;
  rpgReleaseLane(lane: string, id: string): Promise<string>;
};

/** Deliveries and their attempts, listed per subscription (newest first, the last 1000 kept), with per-lane ordering. */
@Injectable()
export class WebhookDeliveryStore {
  private readonly redis: Scripted;

  constructor(
    @Inject(REDIS) redis: RedisClient,
    private readonly keys: RedisKeys,
  ) {
    this.redis = redis as Scripted;
    if (!('rpgCreateDelivery' in redis)) {
      redis.defineCommand('rpgCreateDelivery', { numberOfKeys: 3, lua: CREATE_DELIVERY });
      redis.defineCommand('rpgReleaseLane', { numberOfKeys: 1, lua: RELEASE_LANE });
    }
  }

  private key(id: string): string {
    return this.keys.key('dlv', id);
  }
  private listKey(subscriptionId: string): string {
    return this.keys.key('whsub', subscriptionId, 'dlvs');
  }
  laneKey(endpoint: string, operationId: string): string {
    return this.keys.key('dlane', endpoint, operationId);
  }

  /** Creates the delivery unless it exists (fan-out may run twice); `isHead`: first in its lane, so it may go out now. */
  async create(delivery: WebhookDelivery): Promise<{ created: boolean; isHead: boolean }> {
    const key = this.key(delivery.id);
    const [created, isHead] = await this.redis.rpgCreateDelivery(
      key,
      delivery.lane ?? key,
      delivery.subscriptionId ? this.listKey(delivery.subscriptionId) : key,
      JSON.stringify(delivery),
      DELIVERY_TTL_S,
      delivery.id,
      KEEP_PER_SUBSCRIPTION,
    );
    return { created: created === 1, isHead: isHead === 1 };
  }

  /** The delivery ended: let the next one of its lane go. Returns that next delivery id, or ''. */
  async releaseLane(delivery: WebhookDelivery): Promise<string> {
    return delivery.lane ? this.redis.rpgReleaseLane(delivery.lane, delivery.id) : '';
  }

  async get(id: string): Promise<WebhookDelivery | null> {
    const raw = await this.redis.get(this.key(id));
    return raw ? (JSON.parse(raw) as WebhookDelivery) : null;
  }

  async save(delivery: WebhookDelivery): Promise<void> {
    await this.redis.set(this.key(delivery.id), JSON.stringify(delivery), 'EX', DELIVERY_TTL_S);
  }

  async listForSubscription(subscriptionId: string, limit = 100): Promise<WebhookDelivery[]> {
    const ids = await this.redis.lrange(this.listKey(subscriptionId), 0, limit - 1);
    if (!ids.length) return [];
    const raws = await this.redis.mget(ids.map((id) => this.key(id)));
    return raws.flatMap((raw) => (raw ? [JSON.parse(raw) as WebhookDelivery] : []));
  }
}
