import Redis from 'ioredis';
import { randomBytes } from 'node:crypto';
import {
  Gateway,
  Proc,
  SEED,
  Sandbox,
  api,
  appEnv,
  deletePrefix,
  l7Target,
  lbTarget,
  sleep,
  startGateway,
  startReceiver,
  startSandbox,
  startWorker,
  stopAll,
  until,
  waitForTerminal,
} from './support/processes';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const OPERATIONS = 200;
// 12 L7 policies + 2 load balancers (their PATCH creates a task too): one lane each, so at most 14 updates are mid-poll at once
const TARGETS = [...Array.from({ length: 12 }, (_, i) => l7Target(i + 1)), lbTarget(SEED.lbWeb), lbTarget(SEED.lbApi)];

describe('fault: the worker is killed (kill -9) while operations are mid-poll', () => {
  const prefix = `fwc${randomBytes(3).toString('hex')}`;
  let sandbox: Sandbox;
  let gateway: Gateway;
  let env: Record<string, string>;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let redis: Redis;

  beforeAll(async () => {
    redis = new Redis(REDIS_URL);
    sandbox = await startSandbox({ SANDBOX_TASK_DURATION_MS: '3000' });
    await sandbox.control('PATCH', '/__sandbox/config', { lbPatchCreatesTask: true });
    env = appEnv({ redisUrl: REDIS_URL, sandboxUrl: sandbox.url, prefix, env: { GCORE_TASK_POLL_INITIAL_MS: '200', GCORE_TASK_POLL_MAX_MS: '400' } });
    gateway = await startGateway(env);
    receiver = await startReceiver();
  }, 60_000);

  afterAll(async () => {
    await stopAll();
    await receiver?.close();
    await deletePrefix(REDIS_URL, prefix);
    redis?.disconnect();
  });

  it('ends every accepted operation exactly once and delivers operation.completed at least once, with one webhook-id', async () => {
    const sub = await api(gateway.url, 'POST', '/v1/webhook-subscriptions', { url: receiver.url, events: ['*'], description: 'worker-crash' });
    expect(sub.status).toBe(201);

    let worker: Proc = await startWorker(env, 'worker-1');
    const t0 = Date.now();
    const mark = (what: string) => process.stderr.write(`[worker-crash] +${Date.now() - t0} ms ${what}\n`);

    // accept 200 operations, round-robin over the 14 targets: one chain of POSTs per target (so the acceptance order per
    // target is known), the chains in parallel
    const ids: string[] = [];
    const byTarget = new Map<string, { id: string; name: string }[]>();
    await Promise.all(
      TARGETS.map(async (target, t) => {
        const mine: { id: string; name: string }[] = [];
        byTarget.set(target.id, mine);
        for (let n = t; n < OPERATIONS; n += TARGETS.length) {
          const name = `wc-${n}`;
          const res = await api(gateway.url, 'POST', '/v1/routing-policy-updates', { updates: [{ target, changes: { name } }], reference: name });
          expect(res.status).toBe(202);
          mine.push({ id: res.body.id, name });
          ids.push(res.body.id);
        }
      }),
    );
    expect(ids).toHaveLength(OPERATIONS);
    mark('accepted');

    // kill -9 while every lane has a Gcore task in flight (mid-poll), a few times over the run
    for (const afterTerminal of [20, 90]) {
      await until(`${afterTerminal} operations terminal`, async () => (await terminalCount(redis, prefix)) >= afterTerminal, 60_000, 100);
      const inFlight = await midPollCount(redis, prefix);
      expect(inFlight).toBeGreaterThanOrEqual(8); // tasks were being polled when the worker died
      mark(`kill at ${afterTerminal}, in flight ${inFlight}`);
      const exit = await worker.kill9();
      expect(exit.signal).toBe('SIGKILL');
      await sleep(500);
      worker = await startWorker(env, `worker-after-${afterTerminal}`);
    }

    const stopMarks = setInterval(async () => mark(`terminal ${await terminalCount(redis, prefix)}`), 5000);
    const ops = await waitForTerminal(gateway.url, ids, 100_000).finally(() => clearInterval(stopMarks));
    mark('all terminal');

    // every operation SUCCEEDED, and each result ended exactly once (the guarded transition counted it once)
    for (const id of ids) {
      const op = ops.get(id)!;
      expect({ id, status: op.status }).toEqual({ id, status: 'SUCCEEDED' });
      const [done, count, status] = await redis.hmget(`{${prefix}}:op:${id}`, 'done', 'count', 'status');
      expect({ id, done, count, status }).toEqual({ id, done: '1', count: '1', status: 'SUCCEEDED' });
    }

    // per-target order survived the crashes: each target ends with the name of its last accepted update
    for (const target of TARGETS) {
      const mine = byTarget.get(target.id)!;
      const state = await sandbox.control('GET', target.kind === 'l7policy' ? `/__sandbox/state/l7policies/${target.id}` : `/__sandbox/state/loadbalancers/${target.id}`);
      expect({ target: target.id, name: state.name }).toEqual({ target: target.id, name: mine[mine.length - 1].name });
      // and they ended one after the other, in acceptance order
      const ends = mine.map((m) => Date.parse(ops.get(m.id).completedAt));
      expect(ends).toEqual([...ends].sort((a, b) => a - b));
    }

    // provider writes are at-least-once: a write interrupted by the kill may be sent again, but not more than that
    const { counts } = await sandbox.control<{ counts: Record<string, number> }>('GET', '/__sandbox/requests');
    const patches = Object.entries(counts).filter(([k]) => k.startsWith('PATCH ')).reduce((s, [, v]) => s + v, 0);
    expect(patches).toBeGreaterThanOrEqual(OPERATIONS);
    expect(patches).toBeLessThanOrEqual(OPERATIONS + 2 * TARGETS.length);

    // operation.completed reached the subscriber at least once per operation; duplicates carry the same webhook-id
    const completed = await until('operation.completed for every operation', () => {
      const byOp = new Map<string, Set<string>>();
      for (const h of receiver.received) {
        if (h.json?.type !== 'operation.completed') continue;
        const set = byOp.get(h.json.data.id) ?? new Set<string>();
        set.add(String(h.headers['webhook-id']));
        byOp.set(h.json.data.id, set);
      }
      return ids.every((id) => byOp.has(id)) ? byOp : undefined;
    }, 60_000, 250);
    for (const id of ids) {
      const webhookIds = [...completed.get(id)!];
      expect({ id, webhookIds }).toEqual({ id, webhookIds: [webhookIds[0]] });
    }
    for (const h of receiver.received.filter((r) => r.json?.type === 'operation.completed')) {
      expect(h.json.id).toBe(h.headers['webhook-id']);
      expect(h.json.data.status).toBe('SUCCEEDED');
    }
    // target events too: one id per (operation, target)
    const targetEvents = receiver.received.filter((r) => r.json?.type === 'operation.target.completed');
    expect(new Set(targetEvents.map((r) => r.json.data.operationId)).size).toBe(OPERATIONS);
  }, 200_000);
});

async function terminalCount(redis: Redis, prefix: string): Promise<number> {
  const counts = await Promise.all(['SUCCEEDED', 'FAILED', 'PARTIALLY_SUCCEEDED'].map((s) => redis.zcard(`{${prefix}}:ops:status:${s}`)));
  return counts.reduce((a, b) => a + b, 0);
}

/** Gcore task loops waiting in BullMQ between two polls. */
async function midPollCount(redis: Redis, prefix: string): Promise<number> {
  return redis.zcard(`{${prefix}}:gcore-tasks:delayed`);
}

