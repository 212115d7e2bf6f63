import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import { REDIS, RedisKeys } from '@rpg/redis';

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
}

const KEEP_PER_SUBSCRIPTION = 1000;
const DELIVERY_TTL_S = 30 * 24 * 3600;

/** Deliveries and their attempts, listed per subscription (newest first, the last 1000 kept). */
@Injectable()
export class WebhookDeliveryStore {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  private key(id: string): string {
    return this.keys.key('dlv', id);
  }
  private listKey(subscriptionId: string): string {
    return this.keys.key('whsub', subscriptionId, 'dlvs');
  }

  /** Creates the delivery unless it exists (fan-out may run twice). Returns false when it already existed. */
  async create(delivery: WebhookDelivery): Promise<boolean> {
    const created = await this.redis.set(this.key(delivery.id), JSON.stringify(delivery), 'EX', DELIVERY_TTL_S, 'NX');
    if (created && delivery.subscriptionId) {
      await this.redis.multi().lpush(this.listKey(delivery.subscriptionId), delivery.id).ltrim(this.listKey(delivery.subscriptionId), 0, KEEP_PER_SUBSCRIPTION - 1).exec();
    }
    return created === 'OK';
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
