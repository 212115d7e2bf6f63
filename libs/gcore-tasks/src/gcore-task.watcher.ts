import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@rpg/config';
import { GcoreClient } from '@rpg/gcore';
import { ServiceMetrics } from '@rpg/observability';
import { retryLater } from '@rpg/queues';
import { REDIS, RedisClient, ScriptCall } from '@rpg/redis';
import { currentTraceparent } from '@rpg/tracing';
import {
  ExternalTaskWatcher,
  GcoreTaskState,
  ProviderError,
  ResultError,
  SettledTask,
  TaskScope,
  TaskWaiter,
  formatTargetRef,
  parseTargetRef,
} from '@rpg/routing-policy';
import { GcoreSweepTrust, LISTING_GRACE_MS, SWEEP_DISTRUST_MS, SweepListing } from './gcore-sweep-trust';
import { classifyTaskReadFailure } from './gcore-task-read.rules';
import { SettledRecord, TASK_RECORD_FIELDS, decodeTaskRecord, encodeTaskRecord, settledTaskOf } from './gcore-task-record';
import { GcoreTaskLoop, encodeTaskLoop, startLoop } from './gcore-task-loop';
import { GcoreTaskLoopStore } from './gcore-task-loop.store';
import { GcoreTaskSchedule } from './gcore-task.schedule';
import { GcoreTaskKeys, scopeName } from './gcore-task.keys';
import { abandonTaskScript, registerWaiterScript, settleTaskScript } from './gcore-task.scripts';
import { TaskDurationModel } from './task-duration.model';

/**
 * What one tick of a task's loop leads to. `again`: the loop goes on after `delayMs`, with `next` as its state (the
 * poller saves it; `poll` never changes the loop it is given); the waiters are told `state` when it `changed`.
 * `settled`: the loop ended, every waiter is told.
 */
export type PollOutcome =
  | { kind: 'again'; delayMs: number; state: string; changed: boolean; waiters: TaskWaiter[]; next: GcoreTaskLoop }
  | { kind: 'settled'; settled: SettledTask; waiters: TaskWaiter[] };

const SETTLED_TTL_S = 3600;

/**
 * Follows every Gcore task id to FINISHED/ERROR. Waiters (operation targets) register per task id; one poll loop per
 * task id (GcoreTaskLoopStore: a schedule in Redis, run by GcoreTaskPoller in the worker) polls it, so any number of
 * waiters share one GET per tick. The loop lives in Redis between polls, so polling survives worker restarts. A task
 * whose project/region is known also joins that scope's in-flight set: while GcoreTaskSweeper lists the scope
 * completely, it detects the end and runs the task's loop at once, and the loop's own polls thin out to a backstop
 * interval.
 */
@Injectable()
export class GcoreTaskWatcher implements ExternalTaskWatcher {
  private readonly schedule: GcoreTaskSchedule;
  private readonly registerWaiter: ScriptCall<typeof registerWaiterScript>;
  private readonly settleTask: ScriptCall<typeof settleTaskScript>;
  private readonly abandonTask: ScriptCall<typeof abandonTaskScript>;

  constructor(
    @Inject(REDIS) private readonly redis: RedisClient,
    private readonly keys: GcoreTaskKeys,
    private readonly sweep: GcoreSweepTrust,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly loops: GcoreTaskLoopStore,
    private readonly client: GcoreClient,
    private readonly durations: TaskDurationModel,
    private readonly metrics: ServiceMetrics,
  ) {
    this.registerWaiter = registerWaiterScript.on(redis);
    this.settleTask = settleTaskScript.on(redis);
    this.abandonTask = abandonTaskScript.on(redis);
    this.schedule = new GcoreTaskSchedule({ initialMs: config.gcoreTasks.pollInitialMs, maxMs: config.gcoreTasks.pollMaxMs });
  }

  async watch(taskIds: string[], waiter: TaskWaiter, taskScope?: TaskScope): Promise<SettledTask[]> {
    const settled: SettledTask[] = [];
    const ttl = Math.ceil(this.config.gcoreTasks.timeoutMs / 1000) + 3600;
    const scope = taskScope && this.config.gcoreTasks.sweepMs > 0 ? scopeName(taskScope) : '';
    for (const taskId of taskIds) {
      const now = Date.now();
      const dueAt = now + this.schedule.firstDelay();
      // the loop starts with the first waiter only (coalescing): a running one keeps its state and schedule
      const loop = startLoop({ taskId, startedAt: now, deadlineAt: now + this.config.gcoreTasks.timeoutMs, scope, traceparent: currentTraceparent() });
      const known = await this.registerWaiter(
        {
          task: this.keys.task(taskId),
          waiters: this.keys.waiters(taskId),
          inflight: this.keys.inflight(scope),
          scopes: this.keys.scopes(),
          loops: this.keys.loops(),
          loop: this.keys.loop(taskId),
        },
        { waiter: formatTargetRef(waiter), ttlSeconds: ttl, taskId, scope, now, loop: encodeTaskLoop(loop), dueAt },
      );
      if (known) settled.push(settledTaskOf(taskId, known));
      else this.loops.signalSooner(dueAt);
    }
    return settled;
  }

  /**
   * Runs that task's loop now instead of at its next tick: the poll hint of an inbound `gcore.task.updated`, or the
   * sweeper having seen the task end in a listing of one page or several (`bySweep`, kept with the loop for its next
   * poll only: the poll, finding the task running, knows the listing was wrong).
   * A loop being polled right now is `busy` (that poll decides what comes next); one waiting out a failed GET's backoff
   * is left alone by the sweep (it would only hammer a failing provider).
   */
  async pollNow(taskId: string, bySweep?: SweepListing): Promise<'promoted' | 'busy' | 'missing'> {
    const outcome = await this.loops.bringForward(taskId, bySweep ? { poke: bySweep, unlessBackingOff: true } : {});
    return outcome === 'kept' ? 'promoted' : outcome;
  }

  /**
   * Stops trusting a scope's listing for a while. Its loops go back to their own schedule at once: those stretched to
   * the backstop interval run now instead of finishing that wait.
   */
  async distrustSweep(scope: string, forMs: number): Promise<void> {
    await this.sweep.distrust(scope, forMs);
    const tracked = await this.redis.zrange(this.keys.inflight(scope), 0, -1);
    const stretchedPast = Date.now() + this.config.gcoreTasks.pollMaxMs;
    for (let i = 0; i < tracked.length; i += 100) {
      await Promise.all(tracked.slice(i, i + 100).map((taskId) => this.loops.bringForward(taskId, { onlyIfDueAfter: stretchedPast })));
    }
  }

  /**
   * One tick of a task's loop (`bySweep`: the sweep brought it forward, having seen the task end in such a listing).
   * Returns the loop's next state rather than changing `data`: the poller saves it.
   */
  async poll(data: GcoreTaskLoop, poke: SweepListing | null = null): Promise<PollOutcome> {
    const bySweep = data.scope ? poke : null;
    if (Date.now() >= data.deadlineAt) {
      return this.settle(data, { state: 'TIMEOUT', error: `Task did not finish within ${Math.round(this.config.gcoreTasks.timeoutMs / 1000)} s` });
    }
    let task;
    try {
      task = await this.client.getTask(data.taskId);
    } catch (error) {
      const now = Date.now();
      const graceMs = this.config.gcoreTasks.notFoundGraceMs;
      const read = classifyTaskReadFailure(error, data.taskId, { notFoundSince: data.notFoundSince, now, graceMs });
      // a provider's transient answer: the poller polls again after a backoff (anything else thrown here follows the rule
      // of every job: Redis or network away retries, a bug ends the loop)
      if (read.kind === 'transient') throw error instanceof ProviderError ? retryLater(error) : error;
      if (read.kind === 'unreadable') {
        const seen = (data.lastState as GcoreTaskState['state'] | undefined) ?? 'NEW';
        return this.settle(data, { state: 'UNREADABLE', error: read.failure.message, failure: read.failure, seen });
      }
      // not visible yet: read again on the schedule, the last time when the grace runs out
      const next: GcoreTaskLoop = { ...data, notFoundSince: read.notFoundSince, polls: data.polls + 1 };
      const graceLeft = Math.max(0, read.notFoundSince + graceMs - now);
      const delayMs = Math.min(this.schedule.nextDelay(next.polls, now - data.startedAt), graceLeft, Math.max(0, data.deadlineAt - now));
      return { kind: 'again', delayMs, state: data.lastState ?? 'NEW', changed: false, waiters: [], next };
    }
    this.metrics.taskPolls.inc({ state: task.state });
    if (task.state === 'FINISHED' || task.state === 'ERROR') {
      if (task.state === 'FINISHED') this.durations.record(task);
      return this.settle(data, { state: task.state, error: task.error ?? null });
    }
    const polls = data.polls + 1;
    const expected = await this.durations.expectedMs(task.task_type).catch(() => undefined);
    const elapsed = Date.now() - data.startedAt;
    let delayMs = this.schedule.nextDelay(polls, elapsed, expected);
    if (data.scope) {
      // the sweep said this task had ended, yet it runs: its listing cannot be trusted, so polls go back to the schedule
      if (bySweep) {
        if (await this.sweep.listingWasWrong(data.scope, bySweep)) await this.distrustSweep(data.scope, SWEEP_DISTRUST_MS);
      }
      // short tasks keep their dense start; once the sweep must have seen the task, it takes over detection
      else if (elapsed >= LISTING_GRACE_MS + 2 * this.config.gcoreTasks.sweepMs && (await this.sweep.isSwept(data.scope))) {
        delayMs = Math.max(delayMs, this.config.gcoreTasks.sweepBackstopMs);
      }
    }
    delayMs = Math.min(delayMs, Math.max(0, data.deadlineAt - Date.now()));
    const changed = task.state !== data.lastState;
    const waiters = changed ? (await this.redis.smembers(this.keys.waiters(data.taskId))).map(parseTargetRef) : [];
    const next: GcoreTaskLoop = { ...data, notFoundSince: undefined, polls, lastState: task.state, taskType: task.task_type };
    return { kind: 'again', delayMs, state: task.state, changed, waiters, next };
  }

  /** Ends the task's loop: one settled record for every waiter (those told now, and any registering later). */
  private async settle(data: GcoreTaskLoop, record: SettledRecord): Promise<PollOutcome> {
    const { taskId } = data;
    const waiters = await this.settleTask(
      { task: this.keys.task(taskId), waiters: this.keys.waiters(taskId), inflight: this.keys.inflight(data.scope ?? ''), loop: this.keys.loop(taskId) },
      { ...encodeTaskRecord(record), ttlSeconds: SETTLED_TTL_S, taskId },
    );
    return { kind: 'settled', settled: settledTaskOf(taskId, record), waiters };
  }

  /**
   * Ends a task's loop whose poll hit a bug (it will not poll again), so its waiters do not wait forever: they get
   * `failure` (the task keeps `seen`, the last state read) unless the loop had already ended, then that end. Returns
   * the outcome that stands and every waiter, to be told.
   */
  async abandon(
    taskId: string,
    failure: ResultError,
    opts: { scope?: string; seen?: GcoreTaskState['state'] } = {},
  ): Promise<{ settled: SettledTask; waiters: TaskWaiter[] }> {
    const { record, waiters } = await this.abandonTask(
      { task: this.keys.task(taskId), waiters: this.keys.waiters(taskId), inflight: this.keys.inflight(opts.scope ?? ''), loop: this.keys.loop(taskId) },
      { ...encodeTaskRecord({ state: 'UNREADABLE', error: failure.message, failure, seen: opts.seen ?? 'NEW' }), ttlSeconds: SETTLED_TTL_S, taskId },
    );
    return { settled: settledTaskOf(taskId, record), waiters };
  }

  /** The end a task's loop recorded and every waiter, to be told again (a worker died while telling them); null without a record. */
  async settledOf(taskId: string): Promise<{ settled: SettledTask; waiters: TaskWaiter[] } | null> {
    const [fields, waiters] = await Promise.all([
      this.redis.hmget(this.keys.task(taskId), ...TASK_RECORD_FIELDS),
      this.redis.smembers(this.keys.waiters(taskId)),
    ]);
    if (!fields[0]) return null;
    const record = decodeTaskRecord(fields.map((f) => f ?? ''));
    return { settled: settledTaskOf(taskId, record), waiters: waiters.map(parseTargetRef) };
  }
}
