/**
 * Preloaded (`node -r`) into the gateway by `npm run bench -- --profile`: SIGWINCH (not a Nest shutdown signal) starts the V8 CPU profiler, the next
 * SIGWINCH stops it and writes BENCH_CPU_PROFILE (a .cpuprofile file for Chrome DevTools / speedscope). Allocations are sampled over the same
 * window, collected objects included (GC is the largest single item of the accept path's profile: what allocates is what to cut), into the same name
 * with `.heapprofile`.
 */
import { Session } from 'node:inspector';
import { writeFileSync } from 'node:fs';

const out = process.env.BENCH_CPU_PROFILE ?? `gateway-${process.pid}.cpuprofile`;
const session = new Session();
session.connect();
let running = false;

process.on('SIGWINCH', () => {
  if (!running) {
    running = true;
    session.post('Profiler.enable', () => session.post('Profiler.setSamplingInterval', { interval: 200 }, () => session.post('Profiler.start')));
    session.post('HeapProfiler.enable', () =>
      session.post('HeapProfiler.startSampling', { samplingInterval: 16384, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true }),
    );
    return;
  }
  running = false;
  session.post('HeapProfiler.stopSampling', (err, result) => {
    if (!err) writeFileSync(out.replace(/\.cpuprofile$/, '') + '.heapprofile', JSON.stringify(result.profile));
  });
  session.post('Profiler.stop', (err, result) => {
    if (!err) writeFileSync(out, JSON.stringify(result.profile));
    process.stdout.write(`cpu profile ${err ? `failed: ${err.message}` : `written to ${out}`}\n`);
  });
});
