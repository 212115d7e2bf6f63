import { Inject, Injectable } from '@nestjs/common';
import { REDIS, RedisKeys, RedisClient, defineScript, ScriptCall, versionedJsonCodec } from '@rpg/redis';

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

/** Redis keys of deliveries: each delivery (JSON), the list per subscription (newest first), the lane per endpoint and operation. */
function deliveryKeys(keys: RedisKeys) {
  return {
    delivery: (id: string) => keys.key('dlv', id),
    ofSubscription: (subscriptionId: string) => keys.key('whsub', subscriptionId, 'dlvs'),
    lane: (endpoint: string, operationId: string) => keys.key('dlane', endpoint, operationId),
  };
}

/** The delivery's JSON, versioned (`v`): 1 (no `v`) is the same shape without it. */
const deliveryCodec = versionedJsonCodec<WebhookDelivery>(2, (v1) => v1 as unknown as WebhookDelivery);

/**
 * Creates the delivery unless it exists, lists it under its subscription and queues it on its lane. A `lane` or `list`
 * that is the delivery key again means none: every declared key must be in one slot on Redis Cluster ('' hashes to
 * slot 0: CROSSSLOT).
 */
const createDeliveryScript = defineScript({
  name: 'rpgCreateDelivery',
  keys: ['delivery', 'lane', 'list'] as const,
  args: ['json', 'ttlSeconds', 'id', 'keep'] as const,
  reply: ([created, isHead]: [number, number]) => ({ created: created === 1, isHead: isHead === 1 }),
  lua: `
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
`,
});

/** Pops the delivery if it heads the lane; replies the new head or ''. */
const releaseLaneScript = defineScript({
  name: 'rpgReleaseLane',
  keys: ['lane'] as const,
  args: ['id'] as const,
  reply: (nextHead: string) => nextHead,
  lua: `
if redis.call('LINDEX', KEYS[1], 0) == ARGV[1] then redis.call('LPOP', KEYS[1]) end
return redis.call('LINDEX', KEYS[1], 0) or ''
`,
});

/** Deliveries and their attempts, listed per subscription (newest first, the last 1000 kept), with per-lane ordering. */
@Injectable()
export class WebhookDeliveryStore {
  private readonly keys: ReturnType<typeof deliveryKeys>;
  private readonly createDelivery: ScriptCall<typeof createDeliveryScript>;
  private readonly releaseLaneOf: ScriptCall<typeof releaseLaneScript>;

  constructor(
    @Inject(REDIS) private readonly redis: RedisClient,
    redisKeys: RedisKeys,
  ) {
    this.keys = deliveryKeys(redisKeys);
    this.createDelivery = createDeliveryScript.on(redis);
    this.releaseLaneOf = releaseLaneScript.on(redis);
  }

  laneKey(endpoint: string, operationId: string): string {
    return this.keys.lane(endpoint, operationId);
  }

  /** Creates the delivery unless it exists (fan-out may run twice); `isHead`: first in its lane, so it may go out now. */
  async create(delivery: WebhookDelivery): Promise<{ created: boolean; isHead: boolean }> {
    const key = this.keys.delivery(delivery.id);
    return this.createDelivery(
      { delivery: key, lane: delivery.lane ?? key, list: delivery.subscriptionId ? this.keys.ofSubscription(delivery.subscriptionId) : key },
      { json: deliveryCodec.encode(delivery), ttlSeconds: DELIVERY_TTL_S, id: delivery.id, keep: KEEP_PER_SUBSCRIPTION },
    );
  }

  /** The delivery ended: let the next one of its lane go. Returns that next delivery id, or ''. */
  async releaseLane(delivery: WebhookDelivery): Promise<string> {
    return delivery.lane ? this.releaseLaneOf({ lane: delivery.lane }, { id: delivery.id }) : '';
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
}
