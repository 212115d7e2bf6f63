import Redis, { Cluster } from 'ioredis';
import { clusterOptions, createRedisClient, redisOptions } from './redis.module';

const URL_WITH_AUTH = 'rediss://app:p%40ss@ignored.example:1';

describe('clusterOptions', () => {
  it('puts credentials, TLS and the fail-fast retry limit on each node, queueing/ready/pipelining/reconnecting on the cluster', () => {
    const retry = (times: number) => times;
    const options = clusterOptions(URL_WITH_AUTH, { enableAutoPipelining: true, retryStrategy: retry, connectTimeout: 1234 });
    expect(options).toMatchObject({ enableOfflineQueue: false, enableAutoPipelining: true, lazyConnect: false, clusterRetryStrategy: retry });
    expect(options.redisOptions).toMatchObject({ username: 'app', password: 'p@ss', tls: {}, maxRetriesPerRequest: 1, connectTimeout: 1234 });
    // the seeds give host and port; a cluster has database 0 only; the cluster-level settings are not repeated per node
    for (const key of ['host', 'port', 'db', 'enableOfflineQueue', 'retryStrategy', 'enableAutoPipelining', 'lazyConnect']) expect(options.redisOptions).not.toHaveProperty(key);
  });

  it('no userinfo, redis:// scheme: no credentials, no TLS', () => {
    expect(clusterOptions('redis://127.0.0.1:6379').redisOptions).toMatchObject({ username: undefined, password: undefined, tls: undefined });
  });

  it('passes BullMQ worker settings through (maxRetriesPerRequest null on the nodes, offline queue on the cluster)', () => {
    const options = clusterOptions('redis://127.0.0.1:6379', { maxRetriesPerRequest: null, enableOfflineQueue: true, enableReadyCheck: true });
    expect(options).toMatchObject({ enableOfflineQueue: true, enableReadyCheck: true });
    expect(options.redisOptions?.maxRetriesPerRequest).toBeNull();
  });
});

describe('createRedisClient', () => {
  it('a Redis without seed nodes, with the options of today', async () => {
    const client = createRedisClient({ redisUrl: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379', redisClusterNodes: [] }, { lazyConnect: true });
    try {
      expect(client).toBeInstanceOf(Redis);
      const { host, port, enableOfflineQueue, maxRetriesPerRequest } = redisOptions(process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379');
      expect((client as Redis).options).toMatchObject({ host, port, enableOfflineQueue, maxRetriesPerRequest, lazyConnect: true });
      await client.connect();
      expect(await client.ping()).toBe('PONG');
    } finally {
      client.disconnect();
    }
  });

  it('a Cluster over the seed nodes when they are set', () => {
    const client = createRedisClient({ redisUrl: URL_WITH_AUTH, redisClusterNodes: [{ host: '127.0.0.1', port: 7000 }, { host: '127.0.0.1', port: 7001 }] }, { lazyConnect: true });
    try {
      expect(client).toBeInstanceOf(Cluster);
      expect((client as Cluster).options.redisOptions).toMatchObject({ username: 'app', password: 'p@ss' });
    } finally {
      client.disconnect();
    }
  });
});
