import { Inject, Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { newSortableId } from '@rpg/operations';
import { REDIS, RedisKeys, RedisClient } from '@rpg/redis';

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

/** Webhook subscriptions in Redis. Secrets sit in their own field and never leave through `get`/`list`. */
@Injectable()
export class WebhookSubscriptionStore {
  constructor(
    @Inject(REDIS) private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
  ) {}

  private key(id: string): string {
    return this.keys.key('whsub', id);
  }
  private get setKey(): string {
    return this.keys.key('whsubs');
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
      .hset(this.key(subscription.id), 'data', JSON.stringify(subscription), 'secrets', JSON.stringify({ current: secret } satisfies SubscriptionSecrets))
      .zadd(this.setKey, Date.now(), subscription.id)
      .exec();
    return { subscription, secret };
  }

  async get(id: string): Promise<WebhookSubscription | null> {
    const data = await this.redis.hget(this.key(id), 'data');
    return data ? (JSON.parse(data) as WebhookSubscription) : null;
  }

  async secrets(id: string): Promise<SubscriptionSecrets | null> {
    const raw = await this.redis.hget(this.key(id), 'secrets');
    return raw ? (JSON.parse(raw) as SubscriptionSecrets) : null;
  }

  async list(): Promise<WebhookSubscription[]> {
    const ids = await this.redis.zrange(this.setKey, 0, -1);
    if (!ids.length) return [];
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hget(this.key(id), 'data');
    const rows = (await pipeline.exec()) ?? [];
    return rows.flatMap(([, data]) => (data ? [JSON.parse(data as string) as WebhookSubscription] : []));
  }

  async delete(id: string): Promise<boolean> {
    const [[, removed]] = (await this.redis.multi().del(this.key(id)).zrem(this.setKey, id).exec()) as [[unknown, number], unknown];
    return removed === 1;
  }

  /** A new secret; the previous one keeps signing (as a second signature) for `overlapMs`. */
  async rotateSecret(id: string, overlapMs = 24 * 3600 * 1000): Promise<string | null> {
    const current = await this.secrets(id);
    if (!current) return null;
    const secret = newWebhookSecret();
    const next: SubscriptionSecrets = { current: secret, previous: current.current, previousUntil: Date.now() + overlapMs };
    await this.redis.hset(this.key(id), 'secrets', JSON.stringify(next));
    return secret;
  }

  async disable(id: string, reason: string): Promise<void> {
    const sub = await this.get(id);
    if (!sub) return;
    await this.redis.hset(this.key(id), 'data', JSON.stringify({ ...sub, status: 'DISABLED', disabledReason: reason }));
  }
}
