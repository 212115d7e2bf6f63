/**
 * 4 many in flight: thousands of operations with tasks of 30-60 s (8-15 s with --quick): completion, lateness of
 * every scheduled poll (sampled from the poll schedule: due → claimed), worker peak RSS (/proc VmHWM).
 */
import Redis from 'ioredis';
import { BenchContext } from '../context';
import { fmt, maxOf, percentile, resetPeakRss, rssOf } from '../lib';
import { cpuMeter, cpuNote } from '../meters';
import { forgetTaskDurations, sandboxCounts, sandboxTasks, submitMany } from '../operations';
import { ratio } from '../report';

interface LatenessBucket {
  polls: number;
  late1s: number;
  max: number;
}

/** How often the poll schedule is sampled: the resolution of every lateness figure. */
const SAMPLE_MS = 20;

/**
 * Samples the task poll schedule (the sorted set `task-loops`, task id → due time; a claimed loop's score is its
 * lease, in the future) until stopped: every SAMPLE_MS it lists the loops due by now that no poller has claimed yet. A
 * loop seen waiting and gone at the next sample was claimed in between: its lateness is at most that sample's time
 * minus its due time (also per 10 s bucket from the start of reading). A poll whose loop no sample saw waiting was
 * claimed within one interval of its due time: it counts as SAMPLE_MS late. Every figure is an upper bound.
 */
function watchPollLateness(redisUrl: string, scheduleKey: string) {
  const reader = new Redis(redisUrl, { maxRetriesPerRequest: null });
  /** `<task id> <due>` of the loops the last sample saw waiting. */
  let waiting = new Set<string>();
  const lateness: number[] = [];
  const buckets: LatenessBucket[] = [];
  const watch = { lateness, buckets, samples: 0 };
  let reading = true;
  const tRead = Date.now();
  const readLoop = (async () => {
    while (reading) {
      const t = Date.now();
      const due = await reader.zrangebyscore(scheduleKey, '-inf', t, 'WITHSCORES');
      watch.samples++;
      const now = new Set<string>();
      for (let i = 0; i + 1 < due.length; i += 2) now.add(`${due[i]} ${due[i + 1]}`);
      for (const seen of waiting) {
        if (now.has(seen)) continue;
        const late = t - Number(seen.slice(seen.indexOf(' ') + 1));
        lateness.push(late);
        const b = (buckets[Math.floor((t - tRead) / 10_000)] ??= { polls: 0, late1s: 0, max: 0 });
        b.polls++;
        if (late > 1000) b.late1s++;
        b.max = Math.max(b.max, late);
      }
      waiting = now;
      await new Promise((r) => setTimeout(r, Math.max(0, SAMPLE_MS - (Date.now() - t))));
    }
  })();
  const stop = async (): Promise<void> => {
    reading = false;
    await readLoop.catch(() => undefined);
    reader.disconnect();
  };
  return { watch, stop };
}

export async function scenarioManyInFlight({ config, stack, http, receiver, results, policies: pool }: BenchContext): Promise<void> {
  const { ops, minMs, maxMs, graceMs } = config.many;
  await forgetTaskDurations(stack.redis, stack.prefix); // earlier scenarios taught it other durations
  await http.sandbox('PATCH', '/__sandbox/config', { taskDurationMinMs: minMs, taskDurationMaxMs: maxMs });
  const { watch, stop } = watchPollLateness(stack.redisUrl, `{${stack.prefix}}:task-loops`);
  const pid = stack.worker.proc.pid!;
  const hwmReset = resetPeakRss(pid);
  let peakSampled = rssOf(pid)?.rssMb ?? 0;
  const sampler = setInterval(() => (peakSampled = Math.max(peakSampled, rssOf(pid)?.rssMb ?? 0)), 250);

  const policies = pool.take(ops);
  const since = (await sandboxTasks(http, 0)).next;
  const c0 = await sandboxCounts(http);
  const cpu = cpuMeter(stack.children);
  const t0 = Date.now();
  const opIds = await submitMany(
    http,
    policies.map((policyId, i) => ({ policyId, name: `s4-${i}` })),
    64,
  );
  const submitS = (Date.now() - t0) / 1000;
  const done = await receiver.waitCompleted(opIds, maxMs + graceMs);
  const totalS = (Date.now() - t0) / 1000;
  const cpuUse = cpu();
  clearInterval(sampler);
  const rss = rssOf(pid);
  await stop();
  await http.sandbox('PATCH', '/__sandbox/config', { taskDurationMinMs: null, taskDurationMaxMs: null });

  const { buckets, samples } = watch;
  const succeeded = opIds.filter((id) => receiver.completions.get(id)?.status === 'SUCCEEDED').length;
  // what a user sees of polling: from the sandbox marking the task FINISHED to the signed operation.completed
  const finishes = new Map((await sandboxTasks(http, since)).tasks.map((t) => [t.id, t.finishAtMs]));
  const detectLag: number[] = [];
  for (const id of opIds) {
    const c = receiver.completions.get(id);
    const finishAt = c?.taskIds[0] ? finishes.get(c.taskIds[0]) : undefined;
    if (c && finishAt !== undefined) detectLag.push(c.at - finishAt);
  }
  const counts = await sandboxCounts(http);
  // one poll, one task GET: the polls no sample saw waiting were claimed within SAMPLE_MS
  const polls = Math.max(counts.taskGets - c0.taskGets, watch.lateness.length);
  const lateness = [...watch.lateness, ...new Array<number>(polls - watch.lateness.length).fill(SAMPLE_MS)];
  const late1s = lateness.filter((l) => l > 1000).length;
  const maxLate = maxOf(lateness);
  const peakMb = hwmReset && rss ? rss.hwmMb : peakSampled;
  results.details.many = {
    ops,
    taskMs: [minMs, maxMs],
    submitSeconds: submitS,
    secondsToLastCompletion: totalS,
    completed: done,
    succeeded,
    polls: lateness.length,
    pollsSeenWaiting: watch.lateness.length,
    scheduleSamples: samples,
    latenessResolutionMs: SAMPLE_MS,
    lateness: { p50: percentile(lateness, 50), p99: percentile(lateness, 99), max: maxLate, over1s: late1s },
    finishedToCompleted: {
      p50: percentile(detectLag, 50),
      p99: percentile(detectLag, 99),
      max: detectLag.length ? maxOf(detectLag) : null,
      n: detectLag.length,
    },
    taskGets: counts.taskGets - c0.taskGets,
    taskListings: counts.taskLists - c0.taskLists,
    latenessPer10s: buckets.map((b, i) => ({ fromS: i * 10, ...b })),
    cpuPercent: cpuUse,
    workerCpuMsPerPoll: lateness.length ? ((cpuUse.worker ?? 0) * 10 * totalS) / lateness.length : null, // includes the ops' calls, settles and webhooks
    workerRssMb: { peak: peakMb, peakSampled, source: hwmReset ? 'VmHWM (reset before the scenario)' : 'sampled VmRSS every 250 ms', endRss: rss?.rssMb },
  };
  const note = `${fmt(ops, 0)} ops, tasks ${minMs / 1000}-${maxMs / 1000} s; submitted in ${fmt(submitS, 1)} s; last done at ${fmt(totalS, 0)} s`;
  const gets = `${fmt(counts.taskGets - c0.taskGets, 0)} task GETs + ${fmt(counts.taskLists - c0.taskLists, 0)} listings`;
  const cpuPerPoll = fmt(((cpuUse.worker ?? 0) * 10 * totalS) / Math.max(1, lateness.length), 2);
  results.row({
    scenario: '4 many',
    figure: 'operations completed (SUCCEEDED)',
    value: succeeded,
    unit: 'ops',
    baseline: ops,
    baselineLabel: 'submitted',
    ratio: ratio(succeeded, ops),
    goal: 'all',
    met: succeeded === ops,
    note,
  });
  results.row({ scenario: '4 many', figure: 'scheduled poll lateness p50', value: percentile(lateness, 50), unit: 'ms', baseline: null, ratio: null });
  results.row({ scenario: '4 many', figure: 'scheduled poll lateness p99', value: percentile(lateness, 99), unit: 'ms', baseline: null, ratio: null });
  results.row({
    scenario: '4 many',
    figure: 'scheduled poll lateness max',
    value: maxLate,
    unit: 'ms',
    baseline: null,
    ratio: null,
    goal: '≤ 1000 ms',
    met: late1s === 0 && lateness.length > 0,
    note: `${fmt(lateness.length, 0)} polls, ${fmt(late1s, 0)} late by > 1 s (upper bounds, sampled every ${SAMPLE_MS} ms)`,
  });
  results.row({
    scenario: '4 many',
    figure: 'task FINISHED → operation.completed p99',
    value: percentile(detectLag, 99),
    unit: 'ms',
    baseline: null,
    ratio: null,
    note: `max ${fmt(maxOf(detectLag), 0)} ms; ${gets}`,
  });
  results.row({
    scenario: '4 many',
    figure: 'worker peak RSS',
    value: peakMb,
    unit: 'MB',
    baseline: null,
    ratio: null,
    goal: '≤ 200 MB',
    met: peakMb <= 200,
    note: `${cpuNote(cpuUse)}; worker CPU per poll ≤ ${cpuPerPoll} ms (all its work / polls)`,
  });
}
