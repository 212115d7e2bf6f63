import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@rpg/config';
import { REDIS, RedisClient, RedisKeys, ScriptCall } from '@rpg/redis';
import { Compensation, ResultDetail, RolloutState, SkippedTarget, Update } from '@rpg/routing-policy';
import { OperationKeys } from '../operation.keys';
import { OPERATION_FIELDS, OperationMeta, StoredOperation } from '../operation-record.codec';
import {
  CancelOutcome,
  advanceRolloutScript,
  beginCompensationScript,
  cancelPendingScript,
  finishRollbackScript,
  pauseRolloutScript,
  setCompensationsScript,
} from './rollout-scripts';

export type { CancelOutcome } from './rollout-scripts';

/** The batch (index into `batches`) a target of a rollout belongs to. */
export function batchOf(batches: number[][], index: number): number {
  return batches.findIndex((batch) => batch.includes(index));
}

/** Rollout states in which no further target of the operation may start. */
const STOPPED: ReadonlySet<string> = new Set<RolloutState>(['HALTED', 'COMPENSATING', 'ROLLED_BACK', 'ROLLBACK_FAILED']);

/** The progress of staged rollouts in the operation hash: every step one guarded script (rollout-scripts.ts). */
@Injectable()
export class RolloutStore {
  private readonly keys: OperationKeys;
  private readonly retentionSeconds: number;
  private readonly cancelPendingOf: ScriptCall<typeof cancelPendingScript>;
  private readonly pauseOf: ScriptCall<typeof pauseRolloutScript>;
  private readonly advanceOf: ScriptCall<typeof advanceRolloutScript>;
  private readonly beginCompensationOf: ScriptCall<typeof beginCompensationScript>;
  private readonly setCompensationsOf: ScriptCall<typeof setCompensationsScript>;
  private readonly finishRollbackOf: ScriptCall<typeof finishRollbackScript>;

  constructor(
    @Inject(REDIS) private readonly redis: RedisClient,
    redisKeys: RedisKeys,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.keys = new OperationKeys(redisKeys);
    this.retentionSeconds = config.operationRetentionDays * 24 * 3600;
    this.cancelPendingOf = cancelPendingScript.on(redis);
    this.pauseOf = pauseRolloutScript.on(redis);
    this.advanceOf = advanceRolloutScript.on(redis);
    this.beginCompensationOf = beginCompensationScript.on(redis);
    this.setCompensationsOf = setCompensationsScript.on(redis);
    this.finishRollbackOf = finishRollbackScript.on(redis);
  }

  /**
   * Whether a target may start now: always, outside a rollout; in one, when its batch has started and the rollout is not
   * stopped (a halted rollout cancels its unstarted targets instead). Read after the lane released it, so a batch started
   * meanwhile is seen (the start of a batch enqueues the lane heads it finds itself).
   */
  async mayStart(operationId: string, index: number): Promise<boolean> {
    const [metaJson, current, state] = await this.redis.hmget(
      this.keys.operation(operationId),
      OPERATION_FIELDS.meta,
      OPERATION_FIELDS.rolloutCurrent,
      OPERATION_FIELDS.rolloutState,
    );
    if (!metaJson) return true; // expired: its job finds nothing to do
    const rollout = (JSON.parse(metaJson) as OperationMeta).rollout;
    if (!rollout) return true;
    return !STOPPED.has(state ?? '') && batchOf(rollout.batches, index) <= Number(current ?? 0);
  }

  /** Cancels the targets among `indexes` still PENDING (they leave their lanes); see cancelPendingScript. */
  async cancelPending(stored: StoredOperation, indexes: number[], detail: ResultDetail): Promise<CancelOutcome> {
    const id = stored.operation.id;
    return this.cancelPendingOf(
      { op: this.keys.operation(id), lanes: indexes.map((i) => this.keys.lane(stored.updates[i].target)) },
      {
        indexes: indexes.join(','),
        detail: JSON.stringify(detail),
        nowIso: new Date().toISOString(),
        channel: this.keys.channel(id),
        ttlSeconds: this.retentionSeconds,
        statusIndexPrefix: this.keys.statusIndexPrefix,
        operationId: id,
      },
    );
  }

  /** `nowMs`: the clock reading `resumesAtMs` was computed from, so the pause's `updatedAt` is exactly the pause before it. */
  async pause(operationId: string, from: number, resumesAtMs: number, nowMs = Date.now()): Promise<boolean> {
    return this.pauseOf(
      { op: this.keys.operation(operationId) },
      { from, resumesAtMs, nowIso: new Date(nowMs).toISOString(), channel: this.keys.channel(operationId) },
    );
  }

  /** Starts batch `from + 1`; the indexes of it that head their lanes (to enqueue), when this call started it. */
  async advance(stored: StoredOperation, from: number, next: number[]): Promise<{ advanced: boolean; heads: number[] }> {
    const id = stored.operation.id;
    return this.advanceOf(
      { op: this.keys.operation(id), lanes: next.map((i) => this.keys.lane(stored.updates[i].target)) },
      { from, indexes: next.join(','), nowMs: Date.now(), nowIso: new Date().toISOString(), channel: this.keys.channel(id), operationId: id },
    );
  }

  /** Records the compensation (once); the id of the restoring operation, or '' when the rollout does not need one (yet). */
  async beginCompensation(
    operationId: string,
    compensationId: string,
    plan: CompensationPlanRecord,
    compensations: Map<number, Compensation>,
  ): Promise<{ began: boolean; compensationId: string }> {
    return this.beginCompensationOf(
      { op: this.keys.operation(operationId) },
      {
        compensationId,
        plan: JSON.stringify(plan),
        compensations: compensationEntries(compensations),
        nowIso: new Date().toISOString(),
        channel: this.keys.channel(operationId),
      },
    );
  }

  /** The compensation plan recorded when it began (to create the restoring operation again after a crash). */
  async compensationPlan(operationId: string): Promise<CompensationPlanRecord | null> {
    const json = await this.redis.hget(this.keys.operation(operationId), OPERATION_FIELDS.compensationPlan);
    return json ? (JSON.parse(json) as CompensationPlanRecord) : null;
  }

  /** The indexes whose compensation record changed. */
  async setCompensations(operationId: string, compensations: Map<number, Compensation>): Promise<number[]> {
    if (!compensations.size) return [];
    return this.setCompensationsOf(
      { op: this.keys.operation(operationId) },
      { entries: compensationEntries(compensations), nowIso: new Date().toISOString(), channel: this.keys.channel(operationId) },
    );
  }

  async finishRollback(
    operationId: string,
    status: 'ROLLED_BACK' | 'ROLLBACK_FAILED',
    notRestored: Pick<SkippedTarget, 'index' | 'reason'>[],
  ): Promise<boolean> {
    return this.finishRollbackOf(
      { op: this.keys.operation(operationId) },
      {
        status,
        notRestored: notRestored.length ? JSON.stringify(notRestored) : '',
        nowIso: new Date().toISOString(),
        ttlSeconds: this.retentionSeconds,
        statusIndexPrefix: this.keys.statusIndexPrefix,
        operationId,
        channel: this.keys.channel(operationId),
      },
    );
  }

  /** Rollouts not known to have ended, the longest unvisited first (see `visited`). */
  async active(limit = 200): Promise<string[]> {
    return this.redis.zrange(this.keys.rollouts, 0, limit - 1);
  }

  /** Marks a rollout as just looked at: the next sweep starts with the others (never the same 200 every time). */
  async visited(operationId: string): Promise<void> {
    await this.redis.zadd(this.keys.rollouts, 'XX', Date.now(), operationId);
  }

  async forget(operationId: string): Promise<void> {
    await this.redis.zrem(this.keys.rollouts, operationId);
  }
}

/** What a compensation restores: the updates of the restoring operation and, per update, the indexes it restores. */
export interface CompensationPlanRecord {
  updates: Update[];
  indexes: number[][];
  guards: (Record<string, unknown> | null)[];
}

/** The stable JSON of each compensation (compared as text by the scripts: the same record is no change). */
function compensationEntries(compensations: Map<number, Compensation>): string {
  return JSON.stringify(
    [...compensations].map(([index, c]) => ({
      index,
      value: JSON.stringify({
        status: c.status,
        ...(c.operationId ? { operationId: c.operationId } : {}),
        ...(c.reason ? { reason: c.reason } : {}),
        ...(c.error ? { error: c.error } : {}),
      }),
    })),
  );
}
