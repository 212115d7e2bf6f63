import { Cluster } from 'ioredis';
import { RedisTarget, createRedisClient } from './redis-client';

const CHECK_TIMEOUT_MS = 5000;

/** Refuses to start without Redis (or with a cluster that cannot serve every slot), with one line on how to get one. */
export async function assertRedisReachable(target: RedisTarget): Promise<void> {
  const clustered = target.redisClusterNodes.length > 0;
  const checkOptions = { lazyConnect: true, retryStrategy: () => null, connectTimeout: 2000 };
  const client = createRedisClient(target, checkOptions);
  client.on('error', () => undefined);
  let timer: NodeJS.Timeout | undefined;
  try {
    const check = (async () => {
      await client.connect();
      if (client instanceof Cluster) {
        // a node answering is not enough: with slots unassigned or a master down, every command to those slots fails
        const info = await client.cluster('INFO');
        if (!/^cluster_state:ok\s*$/m.test(info)) throw new Error('cluster_state is not ok');
      } else {
        await client.ping();
      }
    })();
    // a cluster client whose seeds answer but never becomes ready would wait forever; a single Redis keeps today's wait
    const timedOut = new Promise<never>((_, reject) => (timer = clustered ? setTimeout(() => reject(new Error('timed out')), CHECK_TIMEOUT_MS) : undefined));
    await Promise.race([check, timedOut]);
  } catch {
    if (clustered) {
      const nodes = target.redisClusterNodes.map((n) => `${n.host}:${n.port}`).join(',');
      console.error(
        `Redis Cluster is not reachable or not ok (cluster_state) at ${nodes}: ` +
          `check the cluster ("redis-cli --cluster check ${nodes.split(',')[0]}") or set REDIS_CLUSTER_NODES.`,
      );
    } else {
      const safe = target.redisUrl.replace(/\/\/[^@]*@/, '//***@');
      console.error(`Redis is not reachable at ${safe}: start one with "redis-server --daemonize yes" (or "docker compose up -d redis"), or set REDIS_URL.`);
    }
    process.exit(1);
  } finally {
    clearTimeout(timer);
    client.disconnect();
  }
}
