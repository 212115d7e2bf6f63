/**
 * 4 many in flight: thousands of operations with tasks of 30-60 s (8-15 s with --quick): completion, lateness of
 * every scheduled poll (BullMQ events stream: 'delayed' timestamp → 'active'), worker peak RSS (/proc VmHWM).
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

/**
 * Reads the gcore-tasks queue's events stream until stopped: for every job that was delayed and then became active,
 * how late it started (ms), also per 10 s bucket from the start of reading.
 */
function watchPollLateness(redisUrl: string, streamKey: string) {
  const reader = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const scheduled = new Map<string, number>();
  const lateness: number[] = [];
  const buckets: LatenessBucket[] = [];
  const watch = { lateness, buckets, unmatched: 0 };
  let reading = true;
  let lastId = '$';
  const tRead = Date.now();
  const readLoop = (async () => {
    while (reading) {
      const res = await reader.xread('COUNT', 10_000, 'BLOCK', 200, 'STREAMS', streamKey, lastId);
      if (!res) continue;
      for (const [id, fields] of res[0][1]) {
        lastId = id;
        const f: Record<string, string> = {};
        for (let i = 0; i + 1 < fields.length; i += 2) f[fields[i]] = fields[i + 1];
        if (f.event === 'delayed') scheduled.set(f.jobId, Number(f.delay));
        else if (f.event === 'active') {
          const at = scheduled.get(f.jobId);
          if (at === undefined) watch.unmatched++;
          else {
            const t = Number(id.split('-')[0]);
            lateness.push(t - at);
            const b = (buckets[Math.floor((t - tRead) / 10_000)] ??= { polls: 0, late1s: 0, max: 0 });
            b.polls++;
            if (t - at > 1000) b.late1s++;
            b.max = Math.max(b.max, t - at);
            scheduled.delete(f.jobId);
          }
        }
      }
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
  const { watch, stop } = watchPollLateness(stack.redisUrl, `{${stack.prefix}}:gcore-tasks:events`);
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

  const { lateness, buckets, unmatched } = watch;
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
    unmatchedActive: unmatched,
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
    note: `${fmt(lateness.length, 0)} polls, ${fmt(late1s, 0)} late by > 1 s`,
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
    goal: '≤ 300 MB',
    met: peakMb <= 300,
    note: `${cpuNote(cpuUse)}; worker CPU per poll ≤ ${cpuPerPoll} ms (all its work / polls)`,
  });
}
