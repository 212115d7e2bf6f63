import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { APP_CONFIG, AppConfig } from '@rpg/config';
import { GcoreClient } from '@rpg/gcore';
import { ServiceMetrics } from '@rpg/observability';
import { REDIS, RedisClient, ScriptCall } from '@rpg/redis';
import { ProviderError } from '@rpg/routing-policy';
import { GcoreOpenTaskLister, OpenTasks } from './gcore-open-task.lister';
import { GcoreSweepTrust, LISTING_GRACE_MS, SWEEP_DISTRUST_MS } from './gcore-sweep-trust';
import { GcoreTaskKeys, parseScopeName } from './gcore-task.keys';
import { dropEmptyScopeScript } from './gcore-task.scripts';
import { GcoreTaskWatcher } from './gcore-task.watcher';

/** How one scope's turn went (the `outcome` label of gcore_task_sweeps_total). */
export type SweepOutcome = 'complete' | 'partial' | 'failed' | 'distrusted' | 'empty' | 'not-due' | 'unfiltered';

/** Longest a sweep may hold the lock (a crashed sweeper frees it then); listings time out after 5 s each. */
const SWEEP_LOCK_MS = 30_000;
/** A listing the provider refuses (4xx, 429, an unknown answer), or one ignoring the state filter, is not used for this long. */
const REFUSED_LISTING_RETRY_MS = SWEEP_DISTRUST_MS;
/** After a listing failed (5xx, timeout, unreachable): the scope's tasks follow their own schedule this long. */
const FAILED_LISTING_RETRY_MS = 30_000;

/**
 * Detects the end of many Gcore tasks with one request per project/region: every GCORE_TASK_SWEEP_MS one worker (a
 * Redis lock elects it per tick) lists the scope's NEW and RUNNING tasks; a tracked task that is absent from a complete
 * listing, or listed as FINISHED/ERROR, has its own poll loop run at once, which reads the final state and settles it as
 * before. The sweep only ever brings polls forward, so a wrong listing costs GETs, never a wrong result; a listing that
 * claims a running task ended is distrusted (see GcoreTaskWatcher.poll). A scope with few tasks is listed less often, so
 * the listings never cost more requests than those tasks' own polls would.
 */
@Injectable()
export class GcoreTaskSweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('GcoreTaskSweeper');
  private readonly lister: GcoreOpenTaskLister;
  private readonly dropEmptyScope: ScriptCall<typeof dropEmptyScopeScript>;
  private readonly token = randomUUID();
  private timer?: NodeJS.Timeout;
  private sweeping?: Promise<unknown>;

  constructor(
    @Inject(REDIS) private readonly redis: RedisClient,
    private readonly keys: GcoreTaskKeys,
    private readonly trust: GcoreSweepTrust,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly client: GcoreClient,
    private readonly watcher: GcoreTaskWatcher,
    private readonly metrics: ServiceMetrics,
  ) {
    this.lister = new GcoreOpenTaskLister(client);
    this.dropEmptyScope = dropEmptyScopeScript.on(redis);
  }

  onApplicationBootstrap(): void {
    const every = this.config.gcoreTasks.sweepMs;
    if (every <= 0) return;
    this.timer = setInterval(() => {
      if (this.sweeping) return; // a slow sweep is not stacked on
      this.sweeping = this.sweep()
        .catch((error: unknown) => this.logger.warn({ err: error }, 'task sweep failed'))
        .finally(() => (this.sweeping = undefined));
    }, every);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    // a sweep only brings polls forward: one cut short by the shutdown loses nothing
    await Promise.race([this.sweeping, new Promise((r) => setTimeout(r, 2000).unref())]);
  }

  /** One sweep of every scope with tasks in flight, unless another worker holds this tick (or Gcore's circuit is open). */
  async sweep(): Promise<void> {
    if (this.client.circuitOpen) return;
    const started = Date.now();
    if (!(await this.trust.takeTick(this.token, SWEEP_LOCK_MS))) return;
    try {
      const scopes = await this.redis.smembers(this.keys.scopes());
      const outcomes = await Promise.all(scopes.map((scope) => this.sweepScope(scope)));
      for (const outcome of outcomes) this.metrics.taskSweeps.inc({ outcome });
    } finally {
      // keep the lock until the next tick is due, unless it expired meanwhile and another worker holds it now
      const nextInMs = Math.max(1, this.config.gcoreTasks.sweepMs - 50 - (Date.now() - started));
      await this.trust.handOverTick(this.token, nextInMs).catch(() => undefined);
    }
  }

  private async sweepScope(scope: string): Promise<SweepOutcome> {
    const where = parseScopeName(scope);
    const inflightKey = this.keys.inflight(scope);
    // one round trip (auto-pipelined): registrations older than any task may live are leftovers (a loop removed by hand) and go
    const [replies, distrusted] = await Promise.all([
      this.redis
        .multi()
        .zremrangebyscore(inflightKey, '-inf', Date.now() - this.config.gcoreTasks.timeoutMs - 3_600_000)
        .zrange(inflightKey, 0, -1, 'WITHSCORES')
        .exec(),
      this.trust.isDistrusted(scope),
    ]);
    const tracked = (replies?.[1]?.[1] as string[] | undefined) ?? [];
    const count = tracked.length / 2;
    if (count === 0 || !where) {
      await this.dropEmptyScope({ inflight: inflightKey, scopes: this.keys.scopes() }, { scope });
      if (!where) await this.redis.del(inflightKey);
      return 'empty';
    }
    if (distrusted) return 'distrusted';
    // one listing per interval costs no more requests than these tasks' own polls (≤ one each per POLL_MAX_MS) would
    const intervalMs = this.listingIntervalMs(count);
    if (!(await this.trust.takeListingTurn(scope, Math.max(1, intervalMs - 50)))) return 'not-due';

    const sentAt = Date.now();
    let listing: OpenTasks;
    try {
      listing = await this.lister.list(where);
    } catch (error) {
      const status = error instanceof ProviderError ? error.providerStatus : undefined;
      const refused = error instanceof ProviderError && !error.retryable && status !== undefined && status < 500;
      await this.watcher.distrustSweep(scope, refused ? REFUSED_LISTING_RETRY_MS : FAILED_LISTING_RETRY_MS);
      this.logger.warn(
        { scope, status, err: (error as Error).message },
        refused
          ? 'Gcore task listing refused: tasks of this scope follow their own schedule for 5 min'
          : 'Gcore task listing failed: tasks of this scope follow their own schedule for 30 s',
      );
      return 'failed';
    }

    const ended: string[] = [];
    for (let i = 0; i < tracked.length; i += 2) {
      const id = tracked[i];
      const seen = listing.tasks.get(id);
      if (seen ? seen === 'FINISHED' || seen === 'ERROR' : listing.complete && Number(tracked[i + 1]) < sentAt - LISTING_GRACE_MS) ended.push(id);
    }
    await Promise.all(
      ended.map(async (id) => {
        // a job that just went active (or ended) between the checks answers a failed promote: the next sweep sees it again
        const poked = await this.watcher.pollNow(id, listing.paged ? 'pages' : 'page').catch(() => 'busy' as const);
        if (poked === 'missing') await this.redis.zrem(inflightKey, id);
      }),
    );
    if (listing.unfiltered) {
      // the provider ignores `state`: every tick would haul the scope's whole task history
      await this.watcher.distrustSweep(scope, REFUSED_LISTING_RETRY_MS);
      this.logger.warn({ scope }, 'Gcore task listing ignores the state filter: tasks of this scope follow their own schedule for 5 min');
      return 'unfiltered';
    }
    if (!listing.complete) return 'partial';
    // marks the scope covered for a few listings (however long they take): per-task loops stretch to the backstop meanwhile
    const tookMs = Date.now() - sentAt;
    await this.trust.markCovered(scope, Math.max(2000, intervalMs * 4, tookMs * 4));
    return 'complete';
  }

  private listingIntervalMs(tracked: number): number {
    return Math.max(this.config.gcoreTasks.sweepMs, Math.round(this.config.gcoreTasks.pollMaxMs / tracked));
  }
}
