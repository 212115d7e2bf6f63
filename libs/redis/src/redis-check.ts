import Redis from 'ioredis';
import { redisOptions } from './redis.module';

/** Refuses to start without Redis, with one line on how to get one. */
export async function assertRedisReachable(url: string): Promise<void> {
  const client = new Redis(redisOptions(url, { lazyConnect: true, retryStrategy: () => null, connectTimeout: 2000 }));
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
  } catch {
    const safe = url.replace(/\/\/[^@]*@/, '//***@');
    console.error(`Redis is not reachable at ${safe}: start one with "redis-server --daemonize yes" (or "docker compose up -d redis"), or set REDIS_URL.`);
    process.exit(1);
  } finally {
    client.disconnect();
  }
}
