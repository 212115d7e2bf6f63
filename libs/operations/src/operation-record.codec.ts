import {
  Compensation,
  GcoreTaskState,
  Operation,
  OperationResult,
  OperationStatus,
  ResultDetail,
  ResultStatus,
  RolloutPlan,
  RolloutState,
  RolloutStatus,
  SkippedTarget,
  TargetState,
  Update,
} from '@rpg/routing-policy';
import { parseSchemaVersion } from '@rpg/redis';

export interface OperationMeta {
  id: string;
  createdAt: string;
  reference: string | null;
  dryRun: boolean;
  count: number;
  apiKeyName: string;
  callbackUrl?: string;
  /** The operation this one reverts. */
  revertOf?: string;
  /** A revert: the targets of the reverted operation it leaves alone. */
  skipped?: SkippedTarget[];
  /** A staged rollout's plan (its progress is in the hash: rc, rs, rr). */
  rollout?: RolloutPlan;
  /** A rollout's compensation: the operation it restores, and for each of its updates the indexes there it restores. */
  compensates?: { operationId: string; indexes: number[][] };
  /**
   * Per update, the state the target must still be in for the write to happen (a compensation never overwrites a later
   * change): compared just before the write; null where nothing is known to compare with.
   */
  guards?: (TargetState | null)[];
  /**
   * The W3C trace context of the accept (tracing on): the worker's dispatcher adds the provider-call jobs under it, so
   * the gateway, the jobs and the provider calls are one trace. Never shown by the API.
   */
  traceparent?: string;
}

export interface StoredOperation {
  /** The record's schema version (OPERATION_SCHEMA_VERSION when this release created it; 1: before versions). */
  schemaVersion: number;
  /** The operation as the API shows it (OperationStore masks credential values in it). */
  operation: Operation;
  /** The results as stored, credentials included: only for what restores them (a revert), never for an answer. */
  rawResults: OperationResult[];
  meta: OperationMeta;
  updates: Update[];
  seq: number;
  callbackSecret?: string;
  /** A rollout's compensation: the restoring operation ('-' when there was nothing to restore). */
  compensationOperationId?: string;
}

/**
 * Fields of the operation hash. The Lua scripts (operation-scripts.ts) write them and `decodeOperation` reads them;
 * both take the names from here. Renaming one breaks the data a running version wrote: these names are the format.
 */
export const OPERATION_FIELDS = {
  meta: 'meta',
  updates: 'updates',
  status: 'status',
  createdAt: 'createdAt',
  updatedAt: 'updatedAt',
  completedAt: 'completedAt',
  /** Targets, targets ended, targets SUCCEEDED. */
  count: 'count',
  done: 'done',
  ok: 'ok',
  /** Change counter, published on the operation's channel. */
  seq: 'seq',
  createdMs: 'createdMs',
  callbackSecret: 'cbsecret',
  /** Schema version, set at creation (absent: 1, written before versions existed). */
  schemaVersion: 'v',
  /** The operations that revert this one, comma-separated (appended by the create script of each revert). */
  revertedBy: 'rb',
  /** Rollout: the batch started last, its state, when the next batch starts (epoch ms), its onFailure mode. */
  rolloutCurrent: 'rc',
  rolloutState: 'rs',
  rolloutResumesAtMs: 'rr',
  rolloutOnFailure: 'rf',
  /** Rollout with onFailure revert that failed: '1' holds the operation open until its compensation ends. */
  rolloutHold: 'rh',
  /** Its compensation: the restoring operation's id, the planned updates (JSON), the targets not restored (JSON). */
  compensationOperation: 'cop',
  compensationPlan: 'cpl',
  rolloutNotRestored: 'rn',
} as const;

/**
 * The version of the record this release creates. 1 → 2 added only `v`. A record's fields are read by name, so a newer
 * record reads as far as its known fields go, and the scripts HSET their own fields only: its unknown ones stay.
 */
export const OPERATION_SCHEMA_VERSION = 2;

/**
 * Per result `r:<index>:<part>`: its status, its detail (JSON), its compensation (JSON) and each of its Gcore tasks
 * (`t:<taskId>`, JSON).
 */
const RESULT_FIELD = { prefix: 'r:', status: ':s', detail: ':d', compensation: ':c', task: ':t:' } as const;

export const resultField = {
  status: (index: number): string => `${RESULT_FIELD.prefix}${index}${RESULT_FIELD.status}`,
  detail: (index: number): string => `${RESULT_FIELD.prefix}${index}${RESULT_FIELD.detail}`,
  compensation: (index: number): string => `${RESULT_FIELD.prefix}${index}${RESULT_FIELD.compensation}`,
  task: (index: number, taskId: string): string => `${RESULT_FIELD.prefix}${index}${RESULT_FIELD.task}${taskId}`,
};

const quoted = <T extends Record<string, string>>(names: T) =>
  Object.fromEntries(Object.entries(names).map(([k, v]) => [k, `'${v}'`])) as { [P in keyof T]: string };

/** The same names as Lua expressions, interpolated into the scripts: `${F.status}` is `'status'`. */
export const OPERATION_LUA = {
  F: quoted(OPERATION_FIELDS),
  /** Lua expression of a result's field, given the Lua expression of its index. */
  resultStatus: (index: string): string => `'${RESULT_FIELD.prefix}' .. ${index} .. '${RESULT_FIELD.status}'`,
  resultDetail: (index: string): string => `'${RESULT_FIELD.prefix}' .. ${index} .. '${RESULT_FIELD.detail}'`,
  resultCompensation: (index: string): string => `'${RESULT_FIELD.prefix}' .. ${index} .. '${RESULT_FIELD.compensation}'`,
  /** Prefix of a result's task fields (the task id follows). */
  resultTaskPrefix: (index: string): string => `'${RESULT_FIELD.prefix}' .. ${index} .. '${RESULT_FIELD.task}'`,
};

export function encodeResultDetail(detail: ResultDetail | undefined): string {
  return detail ? JSON.stringify(detail) : '';
}

export function encodeTaskState(task: GcoreTaskState): string {
  return JSON.stringify(task);
}

/** A task field's value; '' (not recorded yet) is undefined. */
export function decodeTaskState(json: string | null | undefined): GcoreTaskState | undefined {
  return json ? (JSON.parse(json) as GcoreTaskState) : undefined;
}

/** Lifts a hash of an older version to the fields of the current one (1 → 2: the same fields). */
function upgradeOperationHash(hash: Record<string, string>, _version: number): Record<string, string> {
  return hash;
}

/**
 * The operation as stored (any version up to the current; a newer one as far as its fields are known), or null for a
 * hash without a record (expired, never written).
 */
export function decodeOperation(stored: Record<string, string>): StoredOperation | null {
  if (!stored[OPERATION_FIELDS.meta]) return null;
  const schemaVersion = parseSchemaVersion(stored[OPERATION_FIELDS.schemaVersion]);
  const hash = schemaVersion < OPERATION_SCHEMA_VERSION ? upgradeOperationHash(stored, schemaVersion) : stored;
  const meta = JSON.parse(hash[OPERATION_FIELDS.meta]) as OperationMeta;
  const updates = JSON.parse(hash[OPERATION_FIELDS.updates]) as Update[];
  const results: OperationResult[] = updates.map((update, index) => {
    const detailJson = hash[resultField.detail(index)];
    const detail = detailJson ? (JSON.parse(detailJson) as ResultDetail) : {};
    const compensationJson = hash[resultField.compensation(index)];
    const result: OperationResult = {
      index,
      target: update.target,
      status: hash[resultField.status(index)] as ResultStatus,
      changes: update.changes,
      ...detail,
      ...(compensationJson ? { compensation: JSON.parse(compensationJson) as Compensation } : {}),
    };
    if (detail.gcore) {
      result.gcore = {
        taskIds: detail.gcore.taskIds,
        tasks: detail.gcore.taskIds.map((taskId) => decodeTaskState(hash[resultField.task(index, taskId)]) ?? { id: taskId, state: 'NEW', error: null }),
      };
    }
    return result;
  });
  return {
    schemaVersion,
    meta,
    updates,
    rawResults: results,
    seq: Number(hash[OPERATION_FIELDS.seq] ?? 0),
    callbackSecret: hash[OPERATION_FIELDS.callbackSecret] || undefined,
    compensationOperationId: hash[OPERATION_FIELDS.compensationOperation] || undefined,
    operation: {
      id: meta.id,
      status: hash[OPERATION_FIELDS.status] as OperationStatus,
      createdAt: meta.createdAt,
      updatedAt: hash[OPERATION_FIELDS.updatedAt],
      completedAt: hash[OPERATION_FIELDS.completedAt] || null,
      reference: meta.reference,
      dryRun: meta.dryRun,
      requestedBy: meta.apiKeyName,
      ...(meta.revertOf ? { revertOf: meta.revertOf, skipped: meta.skipped ?? [] } : {}),
      ...(hash[OPERATION_FIELDS.revertedBy] ? { revertedBy: hash[OPERATION_FIELDS.revertedBy].split(',') } : {}),
      ...(meta.rollout ? { rollout: decodeRollout(meta.rollout, hash, updates) } : {}),
      results,
    },
  };
}

/** A rollout's plan and the progress its scripts keep in the hash. */
function decodeRollout(plan: RolloutPlan, hash: Record<string, string>, updates: Update[]): RolloutStatus {
  const resumesAtMs = Number(hash[OPERATION_FIELDS.rolloutResumesAtMs] || 0);
  const notRestored = hash[OPERATION_FIELDS.rolloutNotRestored];
  const state = (hash[OPERATION_FIELDS.rolloutState] || 'RUNNING') as RolloutState;
  return {
    ...plan,
    current: Number(hash[OPERATION_FIELDS.rolloutCurrent] ?? 0),
    state,
    ...(state === 'PAUSED' && resumesAtMs ? { resumesAt: new Date(resumesAtMs).toISOString() } : {}),
    ...(notRestored
      ? {
          notRestored: (JSON.parse(notRestored) as { index: number; reason: string }[]).map(({ index, reason }) => ({
            index,
            target: updates[index].target,
            reason,
          })),
        }
      : {}),
  };
}
