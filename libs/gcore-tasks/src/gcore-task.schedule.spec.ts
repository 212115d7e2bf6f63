import { EnvironmentVariables } from '@rpg/config';
import { GcoreTaskSchedule } from './gcore-task.schedule';

/** Mean detection delay (ms after the task really ended) and mean GETs per task, over durations uniform in [fromMs, toMs]. */
interface Outcome {
  meanLateMs: number;
  meanGets: number;
}

const FROM_MS = 2_000;
const TO_MS = 20_000;
const STEP_MS = 5;

function integrate(run: (durationMs: number) => { detectedAt: number; gets: number }): Outcome {
  let late = 0;
  let gets = 0;
  let n = 0;
  for (let d = FROM_MS; d <= TO_MS; d += STEP_MS) {
    const r = run(d);
    late += r.detectedAt - d;
    gets += r.gets;
    n++;
  }
  return { meanLateMs: late / n, meanGets: gets / n };
}

/** The official SDKs (python/go `tasks.poll`): GET at once, then every 3 s until FINISHED. */
function sdk(durationMs: number): { detectedAt: number; gets: number } {
  let t = 0;
  let gets = 1;
  while (t < durationMs) {
    t += 3_000;
    gets++;
  }
  return { detectedAt: t, gets };
}

/** Our watcher: first GET after firstDelay(), then nextDelay(polls, elapsed, learned duration) (as GcoreTaskWatcher.poll does). */
function ours(schedule: GcoreTaskSchedule, expectedMs?: number) {
  return (durationMs: number): { detectedAt: number; gets: number } => {
    let t = schedule.firstDelay();
    let gets = 1;
    let polls = 0;
    while (t < durationMs) {
      polls++;
      t += schedule.nextDelay(polls, t, expectedMs);
      gets++;
    }
    return { detectedAt: t, gets };
  };
}

describe('GcoreTaskSchedule', () => {
  const env = new EnvironmentVariables();

  it('the configured defaults are 1000 ms first / 2000 ms cap (as documented on the schedule)', () => {
    expect(env.GCORE_TASK_POLL_INITIAL_MS).toBe(1000);
    expect(env.GCORE_TASK_POLL_MAX_MS).toBe(2000);
  });

  it('the SDK baseline matches the reference (≈1.5 s late, ≈5.2 GETs on 2-20 s tasks)', () => {
    const s = integrate(sdk);
    expect(s.meanLateMs).toBeGreaterThan(1_400);
    expect(s.meanLateMs).toBeLessThan(1_600);
    expect(s.meanGets).toBeGreaterThan(5.0);
    expect(s.meanGets).toBeLessThan(5.3);
  });

  it('the default schedule detects the end sooner than the SDK on average, with at most 1.5× its GETs', () => {
    const schedule = new GcoreTaskSchedule({ initialMs: env.GCORE_TASK_POLL_INITIAL_MS, maxMs: env.GCORE_TASK_POLL_MAX_MS });
    const baseline = integrate(sdk);
    const result = integrate(ours(schedule));
    expect(result.meanLateMs).toBeLessThan(baseline.meanLateMs);
    expect(result.meanGets).toBeLessThanOrEqual(1.5 * baseline.meanGets);
    // the figure documented on GcoreTaskSchedule: ≈0.98 s late (SDK ≈1.49 s)
    expect(result.meanLateMs).toBeLessThan(1_000);
  });

  it('grows by 1.2× from the first interval and never waits longer than the cap', () => {
    const schedule = new GcoreTaskSchedule({ initialMs: 1000, maxMs: 2000 });
    expect(schedule.firstDelay()).toBe(1000);
    expect([1, 2, 3, 4, 5, 50].map((p) => schedule.nextDelay(p, 0))).toEqual([1200, 1440, 1728, 2000, 2000, 2000]);
  });

  it('with a learned steady duration it sleeps after the first GET until shortly before the expected end, then polls densely', () => {
    const schedule = new GcoreTaskSchedule({ initialMs: 1000, maxMs: 2000 });
    // the first GET tells the task type: from there, 85 % of the time left
    expect(schedule.nextDelay(1, 1_000, 10_000)).toBe(7_650);
    const run = ours(schedule, 10_000)(10_000);
    expect(run.gets).toBeLessThanOrEqual(4);
    expect(run.detectedAt - 10_000).toBeLessThanOrEqual(250);
    // a task much longer than expected falls back to the capped schedule
    expect(schedule.nextDelay(9, 16_000, 10_000)).toBe(2000);
  });
});
