/** Poll schedules computed without any overhead: the official SDKs' and this gateway's, for given task durations. */
// the schedule's own file, not the @rpg/gcore-tasks barrel: the barrel loads Nest and BullMQ into the load driver
import { GcoreTaskSchedule } from '../../libs/gcore-tasks/src/gcore-task.schedule';

export interface ComputedPolls {
  gets: number;
  /** From the task finishing to the GET that sees it finished. */
  lagMs: number;
}

const SDK_INTERVAL_MS = 3000;
// GCORE_TASK_POLL_INITIAL_MS and GCORE_TASK_POLL_MAX_MS defaults (the bench runs the defaults)
const OWN_SCHEDULE = new GcoreTaskSchedule({ initialMs: 1000, maxMs: 2000 });

/** The official SDKs: GET at once, then every 3 s until FINISHED. */
export function sdkSchedule(durationMs: number): ComputedPolls {
  const k = Math.max(0, Math.ceil(durationMs / SDK_INTERVAL_MS));
  return { gets: k + 1, lagMs: k * SDK_INTERVAL_MS - durationMs };
}

/** This gateway's default schedule without learning (GcoreTaskSchedule with no expected duration). */
export function ownSchedule(durationMs: number): ComputedPolls {
  let t = OWN_SCHEDULE.firstDelay();
  let gets = 1;
  while (t < durationMs) {
    t += OWN_SCHEDULE.nextDelay(gets, t);
    gets++;
  }
  return { gets, lagMs: t - durationMs };
}
