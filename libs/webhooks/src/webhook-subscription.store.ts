import { Inject, Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { newSortableId } from '@rpg/operations';
import { REDIS, RedisKeys, RedisClient, parseSchemaVersion } from '@rpg/redis';

export interface WebhookSubscription {
  id: string;
  url: string;
  events: string[];
  description: string | null;
  createdAt: string;
  status: 'ENABLED' | 'DISABLED';
  disabledReason?: string | null;
}

export interface SubscriptionSecrets {
  current: string;
  /** The previous secret during a rotation (both sign for 24 h). */
  previous?: string;
  previousUntil?: number;
}

export function newWebhookSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}

/**
 * The revision of the subscription list: bumped by every change that alters where events go (create, delete, disable),
 * so a process caching the list learns of a change in the same step that would use the list (createDeliveries).
 */
export function subscriptionsRevisionKey(keys: RedisKeys): string {
  return keys.key('whsubs', 'rev');
}

/** Redis keys of subscriptions: a hash per subscription (fields below), every id by creation time, and the revision. */
function subscriptionKeys(keys: RedisKeys) {
  return {
    subscription: (id: string) => keys.key('whsub', id),
    all: keys.key('whsubs'),
    revision: subscriptionsRevisionKey(keys),
  };
}

/** The subscriptions as of a revision of the list. */
export interface SubscriptionsSnapshot {
  revision: string;
  subscriptions: WebhookSubscription[];
}

/**
 * The subscription hash: `data` (what the API shows) and `secrets` (never shown), both JSON, and `v`, the schema version
 * of the record (set when created; absent is 1). It sits beside `data`, not in it: `data` is shown as it is.
 */
const SUBSCRIPTION_FIELDS = { data: 'data', secrets: 'secrets', version: 'v' } as const;
const SUBSCRIPTION_SCHEMA_VERSION = 2;

const subscriptionCodec = {
  encode: (subscription: WebhookSubscription): string => JSON.stringify(subscription),
  /** Every version up to the current; 1 (no `v`) is the same shape. A newer one is read as it is (its keys kept). */
  decode: (raw: string, _version: number): WebhookSubscription => JSON.parse(raw) as WebhookSubscription,
  encodeSecrets: (secrets: SubscriptionSecrets): string => JSON.stringify(secrets),
  decodeSecrets: (raw: string): SubscriptionSecrets => JSON.parse(raw) as SubscriptionSecrets,
};

/** Webhook subscriptions in Redis. Secrets sit in their own field and never leave through `get`/`list`. */
@Injectable()
export class WebhookSubscriptionStore {
  private readonly keys: ReturnType<typeof subscriptionKeys>;

  constructor(
    @Inject(REDIS) private readonly redis: RedisClient,
    redisKeys: RedisKeys,
  ) {
    this.keys = subscriptionKeys(redisKeys);
  }

  async create(input: { url: string; events: string[]; description?: string }): Promise<{ subscription: WebhookSubscription; secret: string }> {
    const subscription: WebhookSubscription = {
      id: newSortableId('whs_'),
      url: input.url,
      events: input.events,
      description: input.description ?? null,
      createdAt: new Date().toISOString(),
      status: 'ENABLED',
    };
    const secret = newWebhookSecret();
    await this.redis
      .multi()
      .hset(
        this.keys.subscription(subscription.id),
        SUBSCRIPTION_FIELDS.data,
        subscriptionCodec.encode(subscription),
        SUBSCRIPTION_FIELDS.secrets,
        subscriptionCodec.encodeSecrets({ current: secret }),
        SUBSCRIPTION_FIELDS.version,
        SUBSCRIPTION_SCHEMA_VERSION,
      )
      .zadd(this.keys.all, Date.now(), subscription.id)
      .incr(this.keys.revision)
      .exec();
    return { subscription, secret };
  }

  async get(id: string): Promise<WebhookSubscription | null> {
    const [data, version] = await this.redis.hmget(this.keys.subscription(id), SUBSCRIPTION_FIELDS.data, SUBSCRIPTION_FIELDS.version);
    return data ? subscriptionCodec.decode(data, parseSchemaVersion(version)) : null;
  }

  /** The secrets of an ENABLED subscription (one read), else null: what a delivery signs with. */
  async enabledSecrets(id: string): Promise<SubscriptionSecrets | null> {
    const [data, version, secrets] = await this.redis.hmget(
      this.keys.subscription(id),
      SUBSCRIPTION_FIELDS.data,
      SUBSCRIPTION_FIELDS.version,
      SUBSCRIPTION_FIELDS.secrets,
    );
    if (!data || !secrets || subscriptionCodec.decode(data, parseSchemaVersion(version)).status !== 'ENABLED') return null;
    return subscriptionCodec.decodeSecrets(secrets);
  }

  async secrets(id: string): Promise<SubscriptionSecrets | null> {
    const raw = await this.redis.hget(this.keys.subscription(id), SUBSCRIPTION_FIELDS.secrets);
    return raw ? subscriptionCodec.decodeSecrets(raw) : null;
  }

  async list(): Promise<WebhookSubscription[]> {
    const ids = await this.redis.zrange(this.keys.all, 0, -1);
    if (!ids.length) return [];
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hmget(this.keys.subscription(id), SUBSCRIPTION_FIELDS.data, SUBSCRIPTION_FIELDS.version);
    const rows = (await pipeline.exec()) ?? [];
    return rows.flatMap(([, fields]) => {
      const [data, version] = (fields ?? []) as (string | null)[];
      return data ? [subscriptionCodec.decode(data, parseSchemaVersion(version))] : [];
    });
  }

  /** Every subscription and the revision read before them (a change in between shows as a newer revision). */
  async snapshot(): Promise<SubscriptionsSnapshot> {
    const revision = (await this.redis.get(this.keys.revision)) ?? '0';
    return { revision, subscriptions: await this.list() };
  }

  async delete(id: string): Promise<boolean> {
    const [[, removed]] = (await this.redis.multi().del(this.keys.subscription(id)).zrem(this.keys.all, id).incr(this.keys.revision).exec()) as [
      [unknown, number],
      unknown,
      unknown,
    ];
    return removed === 1;
  }

  /** A new secret; the previous one keeps signing (as a second signature) for `overlapMs`. */
  async rotateSecret(id: string, overlapMs = 24 * 3600 * 1000): Promise<string | null> {
    const current = await this.secrets(id);
    if (!current) return null;
    const secret = newWebhookSecret();
    const next: SubscriptionSecrets = { current: secret, previous: current.current, previousUntil: Date.now() + overlapMs };
    await this.redis.hset(this.keys.subscription(id), SUBSCRIPTION_FIELDS.secrets, subscriptionCodec.encodeSecrets(next));
    return secret;
  }

  async disable(id: string, reason: string): Promise<void> {
    const sub = await this.get(id);
    if (!sub) return;
    await this.redis
      .multi()
      .hset(this.keys.subscription(id), SUBSCRIPTION_FIELDS.data, subscriptionCodec.encode({ ...sub, status: 'DISABLED', disabledReason: reason }))
      .incr(this.keys.revision)
      .exec();
  }
}
