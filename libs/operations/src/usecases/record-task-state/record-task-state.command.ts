import type { GcoreTaskState, SettledTask, TaskWaiter } from '@rpg/routing-policy';

export interface RecordTaskStateCommand {
  /** The target waiting on the task. */
  waiter: TaskWaiter;
  /** The task's state now; `failure` when the wait for it ended without the task ending (timeout, bug). */
  settled: SettledTask | { task: GcoreTaskState; failure?: undefined };
}
