import { Inject, Injectable } from '@nestjs/common';
import { REDIS, RedisClient, ScriptCall } from '@rpg/redis';
import { GcoreTaskKeys } from './gcore-task.keys';
import { handOverLockScript } from './gcore-task.scripts';

/** How the sweep saw a task end: in a listing of one page, or of several. */
export type SweepListing = 'page' | 'pages';
/** How long a scope's listing is ignored after it claimed that a running task had ended. */
export const SWEEP_DISTRUST_MS = 5 * 60_000;
/** Tasks a paged listing may miss per minute (see listingWasWrong) before it is distrusted. */
const PAGED_MISSES_TOLERATED = 20;
const MISSES_WINDOW_MS = 60_000;
/** How long a poke waits for the task's poll to read it (kept in the loop, set as it is brought forward: GcoreTaskLoopStore). */
export const POKE_MS = 60_000;
/** A task registered this shortly before a listing may be missing from it: only an explicit end in the listing counts. */
export const LISTING_GRACE_MS = 1000;

/**
 * Every mark the task sweep keeps in Redis, all short-lived: whether a scope's listing is trusted (`ok` while its latest
 * listing was complete, `bad` while it is distrusted, and the misses of paged listings over the last minute) and the
 * sweep's own pace (the lock that elects one sweeper per tick, and each scope's next listing turn).
 * GcoreTaskWatcher and GcoreTaskSweeper read and set them only through here.
 */
@Injectable()
export class GcoreSweepTrust {
  private readonly handOverLock: ScriptCall<typeof handOverLockScript>;

  constructor(
    @Inject(REDIS) private readonly redis: RedisClient,
    private readonly keys: GcoreTaskKeys,
  ) {
    this.handOverLock = handOverLockScript.on(redis);
  }

  /** Whether the sweep currently covers the scope (its latest listing was complete and is trusted). */
  async isSwept(scope: string): Promise<boolean> {
    const [ok, bad] = await this.redis.mget(this.keys.sweepOk(scope), this.keys.sweepBad(scope));
    return ok !== null && bad === null;
  }

  async isDistrusted(scope: string): Promise<boolean> {
    return (await this.redis.exists(this.keys.sweepBad(scope))) === 1;
  }

  /** The scope's listing was complete: per-task loops may stretch to the backstop for `forMs`. */
  async markCovered(scope: string, forMs: number): Promise<void> {
    await this.redis.set(this.keys.sweepOk(scope), '1', 'PX', forMs);
  }

  /** Stops trusting the scope's listing for `forMs` (the caller brings stretched loops back to their schedule). */
  async distrust(scope: string, forMs: number): Promise<void> {
    await this.redis.multi().set(this.keys.sweepBad(scope), '1', 'PX', forMs).del(this.keys.sweepOk(scope)).exec();
  }

  /**
   * A listing claimed a running task had ended: whether the scope is to be distrusted now. A one-page listing cannot
   * miss a task: at once. Pages can (a task ending while they are fetched shifts the later ones): past a few per minute.
   */
  async listingWasWrong(scope: string, listing: SweepListing): Promise<boolean> {
    if (listing === 'page') return true;
    const key = this.keys.sweepMisses(scope);
    const misses = await this.redis.multi().incr(key).pexpire(key, MISSES_WINDOW_MS, 'NX').exec();
    return Number(misses?.[0]?.[1] ?? 0) > PAGED_MISSES_TOLERATED;
  }

  /** Elects this sweeper for the tick (held for `ms` at most). */
  async takeTick(token: string, ms: number): Promise<boolean> {
    return (await this.redis.set(this.keys.sweepLock(), token, 'PX', ms, 'NX')) === 'OK';
  }

  /** Keeps the tick lock until the next tick is due, unless it expired meanwhile and another sweeper holds it now. */
  async handOverTick(token: string, ms: number): Promise<boolean> {
    return this.handOverLock({ lock: this.keys.sweepLock() }, { token, ms });
  }

  /** The scope's listing turn: false while its previous listing is less than `intervalMs` old. */
  async takeListingTurn(scope: string, intervalMs: number): Promise<boolean> {
    return (await this.redis.set(this.keys.sweepNext(scope), '1', 'PX', intervalMs, 'NX')) === 'OK';
  }
}
