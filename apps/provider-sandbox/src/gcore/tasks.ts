import { randomUUID } from 'node:crypto';

export type TaskState = 'NEW' | 'RUNNING' | 'FINISHED' | 'ERROR';

/** A Gcore task. Its state is derived from the clock, so nothing has to run in the background. */
export interface TaskRecord {
  id: string;
  taskType: string;
  projectId: number;
  regionId: number;
  data: unknown;
  requestId: string;
  createdAtMs: number;
  durationMs: number;
  /** End of the NEW phase: min(200 ms, 20 % of the duration) after creation. */
  runningAtMs: number;
  /** The moment the task becomes terminal. */
  finishAtMs: number;
  /** Failure text; shown (and state ERROR) once the task is terminal. */
  failWith: string | null;
}

export const SANDBOX_USER_ID = 1001;
export const SANDBOX_CLIENT_ID = 1;

export interface NewTask {
  taskType: string;
  projectId: number;
  regionId: number;
  data: unknown;
  requestId: string;
  durationMs: number;
  failWith: string | null;
}

/** Naive UTC timestamp `YYYY-MM-DDTHH:mm:ss`, as Gcore writes them. */
function naiveUtc(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19);
}

export function taskState(t: TaskRecord, now: number): TaskState {
  if (now >= t.finishAtMs) return t.failWith === null ? 'FINISHED' : 'ERROR';
  return now < t.runningAtMs ? 'NEW' : 'RUNNING';
}

export class TaskStore {
  private tasks = new Map<string, TaskRecord>();

  create(spec: NewTask, now: number): TaskRecord {
    const durationMs = Math.max(0, spec.durationMs);
    const t: TaskRecord = {
      id: randomUUID(),
      taskType: spec.taskType,
      projectId: spec.projectId,
      regionId: spec.regionId,
      data: spec.data,
      requestId: spec.requestId,
      createdAtMs: now,
      durationMs,
      runningAtMs: now + Math.min(200, durationMs * 0.2),
      finishAtMs: now + durationMs,
      failWith: spec.failWith,
    };
    this.tasks.set(t.id, t);
    return t;
  }

  get(id: string): TaskRecord | undefined {
    return this.tasks.get(id);
  }

  all(): IterableIterator<TaskRecord> {
    return this.tasks.values();
  }

  clear(): void {
    this.tasks.clear();
  }
}

/** The Task object of `GET /cloud/v1/tasks/{id}`. */
export function taskView(t: TaskRecord, now: number): Record<string, unknown> {
  const state = taskState(t, now);
  const terminal = state === 'FINISHED' || state === 'ERROR';
  const updatedMs = terminal ? t.finishAtMs : state === 'RUNNING' ? t.runningAtMs : t.createdAtMs;
  return {
    id: t.id,
    state,
    task_type: t.taskType,
    user_id: SANDBOX_USER_ID,
    client_id: SANDBOX_CLIENT_ID,
    project_id: t.projectId,
    region_id: t.regionId,
    created_on: naiveUtc(t.createdAtMs),
    updated_on: naiveUtc(updatedMs),
    finished_on: terminal ? naiveUtc(t.finishAtMs) : null,
    acknowledged_at: null,
    acknowledged_by: null,
    error: state === 'ERROR' ? t.failWith : null,
    created_resources: {
      loadbalancers: [],
      listeners: [],
      pools: [],
      members: [],
      healthmonitors: [],
      l7polices: [],
      l7rules: [],
      floatingips: [],
    },
    data: t.data,
    request_id: t.requestId,
    detailed_state: null,
  };
}

/** The task plus the exact timing, for `GET /__sandbox/tasks/{id}`. */
export function taskControlView(t: TaskRecord, now: number): Record<string, unknown> {
  return { ...taskView(t, now), durationMs: t.durationMs, createdAtMs: t.createdAtMs, finishAtMs: t.finishAtMs };
}
