import Redis from 'ioredis';
import { randomBytes } from 'node:crypto';
import { startReceiver } from '../support/receiver';
import { SEED, l7Target, lbTarget } from '../support/targets';
import { scaled, sleep, until } from '../support/wait';
import { api, waitForTerminal } from './support/api';
import { Gateway, Sandbox, appEnv, startGateway, startSandbox, startWorker } from './support/apps';
import { Proc, stopAll } from './support/processes';
import { deletePrefix } from './support/redis';

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
  let worker: Proc;

  beforeAll(async () => {
    redis = new Redis(REDIS_URL);
    sandbox = await startSandbox({ SANDBOX_TASK_DURATION_MS: '3000' });
    await sandbox.control('PATCH', '/__sandbox/config', { lbPatchCreatesTask: true });
    env = appEnv({ redisUrl: REDIS_URL, sandboxUrl: sandbox.url, prefix, env: { GCORE_TASK_POLL_INITIAL_MS: '200', GCORE_TASK_POLL_MAX_MS: '400' } });
    [gateway, worker] = await Promise.all([startGateway(env), startWorker(env, 'worker-1')]);
    receiver = await startReceiver();
  }, 120_000);

  afterAll(async () => {
    await stopAll();
    await receiver?.close();
    await deletePrefix(REDIS_URL, prefix);
    redis?.disconnect();
  });

  it('ends every accepted operation exactly once and delivers operation.completed at least once, with one webhook-id', async () => {
    const sub = await api(gateway.url, 'POST', '/v1/webhook-subscriptions', { url: receiver.url, events: ['*'], description: 'worker-crash' });
    expect(sub.status).toBe(201);

    const t0 = Date.now();
    const mark = (what: string) => process.env.FAULTS_VERBOSE && process.stderr.write(`[worker-crash] +${Date.now() - t0} ms ${what}\n`);

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
      // tasks are being polled when the worker dies
      const inFlight = await until('10 Gcore tasks mid-poll', async () => ((n) => (n >= 10 ? n : 0))(await midPollCount(redis, prefix)), 10_000, 20);
      mark(`kill at ${afterTerminal}, in flight ${inFlight}`);
      const exit = await worker.kill9();
      expect(exit.signal).toBe('SIGKILL');
      await sleep(500);
      worker = await startWorker(env, `worker-after-${afterTerminal}`);
    }

    // progress lines with FAULTS_VERBOSE=1 (to see how long recovery takes)
    const markProgress = async (): Promise<void> => {
      const deliveries = `{${prefix}}:webhook-deliveries`;
      const [terminal, active, stalled, waiting] = await Promise.all([
        terminalCount(redis, prefix),
        redis.llen(`${deliveries}:active`),
        redis.scard(`${deliveries}:stalled`),
        redis.llen(`${deliveries}:wait`),
      ]);
      mark(`terminal ${terminal} dlv active ${active} stalled ${stalled} wait ${waiting} hooks ${receiver.received.length}`);
    };
    const stopMarks = setInterval(() => void markProgress(), 5000).unref();
    const ops = await waitForTerminal(gateway.url, ids, 100_000).catch((e) => {
      clearInterval(stopMarks);
      throw e;
    });
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
      const state = await sandbox.control(
        'GET',
        target.kind === 'l7policy' ? `/__sandbox/state/l7policies/${target.id}` : `/__sandbox/state/loadbalancers/${target.id}`,
      );
      expect({ target: target.id, name: state.name }).toEqual({ target: target.id, name: mine[mine.length - 1].name });
      // and they ended one after the other, in acceptance order
      const ends = mine.map((m) => Date.parse(ops.get(m.id).completedAt));
      expect(ends).toEqual([...ends].sort((a, b) => a - b));
    }

    // provider writes are at-least-once: a write interrupted by the kill may be sent again, but not more than that
    const { counts } = await sandbox.control<{ counts: Record<string, number> }>('GET', '/__sandbox/requests');
    const patches = Object.entries(counts)
      .filter(([k]) => k.startsWith('PATCH '))
      .reduce((s, [, v]) => s + v, 0);
    expect(patches).toBeGreaterThanOrEqual(OPERATIONS);
    expect(patches).toBeLessThanOrEqual(OPERATIONS + 2 * TARGETS.length);

    // operation.completed reached the subscriber at least once per operation; duplicates carry the same webhook-id
    const completed = await until(
      'operation.completed for every operation',
      () => {
        const byOp = new Map<string, Set<string>>();
        for (const h of receiver.received) {
          if (h.json?.type !== 'operation.completed') continue;
          const set = byOp.get(h.json.data.id) ?? new Set<string>();
          set.add(String(h.headers['webhook-id']));
          byOp.set(h.json.data.id, set);
        }
        return ids.every((id) => byOp.has(id)) ? byOp : undefined;
      },
      60_000,
      250,
    ).finally(() => clearInterval(stopMarks));
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
  }, 400_000);

  it('finishes an operation whose task poll was running in two workers that were both killed', async () => {
    await sandbox.control('DELETE', '/__sandbox/requests');
    // the next two task GETs hang: the poll job is active (mid-GET) when each worker dies
    await sandbox.control('POST', '/__sandbox/faults', { method: 'GET', path: '/cloud/v1/tasks/', hang: true, count: 2 });
    const res = await api(gateway.url, 'POST', '/v1/routing-policy-updates', { updates: [{ target: l7Target(12), changes: { name: 'twice-killed' } }] });
    expect(res.status).toBe(202);
    const hanging = async (n: number) => {
      const { log } = await sandbox.control<{ log: { method: string; path: string; status: number }[] }>('GET', '/__sandbox/requests');
      return log.filter((e) => e.method === 'GET' && e.path.startsWith('/cloud/v1/tasks/') && e.status === 0).length >= n;
    };
    for (const n of [1, 2]) {
      await until(`task GET #${n} hanging`, () => hanging(n), 90_000, 100);
      await worker.kill9();
      worker = await startWorker(env, `worker-stall-${n}`);
    }
    const ops = await waitForTerminal(gateway.url, [res.body.id], 60_000);
    expect(ops.get(res.body.id)).toMatchObject({ status: 'SUCCEEDED', results: [{ status: 'SUCCEEDED' }] });
    expect((await sandbox.control('GET', `/__sandbox/state/l7policies/${SEED.l7(12)}`)).name).toBe('twice-killed');
  }, 400_000);

  it('graceful stop (SIGTERM) mid-poll: the worker exits promptly and the next one resumes at once', async () => {
    const ids: string[] = [];
    for (let n = 0; n < 2 * TARGETS.length; n++) {
      const res = await api(gateway.url, 'POST', '/v1/routing-policy-updates', {
        updates: [{ target: TARGETS[n % TARGETS.length], changes: { name: `term-${n}` } }],
      });
      expect(res.status).toBe(202);
      ids.push(res.body.id);
    }
    await until('10 Gcore tasks mid-poll', async () => (await midPollCount(redis, prefix)) >= 10, 15_000, 20);
    // and one provider write in flight (a slow answer) when the signal comes
    await sandbox.control('POST', '/__sandbox/faults', { method: 'PATCH', path: SEED.l7(1), delayMs: 2500, count: 1 });
    await until(
      'a slow write in flight',
      async () => {
        const { log } = await sandbox.control<{ log: { method: string; path: string; status: number }[] }>('GET', '/__sandbox/requests');
        return log.some((e) => e.method === 'PATCH' && e.path.endsWith(SEED.l7(1)) && e.status === 0);
      },
      15_000,
      20,
    );
    const stopping = Date.now();
    const exit = await worker.stop(35_000);
    expect(exit.forced).toBe(false);
    expect(Date.now() - stopping).toBeLessThan(scaled(10_000));
    expect(worker.lines.join('\n')).not.toMatch(/shutdown took longer/);
    worker = await startWorker(env, 'worker-after-sigterm');
    // counted from the new worker's "worker started" line: how long a busy machine takes to start a process is no part of it
    const restarted = Date.now();
    await waitForTerminal(gateway.url, ids, 60_000);
    // two 3 s tasks per lane, one after the other: no stalled-job wait on top (that would add lockDuration + stalledInterval)
    expect(Date.now() - restarted).toBeLessThan(scaled(15_000));
    for (const id of ids) expect(await redis.hmget(`{${prefix}}:op:${id}`, 'status', 'done')).toEqual(['SUCCEEDED', '1']);
  }, 240_000);
});

async function terminalCount(redis: Redis, prefix: string): Promise<number> {
  const counts = await Promise.all(['SUCCEEDED', 'FAILED', 'PARTIALLY_SUCCEEDED'].map((s) => redis.zcard(`{${prefix}}:ops:status:${s}`)));
  return counts.reduce((a, b) => a + b, 0);
}

/** Gcore task loops in flight (the poll schedule: waiting for their next poll, or being polled). */
async function midPollCount(redis: Redis, prefix: string): Promise<number> {
  return redis.zcard(`{${prefix}}:task-loops`);
}
