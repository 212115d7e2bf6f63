import type { ClusterOptions, RedisOptions } from 'ioredis';

/** Connection settings of a single Redis from its URL (credentials, TLS, db), failing fast while Redis is away. */
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
