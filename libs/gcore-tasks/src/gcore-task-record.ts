import { ERROR_CODES, GcoreTaskState, ResultError, SettledTask } from '@rpg/routing-policy';

/**
 * How a task's loop ended, as kept in its settled record (shared by every waiter, also later ones): the task's own end
 * (FINISHED, ERROR), TIMEOUT (still running at the deadline), or UNREADABLE (the task could not be read: 404 beyond the
 * grace, 401/403; `failure` holds the result error and `seen` the last state read, the task was never seen ending).
 */
export type LoopEnd = 'FINISHED' | 'ERROR' | 'TIMEOUT' | 'UNREADABLE';
const LOOP_ENDS: readonly LoopEnd[] = ['FINISHED', 'ERROR', 'TIMEOUT', 'UNREADABLE'];

export interface SettledRecord {
  state: LoopEnd;
  error: string | null;
  failure?: ResultError;
  seen?: GcoreTaskState['state'];
}

/** Fields of the task hash (`task:<id>`), in the order the scripts reply them. Renaming one breaks stored records. */
export const TASK_RECORD_FIELDS = ['state', 'error', 'failure', 'seen'] as const;

/**
 * The hash's schema version, field `v`, written with every settled record (absent: 1, before versions existed). 1 → 2
 * added only `v`, so decodeTaskRecord reads both alike; a newer record is read by its known fields (the HSET of a
 * settle writes these fields only, keeping any other).
 */
export const TASK_RECORD_SCHEMA_VERSION = 2;
const TASK_RECORD_VERSION_FIELD = 'v';
type TaskRecordValues = { [P in (typeof TASK_RECORD_FIELDS)[number]]: string };

/** The same names and rules as Lua, interpolated into gcore-task.scripts.ts. */
export const TASK_RECORD_LUA = {
  /** `'state'`, then the other fields, then all of them: `'state', 'error', 'failure', 'seen'` (HMGET / reply order). */
  state: `'${TASK_RECORD_FIELDS[0]}'`,
  others: TASK_RECORD_FIELDS.slice(1)
    .map((f) => `'${f}'`)
    .join(', '),
  fields: TASK_RECORD_FIELDS.map((f) => `'${f}'`).join(', '),
  /** HSET arguments: each field followed by the Lua expression of its value, and the schema version. */
  set: (values: TaskRecordValues): string =>
    [...TASK_RECORD_FIELDS.map((f) => `'${f}', ${values[f]}`), `'${TASK_RECORD_VERSION_FIELD}', ${TASK_RECORD_SCHEMA_VERSION}`].join(', '),
  /** Lua condition: the variable holds the state of a settled record. */
  ended: (variable: string): string => LOOP_ENDS.map((end) => `${variable} == '${end}'`).join(' or '),
};

/** A record as script arguments ('' for what it lacks). */
export function encodeTaskRecord(record: SettledRecord): TaskRecordValues {
  return { state: record.state, error: record.error ?? '', failure: record.failure ? JSON.stringify(record.failure) : '', seen: record.seen ?? '' };
}

/** A record as the scripts reply it: [state, error, failure JSON, seen]. */
export function decodeTaskRecord([state, error, failure, seen]: string[]): SettledRecord {
  let parsed: ResultError | undefined;
  try {
    parsed = failure ? (JSON.parse(failure) as ResultError) : undefined;
  } catch {
    parsed = undefined;
  }
  return { state: state as LoopEnd, error: error || null, failure: parsed, seen: (seen || undefined) as GcoreTaskState['state'] | undefined };
}

/** What a settled record tells every waiter of the task. */
export function settledTaskOf(taskId: string, { state, error, failure, seen }: SettledRecord): SettledTask {
  if (state === 'TIMEOUT') {
    return {
      task: { id: taskId, state: 'RUNNING', error: null },
      failure: { code: ERROR_CODES.taskTimeout, message: `Gcore task ${taskId} ${error ?? 'timed out'}` },
    };
  }
  if (state === 'UNREADABLE') {
    // the task never showed an end: the target fails, its task keeps the last state read (never ERROR)
    return {
      task: { id: taskId, state: seen ?? 'NEW', error: null },
      failure: failure ?? { code: ERROR_CODES.providerError, message: error ?? `Gcore task ${taskId} could not be read` },
    };
  }
  const task: GcoreTaskState = { id: taskId, state, error };
  return state === 'ERROR'
    ? {
        task,
        failure: {
          code: ERROR_CODES.taskFailed,
          message: `Gcore task ${taskId} ended in ERROR: ${error ?? 'no error text'}`,
          providerBody: { id: taskId, state, error },
        },
      }
    : { task };
}
