/**
 * Preloaded (`node -r`) into the gateway by every bench run: where a slow answer at half rate comes from inside the
 * process. The first SIGUSR2 starts measuring the event loop's delay (how late a timer set for now runs: the time a
 * request waits behind other work of the process, GC included) and every GC pause; the next one stops and writes them
 * to BENCH_PAUSES_FILE as JSON. Nothing runs between the signals, so the max-load runs are not touched.
 */
import { renameSync, writeFileSync } from 'node:fs';
import { PerformanceObserver, constants, monitorEventLoopDelay } from 'node:perf_hooks';
import type { PerformanceEntry } from 'node:perf_hooks';

const out = process.env.BENCH_PAUSES_FILE ?? `gateway-${process.pid}.pauses.json`;
const delay = monitorEventLoopDelay({ resolution: 2 });
const GC_KINDS: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
};
let pauses: { kind: string; ms: number }[] = [];
const gc = new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    const kind = (entry as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind;
    pauses.push({ kind: GC_KINDS[kind ?? -1] ?? String(kind), ms: entry.duration });
  }
});
let since = 0;

process.on('SIGUSR2', () => {
  if (!since) {
    since = performance.now();
    pauses = [];
    delay.reset();
    delay.enable();
    gc.observe({ entryTypes: ['gc'] });
    return;
  }
  delay.disable();
  gc.disconnect();
  const byKind: Record<string, { count: number; totalMs: number; maxMs: number }> = {};
  for (const p of pauses) {
    const k = (byKind[p.kind] ??= { count: 0, totalMs: 0, maxMs: 0 });
    k.count++;
    k.totalMs += p.ms;
    k.maxMs = Math.max(k.maxMs, p.ms);
  }
  const ms = (ns: number) => ns / 1e6;
  const report = {
    windowMs: performance.now() - since,
    // the histogram's floor is its resolution (2 ms): a delay below it reads as about 2 ms
    eventLoopDelayMs: { p50: ms(delay.percentile(50)), p99: ms(delay.percentile(99)), max: ms(delay.max) },
    gc: { count: pauses.length, totalMs: pauses.reduce((a, p) => a + p.ms, 0), maxMs: Math.max(0, ...pauses.map((p) => p.ms)), byKind },
  };
  since = 0;
  // written aside, then renamed: the bench reads the file as soon as it exists
  writeFileSync(`${out}.part`, JSON.stringify(report));
  renameSync(`${out}.part`, out);
});
