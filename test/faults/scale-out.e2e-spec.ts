import Redis from 'ioredis';
import { SEED, l7Target, lbTarget } from '../support/targets';
import { api, waitForTerminal } from './support/api';
import { Gateway, Sandbox, appEnv, startGateway, startSandbox, startWorker } from './support/apps';
import { freePort, stopAll } from './support/processes';
import { deletePrefix } from './support/redis';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const POLL_INITIAL_MS = 200;
const POLL_MAX_MS = 400;
/** The shortest delay the schedule ever asks for (the dense phase around a learned duration is ≥ 250 ms). */
const MIN_POLL_DELAY_MS = Math.min(POLL_INITIAL_MS, 250);
const UPDATES_PER_TARGET = 5;
const TARGETS = [...Array.from({ length: 12 }, (_, i) => l7Target(i + 1)), lbTarget(SEED.lbWeb), lbTarget(SEED.lbApi)];

interface LogEntry {
  method: string;
  path: string;
  status: number;
  at: number;
  body?: any;
}

async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(url)).text();
  let sum = 0;
  for (const line of text.split('\n')) if (line.startsWith(name) && !line.startsWith('#')) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  return sum;
}

describe('scale-out: two gateways and two workers on one Redis', () => {
  const prefix = `fso${Date.now().toString(36)}`;
  let sandbox: Sandbox;
  let gateways: Gateway[];
  let workerMetrics: string[];
  let redis: Redis;
  let env: Record<string, string>;

  beforeAll(async () => {
    redis = new Redis(REDIS_URL);
    sandbox = await startSandbox({ SANDBOX_TASK_DURATION_MS: '1500' });
    // tasks visible at once: this suite counts GETs per task to prove coalescing across workers, and during the strict
    // sandbox's invisibility window the sweep may add a read of a task it cannot list yet (a documented trade-off)
    await sandbox.control('PATCH', '/__sandbox/config', { lbPatchCreatesTask: true, taskVisibilityDelayMs: 0 });
    env = appEnv({
      redisUrl: REDIS_URL,
      sandboxUrl: sandbox.url,
      prefix,
      env: { GCORE_TASK_POLL_INITIAL_MS: String(POLL_INITIAL_MS), GCORE_TASK_POLL_MAX_MS: String(POLL_MAX_MS) },
    });
    const ports = [await freePort(), await freePort()];
    workerMetrics = ports.map((p) => `http://127.0.0.1:${p}/metrics`);
    const [g1, g2] = await Promise.all([
      startGateway(env),
      startGateway(env),
      startWorker({ ...env, WORKER_METRICS_PORT: String(ports[0]) }, 'worker-1'),
      startWorker({ ...env, WORKER_METRICS_PORT: String(ports[1]) }, 'worker-2'),
    ]);
    gateways = [g1, g2];
  }, 120_000);

  afterAll(async () => {
    await stopAll();
    await deletePrefix(REDIS_URL, prefix);
    redis?.disconnect();
  });

  it('polls each task once per tick, completes each operation once, and keeps per-target order across gateways', async () => {
    // per target, updates alternate between the two gateways, each sent after the previous one was accepted
    const accepted = new Map<string, { id: string; name: string; via: number }[]>();
    await Promise.all(
      TARGETS.map(async (target, t) => {
        const mine: { id: string; name: string; via: number }[] = [];
        accepted.set(target.id, mine);
        for (let k = 0; k < UPDATES_PER_TARGET; k++) {
          const via = (t + k) % 2;
          const name = `so-${t}-${k}`;
          const res = await api(gateways[via].url, 'POST', '/v1/routing-policy-updates', { updates: [{ target, changes: { name } }] });
          expect(res.status).toBe(202);
          mine.push({ id: res.body.id, name, via });
        }
      }),
    );
    const ids = [...accepted.values()].flat().map((a) => a.id);
    // read through both gateways
    const ops = await waitForTerminal(() => gateways[Math.floor(Math.random() * 2)].url, ids, 90_000);
    for (const id of ids) expect({ id, status: ops.get(id).status }).toEqual({ id, status: 'SUCCEEDED' });

    // each operation completed exactly once: one guarded transition counted it, and the workers' counters agree
    for (const id of ids) expect(await redis.hmget(`{${prefix}}:op:${id}`, 'done', 'count')).toEqual(['1', '1']);
    const completed = (await Promise.all(workerMetrics.map((m) => metric(m, 'operations_completed_total')))).reduce((a, b) => a + b, 0);
    expect(completed).toBe(ids.length);
    // and both workers did part of the work
    const polls = await Promise.all(workerMetrics.map((m) => metric(m, 'gcore_task_polls_total')));
    expect(polls.every((p) => p > 0)).toBe(true);

    const { log } = await sandbox.control<{ log: LogEntry[] }>('GET', '/__sandbox/requests');

    // no task polled twice in one tick: consecutive GETs of one task are at least ~80 % of the shortest interval apart
    const gets = new Map<string, number[]>();
    for (const e of log) {
      const m = /^\/cloud\/v1\/tasks\/([^/?]+)$/.exec(e.path);
      if (e.method === 'GET' && m) gets.set(m[1], [...(gets.get(m[1]) ?? []), e.at]);
    }
    expect(gets.size).toBeGreaterThanOrEqual(ids.length);
    const tooClose: string[] = [];
    for (const [task, times] of gets) {
      times.sort((a, b) => a - b);
      for (let i = 1; i < times.length; i++) if (times[i] - times[i - 1] < 0.8 * MIN_POLL_DELAY_MS) tooClose.push(`${task}: ${times[i] - times[i - 1]} ms`);
    }
    expect(tooClose).toEqual([]);

    // per-target order: the provider saw the writes in acceptance order, and the last accepted one is what stays
    for (const target of TARGETS) {
      const mine = accepted.get(target.id)!;
      const writes = log.filter((e) => e.method === 'PATCH' && e.path.endsWith(`/${target.id}`)).map((e) => e.body?.name);
      expect({ target: target.id, writes }).toEqual({ target: target.id, writes: mine.map((m) => m.name) });
      const state = await sandbox.control(
        'GET',
        target.kind === 'l7policy' ? `/__sandbox/state/l7policies/${target.id}` : `/__sandbox/state/loadbalancers/${target.id}`,
      );
      expect(state.name).toBe(mine[mine.length - 1].name);
      const ends = mine.map((m) => Date.parse(ops.get(m.id).completedAt));
      expect(ends).toEqual([...ends].sort((a, b) => a - b));
    }
  }, 300_000);

  it('a further worker on the same host whose metrics port is taken works on without it (no crash)', async () => {
    const port = new URL(workerMetrics[0]).port;
    const third = await startWorker({ ...env, WORKER_METRICS_PORT: port }, 'worker-3');
    await third.waitForLine('worker metrics endpoint not started', 10_000);
    const res = await api(gateways[0].url, 'POST', '/v1/routing-policy-updates', { updates: [{ target: l7Target(1), changes: { name: 'third-worker' } }] });
    expect(res.status).toBe(202);
    const ops = await waitForTerminal(gateways[1].url, [res.body.id], 20_000);
    expect(ops.get(res.body.id).status).toBe('SUCCEEDED');
    expect(third.running).toBe(true);
  }, 120_000);
});
