import { GcoreTaskState, Operation, OperationResult, OperationStatus, ResultDetail, ResultStatus, SkippedTarget, Update } from '@rpg/routing-policy';
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
} as const;

/**
 * The version of the record this release creates. 1 → 2 added only `v`. A record's fields are read by name, so a newer
 * record reads as far as its known fields go, and the scripts HSET their own fields only: its unknown ones stay.
 */
export const OPERATION_SCHEMA_VERSION = 2;

/** Per result `r:<index>:<part>`: its status, its detail (JSON), and each of its Gcore tasks (`t:<taskId>`, JSON). */
const RESULT_FIELD = { prefix: 'r:', status: ':s', detail: ':d', task: ':t:' } as const;

export const resultField = {
  status: (index: number): string => `${RESULT_FIELD.prefix}${index}${RESULT_FIELD.status}`,
  detail: (index: number): string => `${RESULT_FIELD.prefix}${index}${RESULT_FIELD.detail}`,
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
    const result: OperationResult = {
      index,
      target: update.target,
      status: hash[resultField.status(index)] as ResultStatus,
      changes: update.changes,
      ...detail,
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
      results,
    },
  };
}
