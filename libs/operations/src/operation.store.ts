import { Inject, Injectable, Optional } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@rpg/config';
import { REDIS, RedisKeys, RedisClient, ScriptCall } from '@rpg/redis';
import {
  GcoreTaskState,
  OPERATION_STATUSES,
  Operation,
  ResultDetail,
  ResultStatus,
  TERMINAL_RESULT_STATUSES,
  Update,
  formatTargetRef,
} from '@rpg/routing-policy';
import { currentTraceparent, tracingEnabled, withSpan } from '@rpg/tracing';
import { OperationKeys } from './operation.keys';
import { OperationSecretMasker } from './operation-secret.masker';
import { OPERATION_FIELDS, OperationMeta, StoredOperation, decodeOperation, encodeResultDetail, encodeTaskState } from './operation-record.codec';
import { CreatedLanes, TransitionOutcome, createOperationScript, setTaskStateScript, transitionResultScript } from './operation-scripts';
import { OPERATION_ID_PATTERN } from './operation-id';

export type { OperationMeta, StoredOperation } from './operation-record.codec';
export type { CreatedLanes, TransitionOutcome } from './operation-scripts';

/** A position in the operation indexes: the score (creation time, ms) and id of the last item of a page. */
export interface OperationCursor {
  score: number;
  id: string;
}

const CURSOR_TEXT = /^(0|[1-9][0-9]{0,15}):(op_[0-9A-Z]{26})$/;

/** The opaque list cursor: `<score>:<id>` of the last item, base64url. */
export function encodeOperationCursor(cursor: OperationCursor): string {
  return Buffer.from(`${cursor.score}:${cursor.id}`).toString('base64url');
}

/**
 * Decodes a cursor strictly, or null when it is not one this API issued: canonical base64url (re-encodes to the same
 * text), a safe integer score and an operation id. Nothing forged reaches Redis (a non-numeric score fails there).
 */
export function decodeOperationCursor(text: string): OperationCursor | null {
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(text)) return null;
  const decoded = Buffer.from(text, 'base64url').toString('latin1');
  const match = CURSOR_TEXT.exec(decoded);
  if (!match || !OPERATION_ID_PATTERN.test(match[2])) return null;
  const cursor = { score: Number(match[1]), id: match[2] };
  if (!Number.isSafeInteger(cursor.score) || encodeOperationCursor(cursor) !== text) return null;
  return cursor;
}

/** The operation store in Redis: one hash per operation, atomic transitions by Lua, one pub/sub channel per operation. */
@Injectable()
export class OperationStore {
  readonly keys: OperationKeys;
  readonly retentionSeconds: number;
  private readonly createOperation: ScriptCall<typeof createOperationScript>;
  private readonly transitionResult: ScriptCall<typeof transitionResultScript>;
  private readonly setTaskStateOf: ScriptCall<typeof setTaskStateScript>;

  constructor(
    @Inject(REDIS) private readonly redis: RedisClient,
    redisKeys: RedisKeys,
    @Inject(APP_CONFIG) config: AppConfig,
    @Optional() private readonly masker: OperationSecretMasker = new OperationSecretMasker(),
  ) {
    this.keys = new OperationKeys(redisKeys);
    this.retentionSeconds = config.operationRetentionDays * 24 * 3600;
    this.createOperation = createOperationScript.on(redis);
    this.transitionResult = transitionResultScript.on(redis);
    this.setTaskStateOf = setTaskStateScript.on(redis);
  }

  /**
   * Stores the operation and queues each target on its lane; returns which are at the head of their lane, which behind
   * what. The heads among `startable` (default: all) are handed to the worker's dispatcher in the same step.
   */
  async create(meta: OperationMeta, updates: Update[], callbackSecret?: string, startable: readonly number[] | '*' = '*'): Promise<CreatedLanes> {
    if (!tracingEnabled()) return this.stored(meta, updates, callbackSecret, startable);
    // tracing on: a span for the script step, whose context the operation keeps for the worker (see OperationMeta.traceparent)
    return withSpan('operation.create', { attributes: { 'rpg.operation.id': meta.id, 'rpg.targets': updates.length } }, () =>
      this.stored({ ...meta, traceparent: currentTraceparent() }, updates, callbackSecret, startable),
    );
  }

  /** The trace context stored with each operation (undefined: none, or the operation is gone), for the dispatcher. */
  async traceparentsOf(ids: readonly string[]): Promise<(string | undefined)[]> {
    if (!ids.length) return [];
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hget(this.keys.operation(id), OPERATION_FIELDS.meta);
    const rows = (await pipeline.exec()) ?? [];
    return rows.map(([, raw]) => {
      if (typeof raw !== 'string') return undefined;
      try {
        return (JSON.parse(raw) as OperationMeta).traceparent;
      } catch {
        return undefined;
      }
    });
  }

  private stored(meta: OperationMeta, updates: Update[], callbackSecret: string | undefined, startable: readonly number[] | '*'): Promise<CreatedLanes> {
    return this.createOperation(
      {
        op: this.keys.operation(meta.id),
        index: this.keys.index,
        unconfirmed: this.keys.unconfirmed,
        // unused ones are the op key again (every key in the op's slot on a cluster)
        reverted: meta.revertOf ? this.keys.operation(meta.revertOf) : this.keys.operation(meta.id),
        referenceIndex: meta.reference ? this.keys.referenceIndex(meta.reference) : this.keys.operation(meta.id),
        rollouts: this.keys.rollouts,
        dispatch: this.keys.dispatch,
        lanes: updates.map((u) => this.keys.lane(u.target)),
      },
      {
        id: meta.id,
        nowMs: Date.parse(meta.createdAt),
        nowIso: meta.createdAt,
        meta: JSON.stringify(meta),
        updates: JSON.stringify(updates),
        count: updates.length,
        ttlSeconds: this.retentionSeconds + 86_400,
        callbackSecret: callbackSecret ?? '',
        statusIndexPrefix: this.keys.statusIndexPrefix,
        revertOf: meta.revertOf ?? '',
        reference: meta.reference ?? '',
        rolloutOnFailure: meta.rollout?.onFailure ?? '',
        startable: startable === '*' ? '*' : startable.join(','),
      },
    );
  }

  /** The jobs of these operations are in BullMQ: the recovery sweep may forget them. */
  async confirmEnqueued(...ids: string[]): Promise<void> {
    if (ids.length) await this.redis.zrem(this.keys.unconfirmed, ...ids);
  }

  /**
   * Waits up to `timeoutS` for operations handed to the dispatcher, and takes up to `max` of them (oldest first) on the
   * blocking connection `blocking`; each with the lane heads to start.
   */
  async takeDispatched(blocking: RedisClient, timeoutS: number, max: number): Promise<{ id: string; heads: number[] }[]> {
    const first = await blocking.brpop(this.keys.dispatch, timeoutS);
    if (!first) return [];
    const more = max > 1 ? ((await this.redis.rpop(this.keys.dispatch, max - 1)) ?? []) : [];
    return [first[1], ...more].map((entry) => {
      const at = entry.lastIndexOf(':');
      return {
        id: entry.slice(0, at),
        heads: entry
          .slice(at + 1)
          .split(',')
          .map(Number),
      };
    });
  }

  async unconfirmedOlderThan(ms: number, limit = 100): Promise<string[]> {
    return this.redis.zrangebyscore(this.keys.unconfirmed, 0, Date.now() - ms, 'LIMIT', 0, limit);
  }

  /** Every update queued (or running, at the head) on the update's target, as target references. */
  async laneEntries(update: Update): Promise<string[]> {
    return this.redis.lrange(this.keys.lane(update.target), 0, -1);
  }

  /** The target reference (`<opId>#<index>`) at the head of the update's lane: the one update of that target that may run. */
  async laneHead(update: Update): Promise<string | null> {
    return this.redis.lindex(this.keys.lane(update.target), 0);
  }

  /**
   * Moves result `index` from one of `from` to `to` with `detail` (see transitionResultScript); a terminal `to` given
   * `update` releases the target's lane; `task` is recorded in the same step.
   */
  async transition(
    id: string,
    index: number,
    from: ResultStatus[],
    to: ResultStatus,
    detail: ResultDetail | undefined,
    update?: Update,
    task?: GcoreTaskState,
  ): Promise<TransitionOutcome> {
    const releasing = update && TERMINAL_RESULT_STATUSES.has(to);
    return this.transitionResult(
      // no lane: the op key again (same slot on a cluster)
      { op: this.keys.operation(id), lane: releasing ? this.keys.lane(update.target) : this.keys.operation(id) },
      {
        index,
        from: from.join(','),
        to,
        detail: encodeResultDetail(detail),
        nowIso: new Date().toISOString(),
        channel: this.keys.channel(id),
        ttlSeconds: this.retentionSeconds,
        laneEntry: formatTargetRef({ operationId: id, index }),
        statusIndexPrefix: this.keys.statusIndexPrefix,
        operationId: id,
        taskId: task?.id ?? '',
        task: task ? encodeTaskState(task) : '',
      },
    );
  }

  /** Records a task's state on one result; returns every task of that result (unknown ones as undefined). */
  async setTaskState(id: string, index: number, task: GcoreTaskState): Promise<(GcoreTaskState | undefined)[]> {
    return this.setTaskStateOf(
      { op: this.keys.operation(id) },
      { index, taskId: task.id, task: encodeTaskState(task), nowIso: new Date().toISOString(), channel: this.keys.channel(id) },
    );
  }

  /**
   * A page of operations, newest first, from the Redis indexes (no scan). The cursor is opaque: `<score>:<id>` of the
   * last item, base64url. Entries whose operation expired are skipped (and trimmed by the maintenance job).
   */
  async page(options: { status?: string; reference?: string; limit: number; cursor?: string }): Promise<{ items: Operation[]; nextCursor: string | null }> {
    // the smaller index leads; the other filter is checked on each operation
    const key =
      options.reference !== undefined ? this.keys.referenceIndex(options.reference) : options.status ? this.keys.statusIndex(options.status) : this.keys.index;
    let max = '+inf';
    let afterId: string | undefined;
    let afterScore: number | undefined;
    if (options.cursor) {
      const cursor = decodeOperationCursor(options.cursor);
      if (!cursor) throw new Error('not an operation cursor (check it with decodeOperationCursor first)');
      afterScore = cursor.score;
      afterId = cursor.id;
      max = String(afterScore);
    }
    const items: Operation[] = [];
    let offset = 0;
    let last: { score: number; id: string } | undefined;
    let exhausted = false;
    while (items.length < options.limit && !exhausted) {
      const batch = options.limit + 20;
      const raw = await this.redis.zrevrangebyscore(key, max, '-inf', 'WITHSCORES', 'LIMIT', offset, batch);
      offset += batch;
      if (raw.length < batch * 2) exhausted = true;
      const entries: { id: string; score: number }[] = [];
      for (let i = 0; i < raw.length; i += 2) {
        const entry = { id: raw[i], score: Number(raw[i + 1]) };
        if (afterScore !== undefined && entry.score === afterScore && afterId !== undefined && entry.id >= afterId) continue;
        entries.push(entry);
      }
      const stored = await this.getMany(entries.map((e) => e.id));
      for (const [i, s] of stored.entries()) {
        if (items.length >= options.limit) break;
        last = entries[i];
        if (
          s &&
          (!options.status || s.operation.status === options.status) &&
          (options.reference === undefined || s.operation.reference === options.reference)
        ) {
          items.push(s.operation);
        }
      }
    }
    const hasMore = items.length >= options.limit && last !== undefined && (await this.hasEntriesAfter(key, last));
    return { items, nextCursor: hasMore && last ? encodeOperationCursor(last) : null };
  }

  /** Whether the index holds entries after `last` in page order: a lower score, or the same score (same ms) and a lower id. */
  private async hasEntriesAfter(key: string, last: { score: number; id: string }): Promise<boolean> {
    if ((await this.redis.zcount(key, '-inf', `(${last.score}`)) > 0) return true;
    const sameScore = await this.redis.zrangebyscore(key, last.score, last.score);
    return sameScore.some((id) => id < last.id);
  }

  /** Drops index entries older than the retention (their operations have expired). */
  async trimIndexes(): Promise<void> {
    const cutoff = Date.now() - this.retentionSeconds * 1000;
    const pipeline = this.redis.pipeline();
    pipeline.zremrangebyscore(this.keys.index, '-inf', cutoff);
    for (const status of OPERATION_STATUSES) pipeline.zremrangebyscore(this.keys.statusIndex(status), '-inf', cutoff);
    await pipeline.exec();
  }

  async get(id: string): Promise<StoredOperation | null> {
    return this.masked(decodeOperation(await this.redis.hgetall(this.keys.operation(id))));
  }

  async getMany(ids: string[]): Promise<(StoredOperation | null)[]> {
    if (ids.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hgetall(this.keys.operation(id));
    const rows = (await pipeline.exec()) ?? [];
    return rows.map(([, hash]) => (hash ? this.masked(decodeOperation(hash as Record<string, string>)) : null));
  }

  private masked(stored: StoredOperation | null): StoredOperation | null {
    return stored && { ...stored, operation: this.masker.mask(stored.operation) };
  }
}
