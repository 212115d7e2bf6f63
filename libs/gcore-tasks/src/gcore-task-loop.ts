import { versionedJsonCodec } from '@rpg/redis';

/**
 * One task's poll loop between two polls: what the next poll needs to know. Kept as JSON in the loop's hash (field
 * `data`, see GcoreTaskLoopStore); when the next poll is due and how many polls failed in a row are fields of their own.
 */
export interface GcoreTaskLoop {
  taskId: string;
  startedAt: number;
  deadlineAt: number;
  polls: number;
  lastState?: string;
  taskType?: string;
  /** Gcore `projectId:regionId` of the task, when known: the task sweep covers it. */
  scope?: string;
  /** Since when (epoch ms) every read of the task answered 404 (eventual consistency: bounded by GCORE_TASK_NOT_FOUND_GRACE_MS). */
  notFoundSince?: number;
  /** The trace context of the call that started the loop (tracing on): each poll is a span of that trace. */
  traceparent?: string;
}

/** The start of a task's loop (the poll counters begin at zero). */
export type GcoreTaskLoopStart = Pick<GcoreTaskLoop, 'taskId' | 'startedAt' | 'deadlineAt' | 'scope' | 'traceparent'>;

/**
 * The `queue` label of the poll lateness histogram (job_wait_seconds) and of a poll's error line: the name the polls
 * had as BullMQ jobs, kept so dashboards and log searches go on working.
 */
export const GCORE_TASK_POLLS = 'gcore-tasks';

/** Schema version of the loop's JSON (its `v`); 1 is the first. */
export const TASK_LOOP_SCHEMA_VERSION = 1;
const loopCodec = versionedJsonCodec<GcoreTaskLoop>(TASK_LOOP_SCHEMA_VERSION, (older) => older as unknown as GcoreTaskLoop);

/** A fresh loop: no poll yet. */
export function startLoop({ taskId, startedAt, deadlineAt, scope, traceparent }: GcoreTaskLoopStart): GcoreTaskLoop {
  return { taskId, startedAt, deadlineAt, polls: 0, ...(scope ? { scope } : {}), ...(traceparent ? { traceparent } : {}) };
}

export function encodeTaskLoop(loop: GcoreTaskLoop): string {
  return loopCodec.encode(loop);
}

/** The loop as stored. Throws on a record that is not one (a bug: the poller abandons the loop). */
export function decodeTaskLoop(raw: string): GcoreTaskLoop {
  const loop = loopCodec.decode(raw) as GcoreTaskLoop | null;
  if (loop === null || typeof loop !== 'object' || typeof loop.taskId !== 'string') throw new TypeError('task loop record is not a loop');
  return loop;
}
