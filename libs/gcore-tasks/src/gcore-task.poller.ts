import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@rpg/config';
import { ServiceMetrics } from '@rpg/observability';
import { JobErrorIds, RepeatingErrorLog, ReportedJobError, classifyJobError, handleJobError, withJobContext } from '@rpg/queues';
import { REDIS, RedisClient, RedisConnectionFactory } from '@rpg/redis';
import { tracingEnabled, withSpan } from '@rpg/tracing';
import { GcoreTaskState, ResultError, SettledTask, TaskWaiter, formatTargetRef } from '@rpg/routing-policy';
import { GCORE_TASK_POLLS, GcoreTaskLoop, decodeTaskLoop } from './gcore-task-loop';
import { ClaimedTaskLoop, GcoreTaskLoopStore } from './gcore-task-loop.store';
import { GcoreTaskWatcher } from './gcore-task.watcher';

/** Where the news of a poll goes: the worker records it on each waiting target (RecordTaskStateUseCase). */
export interface GcoreTaskWaiterSink {
  /** Records a task's new state, or its end, on one waiting target (idempotent: a waiter may be told twice). */
  tell(waiter: TaskWaiter, news: SettledTask): Promise<void>;
  /** What the waiters of a loop get when a bug ended it. */
  readonly internalError: ResultError;
}

/** How long a claimed loop stays with its poller: a poller that died gives its loops up after this. */
export const TASK_LOOP_LEASE_MS = 15_000;
/** How often the leases of polls still running are renewed (a GET with retries may take longer than a lease). */
const LEASE_RENEW_MS = 5_000;
/** Longest sleep between two looks at the schedule: covers a wake-up signal lost (pub/sub reconnect, another worker's reschedule). */
const MAX_SLEEP_MS = 250;
/** While loops are overdue, claim again once this many poll slots are free (one claim serves a batch). */
const BACKLOG_CLAIM = 10;
/** Most loops one claim takes (the script moves them in one command). */
const MAX_CLAIM = 500;
/** A poll that failed on something transient is retried after 1 s, doubling, at most 30 s apart, until the task's deadline. */
const BACKOFF_FIRST_MS = 1_000;
const BACKOFF_MAX_MS = 30_000;
/** After Redis failed a claim. */
const CLAIM_RETRY_MS = 1_000;
/** How long a stopping worker lets running polls finish before it gives their loops back. */
const STOP_WAIT_MS = 5_000;
const TASK_STATES: ReadonlySet<string> = new Set(['NEW', 'RUNNING', 'FINISHED', 'ERROR']);

/**
 * Runs the Gcore task poll loops of the schedule (GcoreTaskLoopStore), in the worker only. It sleeps until the next
 * loop is due (at most MAX_SLEEP_MS; sooner when this process adds or brings a loop forward, or another process
 * publishes that it brought one forward), claims the due loops in one script (each leased for TASK_LOOP_LEASE_MS:
 * a crashed worker's loops come due again then), polls them with bounded concurrency (GcoreTaskWatcher.poll), tells the
 * waiters what changed and writes each loop back in one script: its next state and due time, or its removal once it
 * settled and every waiter was told. Telling (recording on each target, and what follows from it) runs outside the
 * poll slots, so slow follow-ups never hold up the polls due meanwhile; as many may run as polls (then claims wait). A
 * transient failure backs the loop off; a bug ends it (its waiters get INTERNAL_ERROR, one error line), as the failure
 * rule of every job says.
 */
@Injectable()
export class GcoreTaskPoller {
  private readonly logger = new Logger('GcoreTaskPoller');
  private readonly redisErrors = new RepeatingErrorLog(this.logger, 'task poller');
  private readonly concurrency: number;
  /** Loops claimed here whose poll runs, by task id: when their lease was last set (renewed while they run). */
  private readonly leased = new Map<string, number>();
  /** Loops in their poll (the GET and what it decides), and in their follow-up (telling the waiters, then the write-back). */
  private polling = 0;
  private followingUp = 0;
  private sink?: GcoreTaskWaiterSink;
  private stopped = true;
  private timer?: NodeJS.Timeout;
  private timerAt = Infinity;
  private renewer?: NodeJS.Timeout;
  private claiming = false;
  private claimAgain = false;
  private lastClaimAt = 0;
  /** The last claim took all it could: more loops may be due, a poll ending claims again. */
  private backlog = false;
  private unlisten?: () => void;
  private drained?: () => void;

  constructor(
    private readonly store: GcoreTaskLoopStore,
    private readonly watcher: GcoreTaskWatcher,
    private readonly metrics: ServiceMetrics,
    private readonly connections: RedisConnectionFactory,
    @Inject(REDIS) private readonly redis: RedisClient,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.concurrency = Math.max(config.workerConcurrency, 100);
  }

  start(sink: GcoreTaskWaiterSink): void {
    if (!this.stopped) return;
    this.sink = sink;
    this.stopped = false;
    this.unlisten = this.store.onSooner((dueAt) => this.wakeAt(dueAt));
    // pub/sub needs its own connection (no ready check: see OperationUpdatesListener); a message lost while it
    // reconnects only delays a loop brought forward to the next look (MAX_SLEEP_MS)
    const subscriber = this.connections.create({ enableOfflineQueue: true, maxRetriesPerRequest: null, enableReadyCheck: false });
    subscriber.on('message', (_channel: string, dueAt: string) => this.wakeAt(Number(dueAt) || Date.now()));
    subscriber.subscribe(this.store.channel).catch((error: unknown) => this.redisErrors.report(error));
    this.renewer = setInterval(() => void this.renewLeases(), LEASE_RENEW_MS);
    this.renewer.unref();
    // the storage connection fails commands until it is ready (no offline queue): the first look waits for it
    if (this.redis.status === 'ready') this.wakeAt(Date.now());
    else this.redis.once('ready', () => this.wakeAt(Date.now()));
  }

  /** Claims nothing more; polls under way finish (up to STOP_WAIT_MS), the loops of those still running are given back. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.timer);
    this.timerAt = Infinity;
    clearInterval(this.renewer);
    this.unlisten?.();
    // the subscriber is closed with every other connection (RedisConnectionFactory); a message until then is ignored
    if (this.polling + this.followingUp > 0) {
      await new Promise<void>((resolve) => {
        const timeout = setTimeout(resolve, STOP_WAIT_MS);
        this.drained = () => {
          clearTimeout(timeout);
          resolve();
        };
      });
    }
    await this.store.release([...this.leased.keys()]).catch(() => undefined);
  }

  /** Looks at the schedule at `at` (ms) unless it will sooner. */
  private wakeAt(at: number): void {
    if (this.stopped || at >= this.timerAt) return;
    clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(
      () => {
        this.timerAt = Infinity;
        void this.claim();
      },
      Math.max(0, at - Date.now()),
    );
  }

  private async claim(): Promise<void> {
    if (this.stopped) return;
    if (this.claiming) {
      this.claimAgain = true;
      return;
    }
    const free = Math.min(this.concurrency - this.polling, this.concurrency - this.followingUp, MAX_CLAIM);
    if (free <= 0) {
      this.backlog = true; // a poll ending claims again
      return;
    }
    // while loops are overdue, claims take batches: once enough slots are free, at the latest a look after the last claim
    if (this.backlog && !this.freeForBacklog() && Date.now() < this.lastClaimAt + MAX_SLEEP_MS) {
      this.wakeAt(this.lastClaimAt + MAX_SLEEP_MS);
      return;
    }
    this.claiming = true;
    let nextAt = Infinity;
    try {
      const now = Date.now();
      this.lastClaimAt = now;
      const { loops, nextDueAt } = await this.store.claim(now, free, now + TASK_LOOP_LEASE_MS);
      for (const loop of loops) this.run(loop, now);
      this.backlog = loops.length === free;
      nextAt = nextDueAt ?? Infinity;
    } catch (error) {
      this.redisErrors.report(error);
      nextAt = Date.now() + CLAIM_RETRY_MS;
    } finally {
      this.claiming = false;
    }
    const now = Date.now();
    if (this.claimAgain || (this.backlog && this.freeForBacklog())) {
      this.claimAgain = false;
      nextAt = now;
    }
    this.wakeAt(Math.min(nextAt, now + MAX_SLEEP_MS));
  }

  private freeForBacklog(): boolean {
    return this.concurrency - this.polling >= Math.min(BACKLOG_CLAIM, this.concurrency) && this.followingUp < this.concurrency;
  }

  private run(claimed: ClaimedTaskLoop, claimedAt: number): void {
    this.polling++;
    this.leased.set(claimed.taskId, claimedAt);
    this.metrics.jobLatency.observe({ queue: GCORE_TASK_POLLS }, Math.max(0, claimedAt - claimed.dueAt) / 1000);
    let following = false;
    const followUp = () => {
      if (following) return;
      following = true;
      this.polling--;
      this.followingUp++;
      this.slotFreed();
    };
    this.pollOnce(claimed, followUp)
      // what is left is a write-back Redis refused: the lease runs out and the loop comes due again
      .catch((error: unknown) => this.redisErrors.report(error))
      .finally(() => {
        this.leased.delete(claimed.taskId);
        if (following) this.followingUp--;
        else this.polling--;
        this.slotFreed();
      });
  }

  private slotFreed(): void {
    if (this.stopped) {
      if (this.polling + this.followingUp === 0) this.drained?.();
    } else if (this.backlog && this.freeForBacklog()) {
      this.wakeAt(Date.now());
    }
  }

  /**
   * One poll of a claimed loop; `followUp` moves it out of the poll slots before the waiters are told. With tracing on,
   * a poll of a loop started inside a trace is a span of that trace (`gcore.task.poll`), and what it tells follows it.
   */
  private pollOnce(claimed: ClaimedTaskLoop, followUp: () => void): Promise<void> {
    const traceparent = tracingEnabled() ? traceparentOfLoop(claimed.data) : undefined;
    if (!traceparent) return this.pollTask(claimed, followUp);
    const attributes = { 'rpg.gcore.task.id': claimed.taskId };
    return withSpan('gcore.task.poll', { parent: traceparent, attributes }, () => this.pollTask(claimed, followUp));
  }

  private async pollTask(claimed: ClaimedTaskLoop, followUp: () => void): Promise<void> {
    const { taskId } = claimed;
    let loop: GcoreTaskLoop | undefined;
    try {
      // a loop that settled before its poller could tell every waiter (it died, or Redis went away): tell them now
      if (claimed.ended && (await this.tellEnd(taskId, followUp))) return;
      loop = decodeTaskLoop(claimed.data);
      const outcome = await this.watcher.poll(loop, claimed.poke);
      if (outcome.kind === 'settled') {
        followUp();
        for (const waiter of outcome.waiters) await this.tell(waiter, outcome.settled);
        await this.writeBack(taskId, () => this.store.finish(taskId));
        return;
      }
      if (outcome.changed && outcome.waiters.length) {
        followUp();
        const task: GcoreTaskState = { id: taskId, state: outcome.state as GcoreTaskState['state'], error: null };
        for (const waiter of outcome.waiters) await this.tell(waiter, { task });
      }
      await this.writeBack(taskId, () => this.store.reschedule(taskId, Date.now() + outcome.delayMs, { loop: outcome.next, failures: 0 }));
    } catch (error) {
      await this.afterFailure(claimed, loop, error, followUp);
    }
  }

  /** The settled record and its waiters, told again; false when there is no record (the loop polls again instead). */
  private async tellEnd(taskId: string, followUp: () => void): Promise<boolean> {
    const end = await this.watcher.settledOf(taskId);
    if (!end) return false;
    followUp();
    for (const waiter of end.waiters) await this.tell(waiter, end.settled);
    await this.writeBack(taskId, () => this.store.finish(taskId));
    return true;
  }

  /**
   * The failure rule of every job (classifyJobError): Redis or the provider away for a moment backs the loop off; a
   * bug ends it, its waiters told INTERNAL_ERROR (unless it had ended already), one error line.
   */
  private async afterFailure(claimed: ClaimedTaskLoop, loop: GcoreTaskLoop | undefined, error: unknown, followUp: () => void): Promise<void> {
    if (classifyJobError(error) !== 'internal') return this.backOff(claimed, loop);
    const { taskId } = claimed;
    followUp();
    const reported = await handleJobError(
      this.logger,
      { queueName: GCORE_TASK_POLLS, name: 'poll', id: `task-${taskId}`, attemptsMade: claimed.failures },
      error,
      {
        ids: { taskId },
        settle: () => this.abandon(claimed),
      },
    );
    // Redis went away while ending it: the next run hits the bug again and ends it then
    if (!(reported instanceof ReportedJobError)) return this.backOff(claimed, loop);
    await this.writeBack(taskId, () => this.store.finish(taskId));
  }

  /** The next try after a failed poll: 1 s, doubling, at most BACKOFF_MAX_MS, and not past the task's deadline (the poll then times it out). */
  private async backOff(claimed: ClaimedTaskLoop, loop: GcoreTaskLoop | undefined): Promise<void> {
    const failures = claimed.failures + 1;
    const now = Date.now();
    const delayMs = Math.min(BACKOFF_FIRST_MS * 2 ** Math.min(failures - 1, 16), BACKOFF_MAX_MS);
    const deadlineAt = loop?.deadlineAt ?? partialLoopOf(claimed.data).deadlineAt;
    const untilDeadline = typeof deadlineAt === 'number' ? deadlineAt - now : Infinity;
    const dueAt = now + (untilDeadline > 0 ? Math.min(delayMs, untilDeadline) : delayMs);
    // the loop's state stays as it was before the failed poll
    await this.writeBack(claimed.taskId, () => this.store.reschedule(claimed.taskId, dueAt, { failures }));
  }

  /**
   * The loop will not poll again: its waiters get the task's end if it had one, else INTERNAL_ERROR. A waiter whose own
   * record is what the bug trips on ends INTERNAL_ERROR directly; one that cannot be ended either is named in the line.
   */
  private async abandon(claimed: ClaimedTaskLoop): Promise<JobErrorIds> {
    const { taskId } = claimed;
    const partial = partialLoopOf(claimed.data);
    const failure = this.sink!.internalError;
    const seen = typeof partial.lastState === 'string' && TASK_STATES.has(partial.lastState) ? (partial.lastState as GcoreTaskState['state']) : undefined;
    const { settled, waiters } = await this.watcher.abandon(taskId, failure, { scope: typeof partial.scope === 'string' ? partial.scope : undefined, seen });
    const unsettled: string[] = [];
    for (const waiter of waiters) {
      try {
        await this.tell(waiter, settled);
      } catch (error) {
        if (classifyJobError(error) === 'retry') throw error;
        try {
          await this.tell(waiter, { task: { id: taskId, state: seen ?? 'NEW', error: null }, failure });
        } catch (again) {
          if (classifyJobError(again) === 'retry') throw again;
          unsettled.push(formatTargetRef(waiter));
        }
      }
    }
    const operationIds = [...new Set(waiters.map((w) => w.operationId))];
    return {
      ...(operationIds.length === 1 ? { operationId: operationIds[0] } : { operationIds }),
      waiters: waiters.map(formatTargetRef),
      ...(unsettled.length ? { unsettled } : {}),
    };
  }

  private tell(waiter: TaskWaiter, news: SettledTask): Promise<void> {
    return withJobContext({ operationId: waiter.operationId, index: waiter.index }, () => this.sink!.tell(waiter, news));
  }

  /** The loop's write-back: its lease is no longer renewed first (a renewal sent after it would push the next poll out). */
  private async writeBack(taskId: string, write: () => Promise<unknown>): Promise<void> {
    this.leased.delete(taskId);
    await write();
  }

  /** Renews the leases of polls that have run for a while (most end within milliseconds and need none). */
  private async renewLeases(): Promise<void> {
    const now = Date.now();
    const ids = [...this.leased].filter(([, at]) => now - at >= LEASE_RENEW_MS / 2).map(([id]) => id);
    if (!ids.length) return;
    try {
      await this.store.extendLeases(ids, now + TASK_LOOP_LEASE_MS);
      for (const id of ids) if (this.leased.has(id)) this.leased.set(id, now);
    } catch (error) {
      this.redisErrors.report(error);
    }
  }
}

/** What can be read of a loop's JSON that may be malformed (the loop is being abandoned): its scope, last state, deadline. */
function partialLoopOf(data: string): Partial<Record<keyof GcoreTaskLoop, unknown>> {
  try {
    const parsed: unknown = JSON.parse(data);
    return parsed !== null && typeof parsed === 'object' ? parsed : {};
  } catch {
    return {};
  }
}

/** The trace context a stored loop carries, if any (a record that is no loop has none: its poll reports it). */
function traceparentOfLoop(raw: string): string | undefined {
  try {
    return decodeTaskLoop(raw).traceparent;
  } catch {
    return undefined;
  }
}
