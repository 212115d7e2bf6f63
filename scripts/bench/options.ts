/** Command-line options of `npm run bench` (see run.ts for the list) and the size of every scenario. */
import { join, resolve } from 'node:path';

export interface BenchConfig {
  /**
   * Max throughput: first `primeS` of unmeasured load on each (a freshly started process is still compiling its hot
   * path), then `rounds` rounds of gateway, NestJS peer and bare Fastify (order reversed every other round), each run
   * `warmS` of unmeasured load then `durationS` measured; then `pacedS` at half the gateway's rate.
   */
  accept: { connections: number; primeS: number; warmS: number; durationS: number; rounds: number; pacedS: number };
  cost: { ops: number; taskMs: number; idleMs: number };
  detect: { ops: number; minMs: number; maxMs: number };
  fanout: { subs: number; ops: number };
  many: { ops: number; minMs: number; maxMs: number; graceMs: number };
}

export interface BenchOptions {
  quick: boolean;
  profile: boolean;
  /** 'profile' | 'quick' | 'full', as printed and written to results.json. */
  mode: string;
  /** Whether scenario `n` ('1'..'6') runs (--only=…; --profile runs scenario 1 only). */
  enabled(n: string): boolean;
  config: BenchConfig;
  sandboxLatencyMs: number;
  /** dist/ (the built apps and scripts this bench starts). */
  distDir: string;
  resultsFile: string;
}

const QUICK_CONFIG: BenchConfig = {
  accept: { connections: 50, primeS: 3, warmS: 1, durationS: 2, rounds: 2, pacedS: 3 },
  cost: { ops: 60, taskMs: 5000, idleMs: 2000 },
  detect: { ops: 24, minMs: 1000, maxMs: 5000 },
  fanout: { subs: 40, ops: 100 },
  many: { ops: 1000, minMs: 8000, maxMs: 15_000, graceMs: 45_000 },
};

const FULL_CONFIG: BenchConfig = {
  accept: { connections: 50, primeS: 5, warmS: 2, durationS: 5, rounds: 2, pacedS: 10 },
  cost: { ops: 200, taskMs: 10_000, idleMs: 5000 },
  detect: { ops: 60, minMs: 1000, maxMs: 20_000 },
  fanout: { subs: 100, ops: 200 },
  many: { ops: 10_000, minMs: 30_000, maxMs: 60_000, graceMs: 150_000 },
};

const range = (v: string | undefined): [number, number] | undefined => {
  const m = /^(\d+)-(\d+)$/.exec(v ?? '');
  return m ? [Number(m[1]), Number(m[2])] : undefined;
};

export function parseOptions(argv: string[], env: NodeJS.ProcessEnv = process.env): BenchOptions {
  const quick = argv.includes('--quick');
  const profile = argv.includes('--profile');
  const flag = (name: string): string | undefined => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const onlyArg = flag('only');
  const only = profile ? new Set(['1']) : onlyArg ? new Set(onlyArg.split(',')) : null;

  // overrides: --sandbox-latency-ms=N, --detect-ms=MIN-MAX, --detect-ops=N, --many-ms=MIN-MAX, --many-ops=N, --fanout=SUBSxOPS
  const config = structuredClone(quick ? QUICK_CONFIG : FULL_CONFIG);
  const detectMs = range(flag('detect-ms'));
  if (detectMs) [config.detect.minMs, config.detect.maxMs] = detectMs;
  const manyMs = range(flag('many-ms'));
  if (manyMs) [config.many.minMs, config.many.maxMs] = manyMs;
  if (flag('detect-ops')) config.detect.ops = Number(flag('detect-ops'));
  if (flag('many-ops')) config.many.ops = Number(flag('many-ops'));
  const fanout = /^(\d+)x(\d+)$/.exec(flag('fanout') ?? '');
  if (fanout) [config.fanout.subs, config.fanout.ops] = [Number(fanout[1]), Number(fanout[2])];

  return {
    quick,
    profile,
    mode: profile ? 'profile' : quick ? 'quick' : 'full',
    enabled: (n) => !only || only.has(n),
    config,
    sandboxLatencyMs: Number(flag('sandbox-latency-ms') ?? 0),
    distDir: resolve(__dirname, '..', '..'),
    resultsFile: resolve(env.BENCH_RESULTS ?? join(process.cwd(), 'bench', 'results.json')),
  };
}
