import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import type { RedisOptions } from 'ioredis';
import { APP_CONFIG, AppConfig } from '@rpg/config';
import { RedisClient, createRedisClient } from './redis-client';

/** The one place that creates long-lived connections (storage, pub/sub subscribers, BullMQ's on a cluster); closes them at shutdown. */
@Injectable()
export class RedisConnectionFactory implements OnApplicationShutdown {
  private readonly created: RedisClient[] = [];
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  /** Whether connections go to a Redis Cluster. */
  get clustered(): boolean {
    return this.config.redisClusterNodes.length > 0;
  }

  create(overrides: RedisOptions = {}): RedisClient {
    const client = createRedisClient(this.config, overrides);
    client.on('error', () => undefined); // readiness reports it; avoid unhandled error events
    this.created.push(client);
    return client;
  }

  async onApplicationShutdown(): Promise<void> {
    // quit() needs a live connection: with Redis away it fails and the client would keep reconnecting (the process
    // never exits on SIGTERM), so a client that is not ready is disconnected instead
    await Promise.allSettled(this.created.map((c) => (c.status === 'ready' ? c.quit().catch(() => c.disconnect()) : Promise.resolve(c.disconnect()))));
  }
}
