/** Resource meters of a scenario: CPU of every process, Redis command counts, and the gateway's pauses. */
import { existsSync, readFileSync } from 'node:fs';
import Redis from 'ioredis';
import { Child, RedisStats, cpuSecondsOf, parseRedisInfo, waitFor } from './lib';

export type CpuUse = Record<string, number>;

/** CPU use (% of one core) of every process during a scenario: gateway, worker, sandbox, redis, bench (this process). */
export function cpuMeter(children: readonly Child[]): () => CpuUse {
  const procs = [...children.map((c) => ({ name: c.name, pid: c.proc.pid! })), { name: 'bench-driver', pid: process.pid }];
  const t0 = Date.now();
  const start = procs.map((p) => cpuSecondsOf(p.pid));
  return () => {
    const wall = (Date.now() - t0) / 1000;
    const out: CpuUse = {};
    procs.forEach((p, i) => (out[p.name] = Math.round((100 * (cpuSecondsOf(p.pid) - start[i])) / wall)));
    return out;
  };
}

/** The baselines of scenario 1 idle everywhere else: left out of the notes unless named in `keep`. */
const IDLE_BASELINES = ['bare-fastify', 'nest-peer'];

export const cpuNote = (c: CpuUse, keep: string[] = []): string =>
  `CPU % of a core: ${Object.entries(c)
    .filter(([n]) => keep.includes(n) || !IDLE_BASELINES.includes(n))
    .map(([n, v]) => `${n} ${v}`)
    .join(', ')}`;

export async function redisStats(redis: Redis): Promise<RedisStats> {
  const text = `${await redis.info('commandstats')}\n${await redis.info('cpu')}`;
  return parseRedisInfo(text, Date.now());
}

/** What pause-meter-preload wrote for the half-rate run (null when the gateway did not write it in time). */
export interface GatewayPauses {
  windowMs: number;
  eventLoopDelayMs: { p50: number; p99: number; max: number };
  gc: { count: number; totalMs: number; maxMs: number; byKind: Record<string, { count: number; totalMs: number; maxMs: number }> };
}

export async function readPauses(file: string): Promise<GatewayPauses | null> {
  const written = await waitFor('gateway pauses', () => existsSync(file), 10_000, 50).then(
    () => true,
    () => false,
  );
  return written ? (JSON.parse(readFileSync(file, 'utf8')) as GatewayPauses) : null;
}
