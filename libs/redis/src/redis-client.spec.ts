import Redis, { Cluster } from 'ioredis';
import { createRedisClient } from './redis-client';
import { redisOptions } from './redis-options';

const URL_WITH_AUTH = 'rediss://app:p%40ss@ignored.example:1';

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
    const client = createRedisClient(
      {
        redisUrl: URL_WITH_AUTH,
        redisClusterNodes: [
          { host: '127.0.0.1', port: 7000 },
          { host: '127.0.0.1', port: 7001 },
        ],
      },
      { lazyConnect: true },
    );
    try {
      expect(client).toBeInstanceOf(Cluster);
      expect((client as Cluster).options.redisOptions).toMatchObject({ username: 'app', password: 'p@ss' });
    } finally {
      client.disconnect();
    }
  });
});
