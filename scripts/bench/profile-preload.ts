/**
 * Preloaded (`node -r`) into the gateway by `npm run bench -- --profile`: SIGWINCH (not a Nest shutdown signal) starts the V8 CPU profiler, the next
 * SIGWINCH stops it and writes BENCH_CPU_PROFILE (a .cpuprofile file for Chrome DevTools / speedscope).
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
    return;
  }
  running = false;
  session.post('Profiler.stop', (err, result) => {
    if (!err) writeFileSync(out, JSON.stringify(result.profile));
    process.stdout.write(`cpu profile ${err ? `failed: ${err.message}` : `written to ${out}`}\n`);
  });
});
