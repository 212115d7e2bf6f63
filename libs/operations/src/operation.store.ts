import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@rpg/config';
import { REDIS, RedisKeys, RedisClient } from '@rpg/redis';
import {
  GcoreTaskState,
  Operation,
  OperationResult,
  OperationStatus,
  ResultDetail,
  ResultStatus,
  Update,
  targetKey,
} from '@rpg/routing-policy';
import { CREATE_OPERATION, SET_TASK_STATE, TRANSITION_RESULT } from './operation-scripts';
import { OPERATION_ID_PATTERN } from './operation-id';

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

export interface OperationMeta {
  id: string;
  createdAt: string;
  reference: string | null;
  dryRun: boolean;
  count: number;
  apiKeyName: string;
  callbackUrl?: string;
}

export interface StoredOperation {
  operation: Operation;
  meta: OperationMeta;
  updates: Update[];
  seq: number;
  callbackSecret?: string;
}

export interface TransitionOutcome {
  /** 1 changed, 0 refused (status was not one of `from`), -1 operation unknown. */
  changed: 1 | 0 | -1;
  resultStatus: string;
  operationStatus: string;
  operationTerminalNow: boolean;
  /** Head of the target's lane after a terminal result released it (`<opId>#<index>`), '' when empty. */
  nextLaneHead: string;
}

type Scripted = RedisClient & {
  rpgCreateOperation(...args: (string | number)[]): Promise<number[]>;
  rpgTransitionResult(...args: (string | number)[]): Promise<[number, string, string, number, string]>;
  rpgSetTaskState(...args: (string | number)[]): Promise<string[]>;
};

/** The operation store in Redis: one hash per operation, atomic transitions by Lua, one pub/sub channel per operation. */
@Injectable()
export class OperationStore {
  private readonly redis: Scripted;
  readonly retentionSeconds: number;

  constructor(
    @Inject(REDIS) redis: RedisClient,
    private readonly keys: RedisKeys,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.redis = redis as Scripted;
    this.retentionSeconds = config.operationRetentionDays * 24 * 3600;
    if (!('rpgCreateOperation' in redis)) {
      redis.defineCommand('rpgCreateOperation', { lua: CREATE_OPERATION });
      redis.defineCommand('rpgTransitionResult', { numberOfKeys: 2, lua: TRANSITION_RESULT });
      redis.defineCommand('rpgSetTaskState', { numberOfKeys: 1, lua: SET_TASK_STATE });
    }
  }

  operationKey(id: string): string {
    return this.keys.key('op', id);
  }
  channel(id: string): string {
    return this.keys.key('opch', id);
  }
  laneKey(update: Update): string {
    return this.keys.key('lane', targetKey(update.target));
  }
  get indexKey(): string {
    return this.keys.key('ops', 'index');
  }
  get unconfirmedKey(): string {
    return this.keys.key('ops', 'unconfirmed');
  }
  /** Index of operations per status (`<prefix><STATUS>`), kept by the scripts. */
  get statusIndexPrefix(): string {
    return this.keys.key('ops', 'status', '');
  }

  /** Stores the operation and queues each target on its lane; returns the indexes that are at the head of their lane. */
  async create(meta: OperationMeta, updates: Update[], callbackSecret?: string): Promise<number[]> {
    const lanes = updates.map((u) => this.laneKey(u));
    const keys = [this.operationKey(meta.id), this.indexKey, this.unconfirmedKey, ...lanes];
    const heads = await this.redis.rpgCreateOperation(
      keys.length,
      ...keys,
      meta.id,
      Date.parse(meta.createdAt),
      meta.createdAt,
      JSON.stringify(meta),
      JSON.stringify(updates),
      updates.length,
      this.retentionSeconds + 86_400,
      callbackSecret ?? '',
      this.statusIndexPrefix,
    );
    return heads.flatMap((isHead, i) => (isHead === 1 ? [i] : []));
  }

  /** The jobs of this operation are in BullMQ: the recovery sweep may forget it. */
  async confirmEnqueued(id: string): Promise<void> {
    await this.redis.zrem(this.unconfirmedKey, id);
  }

  async unconfirmedOlderThan(ms: number, limit = 100): Promise<string[]> {
    return this.redis.zrangebyscore(this.unconfirmedKey, 0, Date.now() - ms, 'LIMIT', 0, limit);
  }

  async laneHead(update: Update): Promise<string | null> {
    return this.redis.lindex(this.laneKey(update), 0);
  }

  async transition(
    id: string,
    index: number,
    from: ResultStatus[],
    to: ResultStatus,
    detail: ResultDetail | undefined,
    update?: Update,
  ): Promise<TransitionOutcome> {
    const releasing = update && (to === 'SUCCEEDED' || to === 'FAILED');
    const [changed, resultStatus, operationStatus, terminalNow, nextLaneHead] = await this.redis.rpgTransitionResult(
      this.operationKey(id),
      releasing ? this.laneKey(update) : this.operationKey(id), // no lane: the op key again (same slot on a cluster)
      index,
      from.join(','),
      to,
      detail ? JSON.stringify(detail) : '',
      new Date().toISOString(),
      this.channel(id),
      this.retentionSeconds,
      `${id}#${index}`,
      this.statusIndexPrefix,
      id,
    );
    return { changed: changed as 1 | 0 | -1, resultStatus, operationStatus, operationTerminalNow: terminalNow === 1, nextLaneHead };
  }

  /** Records a task's state on one result; returns every task of that result (unknown ones as undefined). */
  async setTaskState(id: string, index: number, task: GcoreTaskState): Promise<(GcoreTaskState | undefined)[]> {
    const all = await this.redis.rpgSetTaskState(this.operationKey(id), index, task.id, JSON.stringify(task), new Date().toISOString(), this.channel(id));
    return all.map((json) => (json ? (JSON.parse(json) as GcoreTaskState) : undefined));
  }

  /**
   * A page of operations, newest first, from the Redis indexes (no scan). The cursor is opaque: `<score>:<id>` of the
   * last item, base64url. Entries whose operation expired are skipped (and trimmed by the maintenance job).
   */
  async page(options: { status?: string; limit: number; cursor?: string }): Promise<{ items: Operation[]; nextCursor: string | null }> {
    const key = options.status ? this.statusIndexPrefix + options.status : this.indexKey;
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
        if (s && (!options.status || s.operation.status === options.status)) items.push(s.operation);
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
    pipeline.zremrangebyscore(this.indexKey, '-inf', cutoff);
    for (const status of ['PENDING', 'RUNNING', 'SUCCEEDED', 'FAILED', 'PARTIALLY_SUCCEEDED']) pipeline.zremrangebyscore(this.statusIndexPrefix + status, '-inf', cutoff);
    await pipeline.exec();
  }

  async get(id: string): Promise<StoredOperation | null> {
    const hash = await this.redis.hgetall(this.operationKey(id));
    return hash.meta ? this.assemble(hash) : null;
  }

  async getMany(ids: string[]): Promise<(StoredOperation | null)[]> {
    if (ids.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hgetall(this.operationKey(id));
    const rows = (await pipeline.exec()) ?? [];
    return rows.map(([, hash]) => (hash && (hash as Record<string, string>).meta ? this.assemble(hash as Record<string, string>) : null));
  }

  private assemble(hash: Record<string, string>): StoredOperation {
    const meta = JSON.parse(hash.meta) as OperationMeta;
    const updates = JSON.parse(hash.updates) as Update[];
    const results: OperationResult[] = updates.map((update, index) => {
      const detail = hash[`r:${index}:d`] ? (JSON.parse(hash[`r:${index}:d`]) as ResultDetail) : {};
      const result: OperationResult = { index, target: update.target, status: hash[`r:${index}:s`] as ResultStatus, ...detail };
      if (detail.gcore) {
        result.gcore = {
          taskIds: detail.gcore.taskIds,
          tasks: detail.gcore.taskIds.map((taskId) => {
            const json = hash[`r:${index}:t:${taskId}`];
            return json ? (JSON.parse(json) as GcoreTaskState) : { id: taskId, state: 'NEW', error: null };
          }),
        };
      }
      return result;
    });
    return {
      meta,
      updates,
      seq: Number(hash.seq ?? 0),
      callbackSecret: hash.cbsecret || undefined,
      operation: {
        id: meta.id,
        status: hash.status as OperationStatus,
        createdAt: meta.createdAt,
        updatedAt: hash.updatedAt,
        completedAt: hash.completedAt || null,
        reference: meta.reference,
        dryRun: meta.dryRun,
        results,
      },
    };
  }
}
