import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@rpg/config';
import { REDIS, RedisClient, ScriptCall } from '@rpg/redis';
import { POKE_MS, SweepListing } from './gcore-sweep-trust';
import { GcoreTaskLoop, encodeTaskLoop, decodeTaskLoop } from './gcore-task-loop';
import {
  BroughtForward,
  ClaimedLoopReply,
  adoptLoopScript,
  bringLoopForwardScript,
  claimLoopsScript,
  finishLoopScript,
  rescheduleLoopScript,
} from './gcore-task-loop.scripts';
import { GcoreTaskSchedule } from './gcore-task.schedule';
import { GcoreTaskKeys } from './gcore-task.keys';

/** A loop a poller claimed: its state (raw: decoding is part of the poll), when it was due, its failures, whether it ended. */
export type ClaimedTaskLoop = ClaimedLoopReply;

/** One loop as stored (tests, tools): its state, due time, score (the lease while claimed), failures, end mark. */
export interface StoredTaskLoop {
  loop: GcoreTaskLoop;
  dueAt: number;
  score: number;
  claimed: boolean;
  failures: number;
  ended: boolean;
}

type SoonerListener = (dueAt: number) => void;

/**
 * The poll schedule of Gcore task loops, in Redis (see gcore-task-loop.scripts.ts for its layout): every change is one
 * script (claim a batch, reschedule one, bring one forward, remove one); a loop starts with its first waiter
 * (registerWaiterScript) and ends through settleTaskScript / abandonTaskScript, then finish. Also the in-process
 * signal of a loop due sooner than a poller may be sleeping (`onSooner`); other processes hear of a loop brought
 * forward on `channel` (pub/sub).
 */
@Injectable()
export class GcoreTaskLoopStore {
  readonly channel: string;
  private readonly claimLoops: ScriptCall<typeof claimLoopsScript>;
  private readonly rescheduleLoop: ScriptCall<typeof rescheduleLoopScript>;
  private readonly bringLoopForward: ScriptCall<typeof bringLoopForwardScript>;
  private readonly finishLoop: ScriptCall<typeof finishLoopScript>;
  private readonly adoptLoop: ScriptCall<typeof adoptLoopScript>;
  private readonly listeners = new Set<SoonerListener>();
  /** The least time between two polls of one task when its loop is brought forward: the schedule's shortest delay. */
  private readonly minGapMs: number;

  constructor(
    @Inject(REDIS) private readonly redis: RedisClient,
    private readonly keys: GcoreTaskKeys,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.minGapMs = new GcoreTaskSchedule({ initialMs: config.gcoreTasks.pollInitialMs, maxMs: config.gcoreTasks.pollMaxMs }).shortestDelay();
    this.channel = keys.loopsDueChannel();
    this.claimLoops = claimLoopsScript.on(redis);
    this.rescheduleLoop = rescheduleLoopScript.on(redis);
    this.bringLoopForward = bringLoopForwardScript.on(redis);
    this.finishLoop = finishLoopScript.on(redis);
    this.adoptLoop = adoptLoopScript.on(redis);
  }

  /** Claims up to `limit` loops due by `now` until `leaseUntil`; also replies when the schedule's next loop is due (null: empty). */
  claim(now: number, limit: number, leaseUntil: number): Promise<{ loops: ClaimedTaskLoop[]; nextDueAt: number | null }> {
    return this.claimLoops({ loops: this.keys.loops() }, { now, leaseUntil, limit, loopPrefix: this.keys.loop('') });
  }

  /**
   * A claimed loop's next poll, at `dueAt`: with its new state (`loop`; none keeps the stored one) and the failures in
   * a row so far. False when the loop is gone (removed meanwhile: it stays removed).
   */
  async reschedule(taskId: string, dueAt: number, next: { loop?: GcoreTaskLoop; failures: number }): Promise<boolean> {
    const moved = await this.rescheduleLoop(
      { loops: this.keys.loops(), loop: this.keys.loop(taskId) },
      { taskId, dueAt, data: next.loop ? encodeTaskLoop(next.loop) : '', retry: next.failures, now: Date.now() },
    );
    if (moved) this.signalSooner(dueAt);
    return moved;
  }

  /**
   * Runs a waiting loop now instead of at its due time, or `minGapMs` after its last poll (see bringLoopForwardScript):
   * `poke` tells its poll how the sweep saw the task end; `unlessBackingOff` leaves a loop alone that waits out a
   * failed GET; `onlyIfDueAfter` (ms) leaves those due by then. Pollers of every process are woken.
   */
  async bringForward(taskId: string, opts: { poke?: SweepListing; unlessBackingOff?: boolean; onlyIfDueAfter?: number } = {}): Promise<BroughtForward> {
    const { outcome, dueAt } = await this.bringLoopForward(
      { loops: this.keys.loops(), loop: this.keys.loop(taskId) },
      {
        taskId,
        now: Date.now(),
        minGapMs: this.minGapMs,
        unlessBackingOff: opts.unlessBackingOff ? '1' : '',
        onlyIfDueAfter: opts.onlyIfDueAfter ?? 0,
        poke: opts.poke ?? '',
        pokeMs: POKE_MS,
        channel: this.channel,
      },
    );
    if (dueAt !== null) this.signalSooner(dueAt);
    return outcome;
  }

  /** Starts `loop` at `dueAt` unless its task has a loop (the poll job of a previous release); whether it did. */
  async adopt(loop: GcoreTaskLoop, dueAt: number): Promise<boolean> {
    const created = await this.adoptLoop(
      { loops: this.keys.loops(), loop: this.keys.loop(loop.taskId) },
      { taskId: loop.taskId, data: encodeTaskLoop(loop), dueAt },
    );
    if (created) this.signalSooner(dueAt);
    return created;
  }

  /** Removes the loop (its waiters were all told, or it cannot go on). */
  async finish(taskId: string): Promise<void> {
    await this.finishLoop({ loops: this.keys.loops(), loop: this.keys.loop(taskId) }, { taskId });
  }

  /** Keeps claimed loops leased until `leaseUntil` (polls running long); a loop removed or rescheduled to later is left alone. */
  async extendLeases(taskIds: readonly string[], leaseUntil: number): Promise<void> {
    if (!taskIds.length) return;
    await this.redis.zadd(this.keys.loops(), 'XX', 'GT', ...taskIds.flatMap((id) => [leaseUntil, id]));
  }

  /** Gives claimed loops back, due at `now` (a worker stopping while they poll): the next poller takes them at once. */
  async release(taskIds: readonly string[], now = Date.now()): Promise<void> {
    if (!taskIds.length) return;
    await this.redis.zadd(this.keys.loops(), 'XX', ...taskIds.flatMap((id) => [now, id]));
  }

  /** The loop of a task as stored, or null (tests and tools; the poller never reads a loop outside a claim). */
  async find(taskId: string): Promise<StoredTaskLoop | null> {
    const [score, fields] = await Promise.all([
      this.redis.zscore(this.keys.loops(), taskId),
      this.redis.hmget(this.keys.loop(taskId), 'data', 'due', 'retry', 'ended'),
    ]);
    if (score === null || !fields[0]) return null;
    const dueAt = Number(fields[1]);
    return {
      loop: decodeTaskLoop(fields[0]),
      dueAt,
      score: Number(score),
      claimed: Number(score) !== dueAt,
      failures: Number(fields[2]) || 0,
      ended: fields[3] === '1',
    };
  }

  /** Calls `listener` with the due time of a loop that became due sooner in this process (a new loop, one brought forward or rescheduled). */
  onSooner(listener: SoonerListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** A loop of this process is due at `dueAt`: a poller sleeping past it wakes up then. */
  signalSooner(dueAt: number): void {
    for (const listener of this.listeners) listener(dueAt);
  }
}
