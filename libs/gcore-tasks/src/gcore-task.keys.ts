import { Injectable } from '@nestjs/common';
import { RedisKeys } from '@rpg/redis';
import type { TaskScope } from '@rpg/routing-policy';

/** `projectId:regionId`: how a task scope is written in keys, sets and job data. */
export function scopeName(scope: TaskScope): string {
  return `${scope.projectId}:${scope.regionId}`;
}

export function parseScopeName(name: string): TaskScope | null {
  const m = /^(\d+):(\d+)$/.exec(name);
  return m ? { projectId: Number(m[1]), regionId: Number(m[2]) } : null;
}

/** Redis keys of task tracking: per-task records, the poll schedule, per-scope in-flight sets, and the sweep's marks (set and read by GcoreSweepTrust only). */
@Injectable()
export class GcoreTaskKeys {
  constructor(private readonly keys: RedisKeys) {}

  task(id: string): string {
    return this.keys.key('task', id);
  }
  waiters(id: string): string {
    return this.keys.key('taskw', id);
  }
  /**
   * Sorted set: the poll schedule, one member per task id being followed, scored by when its next poll is due (ms), or,
   * while a worker polls it, by when that worker's lease runs out (a crashed worker's polls come due again then).
   */
  loops(): string {
    return this.keys.key('task-loops');
  }
  /** Hash: one task's poll loop between two polls (GcoreTaskLoopStore: its state, due time, failures, end). */
  loop(id: string): string {
    return this.keys.key('task-loop', id);
  }
  /** Pub/sub channel: a loop was brought forward (pollNow), pollers sleeping until a later due time wake up. */
  loopsDueChannel(): string {
    return this.keys.key('task-loops-due');
  }
  /** Sorted set: task ids in flight in one scope, scored by registration time (ms). */
  inflight(scope: string): string {
    return this.keys.key('tasks-inflight', scope);
  }
  scopes(): string {
    return this.keys.key('tasks-inflight-scopes');
  }
  /** Present while the latest sweep of the scope listed it completely: per-task polls may then be sparse. */
  sweepOk(scope: string): string {
    return this.keys.key('tasksweep-ok', scope);
  }
  /** Present while the scope's listing is not trusted (failed, or claimed a running task had ended). */
  sweepBad(scope: string): string {
    return this.keys.key('tasksweep-bad', scope);
  }
  /** Count of tasks a paged listing claimed ended while they ran, over the last minute. */
  sweepMisses(scope: string): string {
    return this.keys.key('tasksweep-misses', scope);
  }
  /** Which worker sweeps this tick (its token), then until the next tick is due. */
  sweepLock(): string {
    return this.keys.key('tasksweep-lock');
  }
  /** Present while a scope waits for its next listing (few tasks in flight are listed less often). */
  sweepNext(scope: string): string {
    return this.keys.key('tasksweep-next', scope);
  }
}
