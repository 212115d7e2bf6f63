import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@rpg/config';
import { GcoreClient } from '@rpg/gcore';
import { GatewayMetrics } from '@rpg/observability';
import { REDIS, RedisClient } from '@rpg/redis';
import { ProviderError } from '@rpg/routing-policy';
import { GcoreOpenTaskLister, OpenTasks } from './gcore-open-task.lister';
import { GcoreTaskKeys, parseScopeName } from './gcore-task.keys';
import { DROP_EMPTY_SCOPE } from './gcore-task.scripts';
import { GcoreTaskWatcher, LISTING_GRACE_MS, SWEEP_DISTRUST_MS } from './gcore-task.watcher';

type Scripted = RedisClient & { rpgDropEmptyScope(inflightKey: string, scopesKey: string, scope: string): Promise<number> };

export type SweepOutcome = 'complete' | 'partial' | 'failed' | 'distrusted' | 'empty';

export interface ScopeSweep {
  scope: string;
  outcome: SweepOutcome;
  tracked: number;
  /** Task ids whose loop was run at once because the listing showed them ended. */
  ended: string[];
}

const SWEEP_LOCK_MS = 10_000;
/** A listing the provider refuses (4xx: not supported, bad filter) is not tried again for this long. */
const REFUSED_LISTING_RETRY_MS = SWEEP_DISTRUST_MS;

/**
 * Detects the end of many Gcore tasks with one request per project/region: every GCORE_TASK_SWEEP_MS one worker (a
 * Redis lock elects it per tick) lists the scope's NEW and RUNNING tasks; a tracked task that is absent from a complete
 * listing, or listed as FINISHED/ERROR (a provider ignoring the state filter), has its own poll loop run at once, which
 * reads the final state and settles it as before. The sweep only ever brings polls forward, so a wrong listing costs
 * GETs, never a wrong result; a listing that claims a running task ended is distrusted (see GcoreTaskWatcher.poll).
 */
@Injectable()
export class GcoreTaskSweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('GcoreTaskSweeper');
  private readonly redis: Scripted;
  private readonly lister: GcoreOpenTaskLister;
  private timer?: NodeJS.Timeout;
  private sweeping?: Promise<unknown>;

  constructor(
    @Inject(REDIS) redis: RedisClient,
    private readonly keys: GcoreTaskKeys,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly client: GcoreClient,
    private readonly watcher: GcoreTaskWatcher,
    private readonly metrics: GatewayMetrics,
  ) {
    this.redis = redis as Scripted;
    this.lister = new GcoreOpenTaskLister(client);
    if (!('rpgDropEmptyScope' in redis)) redis.defineCommand('rpgDropEmptyScope', { numberOfKeys: 2, lua: DROP_EMPTY_SCOPE });
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
    await this.sweeping;
  }

  /** One sweep of every scope with tasks in flight, unless another worker holds this tick. */
  async sweep(): Promise<ScopeSweep[]> {
    // held while sweeping (a crashed sweeper frees it after SWEEP_LOCK_MS), then until the next tick is due
    const started = Date.now();
    const won = await this.redis.set(this.keys.sweepLock(), '1', 'PX', SWEEP_LOCK_MS, 'NX');
    if (won !== 'OK') return [];
    try {
      const scopes = await this.redis.smembers(this.keys.scopes());
      return await Promise.all(scopes.map((scope) => this.sweepScope(scope)));
    } finally {
      const nextInMs = Math.max(1, this.config.gcoreTasks.sweepMs - 50 - (Date.now() - started));
      await this.redis.set(this.keys.sweepLock(), '1', 'PX', nextInMs).catch(() => undefined);
    }
  }

  async sweepScope(scope: string): Promise<ScopeSweep> {
    const report = (outcome: SweepOutcome, tracked = 0, ended: string[] = []): ScopeSweep => {
      this.metrics.taskSweeps.inc({ outcome });
      return { scope, outcome, tracked, ended };
    };
    const where = parseScopeName(scope);
    const inflightKey = this.keys.inflight(scope);
    const now = Date.now();
    // registrations older than any task may live are leftovers (a loop removed by hand): forget them
    await this.redis.zremrangebyscore(inflightKey, '-inf', now - this.config.gcoreTasks.timeoutMs - 3_600_000);
    const tracked = await this.redis.zrange(inflightKey, 0, -1, 'WITHSCORES');
    if (tracked.length === 0 || !where) {
      await this.redis.rpgDropEmptyScope(inflightKey, this.keys.scopes(), scope);
      if (!where) await this.redis.del(inflightKey);
      return report('empty');
    }
    if (await this.redis.exists(this.keys.sweepBad(scope))) return report('distrusted', tracked.length / 2);

    const sentAt = Date.now();
    let listing: OpenTasks;
    try {
      listing = await this.lister.list(where);
    } catch (error) {
      // 4xx: this provider does not list like that; stop asking for a while. 5xx/unreachable: try again next tick.
      if (error instanceof ProviderError && !error.retryable && (error.providerStatus ?? 500) < 500) {
        await this.watcher.distrustSweep(scope, REFUSED_LISTING_RETRY_MS);
        this.logger.warn({ scope, status: error.providerStatus }, 'Gcore refused the task listing; tasks of this scope follow their own schedule');
      }
      return report('failed', tracked.length / 2);
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
    if (!listing.complete) return report('partial', tracked.length / 2, ended);
    // marks the scope covered for a few sweeps (however long they take): per-task loops stretch to the backstop meanwhile
    const tookMs = Date.now() - sentAt;
    await this.redis.set(this.keys.sweepOk(scope), '1', 'PX', Math.max(2000, this.config.gcoreTasks.sweepMs * 4, tookMs * 4));
    return report('complete', tracked.length / 2, ended);
  }
}
