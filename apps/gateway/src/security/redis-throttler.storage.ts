import type { ThrottlerStorage } from '@nestjs/throttler';
import type { RedisClient } from '@rpg/redis';

/** KEYS: counter. ARGV: window ms. One fixed window per key: INCR, start the window on the first hit. */
const INCREMENT = `
local hits = redis.call('INCR', KEYS[1])
if hits == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return {hits, redis.call('PTTL', KEYS[1])}
`;

type Scripted = RedisClient & { rpgThrottle(key: string, windowMs: number): Promise<[number, number]> };

/**
 * Rate-limit counters in Redis, shared by every gateway: one EVALSHA per request (a defined command, not the script
 * text each time), keys under our hash-tagged prefix.
 */
export class RedisThrottlerStorage implements ThrottlerStorage {
  private readonly redis: Scripted;

  constructor(
    redis: RedisClient,
    private readonly prefix: string,
  ) {
    this.redis = redis as Scripted;
    if (!('rpgThrottle' in redis)) redis.defineCommand('rpgThrottle', { numberOfKeys: 1, lua: INCREMENT });
  }

  async increment(key: string, ttl: number, limit: number, _blockDuration: number, throttlerName: string) {
    const [hits, pttl] = await this.redis.rpgThrottle(`${this.prefix}${throttlerName}:${key}`, ttl);
    const seconds = Math.max(1, Math.ceil((pttl > 0 ? pttl : ttl) / 1000));
    return { totalHits: hits, timeToExpire: seconds, isBlocked: hits > limit, timeToBlockExpire: hits > limit ? seconds : 0 };
  }
}
