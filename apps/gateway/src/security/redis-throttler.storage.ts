import type { ThrottlerStorage } from '@nestjs/throttler';
import { RedisClient, defineScript, ScriptCall } from '@rpg/redis';

/** One fixed window per counter: INCR, start the window on the first hit; replies the hits and the window's time left. */
const incrementScript = defineScript({
  name: 'rpgThrottle',
  keys: ['counter'] as const,
  args: ['windowMs'] as const,
  reply: ([hits, pttl]: [number, number]) => ({ hits, pttl }),
  lua: `
local hits = redis.call('INCR', KEYS[1])
if hits == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return {hits, redis.call('PTTL', KEYS[1])}
`,
});

/**
 * Rate-limit counters in Redis, shared by every gateway: one EVALSHA per request (the script's text only after a
 * NOSCRIPT), keys under our hash-tagged prefix.
 */
export class RedisThrottlerStorage implements ThrottlerStorage {
  private readonly countHit: ScriptCall<typeof incrementScript>;

  constructor(
    redis: RedisClient,
    private readonly prefix: string,
  ) {
    this.countHit = incrementScript.on(redis);
  }

  async increment(key: string, ttl: number, limit: number, _blockDuration: number, throttlerName: string) {
    const { hits, pttl } = await this.countHit({ counter: `${this.prefix}${throttlerName}:${key}` }, { windowMs: ttl });
    const seconds = Math.max(1, Math.ceil((pttl > 0 ? pttl : ttl) / 1000));
    return { totalHits: hits, timeToExpire: seconds, isBlocked: hits > limit, timeToBlockExpire: hits > limit ? seconds : 0 };
  }
}
