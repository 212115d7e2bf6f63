import { Global, Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import Redis, { Cluster, ClusterOptions, RedisOptions } from 'ioredis';
import { APP_CONFIG, AppConfig } from '@rpg/config';

export const REDIS = Symbol('REDIS');

/**
 * What `REDIS` and the factory hand out: one Redis, or a Redis Cluster client when REDIS_CLUSTER_NODES is set. Code
 * using it sticks to what both answer alike: commands, scripts, pipelines and MULTI on keys of our one hash tag (one
 * slot), and pub/sub. Nothing that needs a node (SCAN, KEYS, INFO of "the" server).
 */
export type RedisClient = Redis | Cluster;

/** Where to connect: the single Redis of `redisUrl`, or the cluster seeded by `redisClusterNodes` (AppConfig fits). */
export type RedisTarget = Pick<AppConfig, 'redisUrl' | 'redisClusterNodes'>;

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

/**
 * The same settings for a Cluster client. ioredis splits them: queueing while the cluster is not ready, the ready check,
 * auto-pipelining and reconnecting belong to the cluster; credentials, TLS, timeouts and maxRetriesPerRequest go to each
 * node connection (`redisOptions`). Host, port and db come from the seed nodes (a cluster has database 0 only).
 */
export function clusterOptions(url: string, overrides: RedisOptions = {}): ClusterOptions {
  const {
    host: _host,
    port: _port,
    db: _db,
    enableOfflineQueue,
    enableReadyCheck,
    enableAutoPipelining,
    lazyConnect,
    retryStrategy,
    ...node
  } = redisOptions(url, overrides);
  return { enableOfflineQueue, enableReadyCheck, enableAutoPipelining, lazyConnect, clusterRetryStrategy: retryStrategy, redisOptions: node };
}

/** One connection to the target: a Cluster client when seed nodes are configured, else a Redis. */
export function createRedisClient(target: RedisTarget, overrides: RedisOptions = {}): RedisClient {
  return target.redisClusterNodes.length
    ? new Cluster(target.redisClusterNodes, clusterOptions(target.redisUrl, overrides))
    : new Redis(redisOptions(target.redisUrl, overrides));
}

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
    await Promise.allSettled(this.created.map((c) => (c.status === 'ready' ? c.quit().catch(() => c.disconnect()) : c.disconnect())));
  }
}

export function isRedisUnavailableError(error: unknown): boolean {
  const message = (error as Error | undefined)?.message ?? '';
  const name = (error as Error | undefined)?.name ?? '';
  return (
    name === 'MaxRetriesPerRequestError' ||
    /Stream isn't writeable|Connection is closed|ECONNREFUSED|ECONNRESET|connect ETIMEDOUT|Reached the max retries per request limit|LOADING|Cluster isn't ready|None of startup nodes is available|CLUSTERDOWN|Failed to refresh slots cache/.test(message)
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
