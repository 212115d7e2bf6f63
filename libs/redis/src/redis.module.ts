import { Global, Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import Redis, { RedisOptions } from 'ioredis';
import { APP_CONFIG, AppConfig } from '@rpg/config';

export const REDIS = Symbol('REDIS');

/** Key names of our own data, under one hash tag (Redis Cluster keeps multi-key scripts in one slot). */
@Injectable()
export class RedisKeys {
  readonly base: string;
  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.base = `{${config.queuePrefix}}:`;
  }
  key(...parts: string[]): string {
    return this.base + parts.join(':');
  }
}

export function redisOptions(url: string, overrides: RedisOptions = {}): RedisOptions {
  const u = new URL(url);
  return {
    host: u.hostname,
    port: Number(u.port || 6379),
    username: u.username || undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    db: u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0,
    tls: u.protocol === 'rediss:' ? {} : undefined,
    // fail fast while Redis is away: the API answers 503 instead of hanging, and nothing unstored is acknowledged
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    retryStrategy: (times) => Math.min(100 * times, 2000),
    lazyConnect: false,
    ...overrides,
  };
}

/** Creates extra connections (pub/sub subscribers) with the same settings. */
@Injectable()
export class RedisConnectionFactory implements OnApplicationShutdown {
  private readonly created: Redis[] = [];
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  create(overrides: RedisOptions = {}): Redis {
    const client = new Redis(redisOptions(this.config.redisUrl, overrides));
    client.on('error', () => undefined); // readiness reports it; avoid unhandled error events
    this.created.push(client);
    return client;
  }

  async onApplicationShutdown(): Promise<void> {
    // quit() needs a live connection: with Redis away it fails and the client would keep reconnecting (the process
    // never exits on SIGTERM), so a client that is not ready is disconnected instead
    await Promise.allSettled(this.created.map((c) => (c.status === 'ready' ? c.quit().catch(() => c.disconnect()) : c.disconnect())));
  }
}

export function isRedisUnavailableError(error: unknown): boolean {
  const message = (error as Error | undefined)?.message ?? '';
  const name = (error as Error | undefined)?.name ?? '';
  return (
    name === 'MaxRetriesPerRequestError' ||
    /Stream isn't writeable|Connection is closed|ECONNREFUSED|ECONNRESET|connect ETIMEDOUT|Reached the max retries per request limit|LOADING/.test(message)
  );
}

@Global()
@Module({
  providers: [
    RedisKeys,
    RedisConnectionFactory,
    {
      provide: REDIS,
      inject: [RedisConnectionFactory],
      // concurrent commands of a request (and of concurrent requests) share one write: fewer syscalls on the hot path
      useFactory: (factory: RedisConnectionFactory) => factory.create({ enableAutoPipelining: true }),
    },
  ],
  exports: [REDIS, RedisKeys, RedisConnectionFactory],
})
export class RedisModule {}
