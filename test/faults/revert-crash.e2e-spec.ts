import Redis from 'ioredis';
import { randomBytes } from 'node:crypto';
import { startReceiver } from '../support/receiver';
import { SEED, l7Target, lbTarget } from '../support/targets';
import { until } from '../support/wait';
import { api, waitForTerminal } from './support/api';
import { Gateway, Sandbox, appEnv, startGateway, startSandbox, startWorker } from './support/apps';
import { Proc, stopAll } from './support/processes';
import { deletePrefix } from './support/redis';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const L7_ID = SEED.l7(1);
const LB_ID = SEED.lbWeb;
/** Long enough that both revert tasks are still running when the worker dies (the resumed worker polls them to the end). */
const SLOW_TASK_MS = 5000;

/** What a revert must bring back exactly: the fields of the sandbox's own record that the update touched. */
const l7Fields = (p: any) => ({
  action: p.action,
  redirect_url: p.redirect_url,
  redirect_prefix: p.redirect_prefix,
  redirect_http_code: p.redirect_http_code,
  name: p.name,
  position: p.position,
  tags: p.tags,
});
const lbFields = (lb: any) => ({ name: lb.name, tags_v2: lb.tags_v2 });

describe('fault: the worker is killed (kill -9) in the middle of a revert', () => {
  const prefix = `frc${randomBytes(3).toString('hex')}`;
  let sandbox: Sandbox;
  let gateway: Gateway;
  let env: Record<string, string>;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let redis: Redis;
  let worker: Proc;
  let t0 = Date.now();
  const mark = (what: string) => process.env.FAULTS_VERBOSE && process.stderr.write(`[revert-crash] +${Date.now() - t0} ms ${what}\n`);

  const l7State = () => sandbox.control('GET', `/__sandbox/state/l7policies/${L7_ID}`);
  const lbState = () => sandbox.control('GET', `/__sandbox/state/loadbalancers/${LB_ID}`);
  const getOp = async (id: string) => {
    const res = await api(gateway.url, 'GET', `/v1/operations/${id}`);
    expect(res.status).toBe(200);
    return res.body;
  };

  beforeAll(async () => {
    redis = new Redis(REDIS_URL);
    // fast tasks for the update; the revert's are made slow below
    sandbox = await startSandbox({ SANDBOX_TASK_DURATION_MS: '300' });
    // the load balancer PATCH creates a task too: both targets of the revert are mid-task when the worker dies
    await sandbox.control('PATCH', '/__sandbox/config', { lbPatchCreatesTask: true });
    env = appEnv({ redisUrl: REDIS_URL, sandboxUrl: sandbox.url, prefix });
    [gateway, worker] = await Promise.all([startGateway(env), startWorker(env, 'worker-1')]);
    receiver = await startReceiver();
  }, 120_000);

  afterAll(async () => {
    await stopAll();
    await receiver?.close();
    await deletePrefix(REDIS_URL, prefix);
    redis?.disconnect();
  });

  it('resumes the revert in a new worker and ends in the state before the update, each target once, linked once', async () => {
    t0 = Date.now();
    const sub = await api(gateway.url, 'POST', '/v1/webhook-subscriptions', { url: receiver.url, events: ['*'], description: 'revert-crash' });
    expect(sub.status).toBe(201);

    const l7Before = l7Fields(await l7State());
    const lbBefore = lbFields(await lbState());
    // the seed this suite is written against (a changed seed would make the checks below pass vacuously)
    expect(l7Before).toMatchObject({
      action: 'REDIRECT_TO_URL',
      redirect_url: 'https://example.com/new',
      redirect_http_code: 302,
      name: 'redirect-to-url',
      tags: ['web'],
    });
    expect(lbBefore.name).toBe('lb-web');
    expect(lbBefore.tags_v2).toEqual(expect.arrayContaining([expect.objectContaining({ key: 'env', value: 'prod' })]));

    // 1. the update: an action change on the L7 policy, a name and tag change on the load balancer
    const original = await api(gateway.url, 'POST', '/v1/routing-policy-updates', {
      updates: [
        {
          target: l7Target(1),
          changes: { action: 'REDIRECT_PREFIX', redirectPrefix: 'https://example.com/v3', redirectHttpCode: 301, name: 'crash-revert', tags: ['x'] },
        },
        { target: lbTarget(LB_ID), changes: { name: 'lb-crash', tags: { env: null, added: '1' } } },
      ],
      reference: `${prefix}-update`,
    });
    expect(original.status).toBe(202);
    const originalId: string = original.body.id;
    const updated = (await waitForTerminal(gateway.url, [originalId], 30_000)).get(originalId);
    expect(updated.status).toBe('SUCCEEDED');
    expect(updated.results.map((r: any) => r.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    for (const r of updated.results) {
      expect(r.before).toBeDefined();
      expect(r.applied).toBeDefined();
    }
    expect(l7Fields(await l7State())).toMatchObject({ action: 'REDIRECT_PREFIX', redirect_prefix: 'https://example.com/v3', name: 'crash-revert' });
    expect((await lbState()).name).toBe('lb-crash');
    mark('update SUCCEEDED');

    // 2. slow tasks, the revert, and kill -9 once both its targets wait on their tasks
    await sandbox.control('PATCH', '/__sandbox/config', { taskDurationMs: SLOW_TASK_MS });
    await sandbox.control('DELETE', '/__sandbox/requests');
    const reference = `${prefix}-revert`;
    const revert = await api(gateway.url, 'POST', `/v1/operations/${originalId}/revert`, { reference });
    expect({ status: revert.status, body: revert.body }).toMatchObject({ status: 202, body: { revertOf: originalId } });
    const revertId: string = revert.body.id;
    expect(revertId).not.toBe(originalId);

    const running = await until(
      'every revert target RUNNING with Gcore task ids',
      async () => {
        const op = await getOp(revertId);
        return op.results.length === 2 && op.results.every((r: any) => r.status === 'RUNNING' && r.gcore?.taskIds?.length > 0) ? op : undefined;
      },
      20_000,
      50,
    );
    // the kill comes mid-task: the provider still holds both targets locked (the L7 change applies when its task ends;
    // the load balancer's v1 PATCH fields apply at once, its tags with the task)
    const [l7Mid, lbMid] = await Promise.all([l7State(), lbState()]);
    expect({ l7Locked: l7Mid.lock !== null, lbLocked: lbMid.lock !== null }).toEqual({ l7Locked: true, lbLocked: true });
    expect(l7Mid.name).toBe('crash-revert');
    const taskIdsAtKill = running.results.map((r: any) => r.gcore.taskIds);
    mark(`revert ${revertId} RUNNING, tasks ${JSON.stringify(taskIdsAtKill)}: kill -9`);

    const exit = await worker.kill9();
    expect(exit.signal).toBe('SIGKILL');
    worker = await startWorker(env, 'worker-after-kill');
    mark('new worker started');

    const reverted = (await waitForTerminal(gateway.url, [revertId], 60_000)).get(revertId);
    mark('revert terminal');
    expect({ status: reverted.status, results: reverted.results.map((r: any) => r.status) }).toEqual({
      status: 'SUCCEEDED',
      results: ['SUCCEEDED', 'SUCCEEDED'],
    });
    // the resumed worker waited on the same tasks: no second write
    expect(reverted.results.map((r: any) => r.gcore.taskIds)).toEqual(taskIdsAtKill);

    // 3. the end state is the state before the update, exactly
    const [l7End, lbEnd] = await Promise.all([l7State(), lbState()]);
    expect(l7Fields(l7End)).toEqual(l7Before);
    expect(l7End.redirect_prefix).toBeNull();
    expect(lbFields(lbEnd)).toEqual(lbBefore);
    expect({ l7Lock: l7End.lock, lbLock: lbEnd.lock }).toEqual({ l7Lock: null, lbLock: null });

    // each provider write of the revert sent once (it was recorded before the kill; the resumed worker only polled)
    const { log } = await sandbox.control<{ log: { method: string; path: string; status: number }[] }>('GET', '/__sandbox/requests');
    const writes: Record<string, number> = {};
    for (const e of log.filter((x) => x.method !== 'GET')) writes[`${e.method} ${e.path}`] = (writes[`${e.method} ${e.path}`] ?? 0) + 1;
    expect(Object.keys(writes).some((w) => w.includes(L7_ID))).toBe(true);
    expect(Object.keys(writes).some((w) => w.includes(LB_ID))).toBe(true);
    expect(Object.values(writes).every((n) => n === 1) ? 'each once' : writes).toBe('each once');

    // linked once, both ways
    const originalNow = await getOp(originalId);
    expect(originalNow.revertedBy).toEqual([revertId]);
    expect(reverted.revertOf).toBe(originalId);
    expect(reverted.reference).toBe(reference);
    // one revert operation, not two (a resumed acceptance or job must not create another)
    const listed = await api(gateway.url, 'GET', `/v1/operations?reference=${encodeURIComponent(reference)}`);
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((o: any) => o.id)).toEqual([revertId]);

    // each target ended exactly once: the guarded transition counted it once
    const [done, count, ok, status] = await redis.hmget(`{${prefix}}:op:${revertId}`, 'done', 'count', 'ok', 'status');
    expect({ done, count, ok, status }).toEqual({ done: '2', count: '2', ok: '2', status: 'SUCCEEDED' });
    // and its events: one operation.target.completed per target, one operation.completed (a redelivery keeps its webhook-id)
    const hooksOf = () => receiver.received.filter((h) => (h.json?.data?.operationId ?? h.json?.data?.id) === revertId);
    const hooks = await until(
      "the revert's operation.completed and both operation.target.completed delivered",
      () => {
        const mine = hooksOf();
        const targets = mine.filter((h) => h.json.type === 'operation.target.completed').length;
        return targets >= 2 && mine.some((h) => h.json.type === 'operation.completed') ? mine : undefined;
      },
      30_000,
      100,
    );
    const webhookIds = (type: string, key: (h: any) => string) => {
      const byKey: Record<string, string[]> = {};
      for (const h of hooks.filter((x) => x.json.type === type)) {
        const ids = (byKey[key(h)] ??= []);
        if (!ids.includes(String(h.headers['webhook-id']))) ids.push(String(h.headers['webhook-id']));
      }
      return Object.fromEntries(Object.entries(byKey).map(([k, ids]) => [k, ids.length]));
    };
    expect(webhookIds('operation.target.completed', (h) => String(h.json.data.result.index))).toEqual({ '0': 1, '1': 1 });
    expect(webhookIds('operation.completed', () => 'op')).toEqual({ op: 1 });
    for (const h of hooks) {
      if (h.json.type === 'operation.target.completed') expect(h.json.data.result.status).toBe('SUCCEEDED');
      else expect(h.json.data).toMatchObject({ status: 'SUCCEEDED', revertOf: originalId });
    }

    // drift: the revert changed the original's targets back; what the revert left is what is there
    const originalDrift = await api(gateway.url, 'GET', `/v1/operations/${originalId}/drift`);
    expect(originalDrift.status).toBe(200);
    expect(originalDrift.body.items.map((i: any) => ({ index: i.index, state: i.state }))).toEqual([
      { index: 0, state: 'DRIFTED' },
      { index: 1, state: 'DRIFTED' },
    ]);
    const revertDrift = await api(gateway.url, 'GET', `/v1/operations/${revertId}/drift`);
    expect(revertDrift.status).toBe(200);
    expect(revertDrift.body.items.map((i: any) => ({ index: i.index, state: i.state, diff: i.diff }))).toEqual([
      { index: 0, state: 'IN_SYNC', diff: undefined },
      { index: 1, state: 'IN_SYNC', diff: undefined },
    ]);
    mark('done');
  }, 180_000);

  it("a kill while the revert's write is in flight (before its task ids are recorded): retried, same end state, `before` kept", async () => {
    t0 = Date.now();
    await sandbox.control('PATCH', '/__sandbox/config', { taskDurationMs: 300 });
    const l7Before = l7Fields(await l7State());
    const lbBefore = lbFields(await lbState());
    const original = await api(gateway.url, 'POST', '/v1/routing-policy-updates', {
      updates: [
        {
          target: l7Target(1),
          changes: { action: 'REDIRECT_PREFIX', redirectPrefix: 'https://example.com/v3', redirectHttpCode: 301, name: 'crash-revert', tags: ['x'] },
        },
        { target: lbTarget(LB_ID), changes: { name: 'lb-crash', tags: { env: null, added: '1' } } },
      ],
      reference: `${prefix}-update-2`,
    });
    expect(original.status).toBe(202);
    const originalId: string = original.body.id;
    expect((await waitForTerminal(gateway.url, [originalId], 30_000)).get(originalId).status).toBe('SUCCEEDED');
    const l7Changed = l7Fields(await l7State());

    // the revert's L7 PATCH is held (delayMs) and the worker dies while it is in flight: the sandbox drops it with the
    // closed connection (its log keeps status 0 and no body), so the new worker must write it again
    await sandbox.control('PATCH', '/__sandbox/config', { taskDurationMs: 2000 });
    await sandbox.control('DELETE', '/__sandbox/requests');
    await sandbox.control('POST', '/__sandbox/faults', { method: 'PATCH', path: L7_ID, delayMs: 1500, count: 1 });
    const reference = `${prefix}-revert-2`;
    const revert = await api(gateway.url, 'POST', `/v1/operations/${originalId}/revert`, { reference });
    expect(revert.status).toBe(202);
    const revertId: string = revert.body.id;
    await until(
      "the revert's L7 PATCH in flight",
      async () => {
        const { log } = await sandbox.control<{ log: { method: string; path: string; status: number }[] }>('GET', '/__sandbox/requests');
        return log.some((e) => e.method === 'PATCH' && e.path.includes(L7_ID) && e.status === 0);
      },
      15_000,
      20,
    );
    const mid = await getOp(revertId);
    // RUNNING, the state before stored, no task id yet: the write is not recorded
    expect(mid.results[0]).toMatchObject({ status: 'RUNNING', before: expect.objectContaining({ name: 'crash-revert', action: 'REDIRECT_PREFIX' }) });
    expect(mid.results[0].gcore?.taskIds ?? []).toEqual([]);
    mark(`revert ${revertId}: L7 PATCH in flight, kill -9`);
    expect((await worker.kill9()).signal).toBe('SIGKILL');
    worker = await startWorker(env, 'worker-after-write-kill');
    mark('new worker started');

    // the job stalled mid-write: BullMQ hands it to the new worker (lockDuration + stalledInterval), which writes again
    const reverted = (await waitForTerminal(gateway.url, [revertId], 45_000)).get(revertId);
    expect({ status: reverted.status, results: reverted.results.map((r: any) => r.status) }).toEqual({
      status: 'SUCCEEDED',
      results: ['SUCCEEDED', 'SUCCEEDED'],
    });
    // the state before the revert is the one the first attempt stored (not re-read by the retry)
    expect(reverted.results[0].before).toEqual(mid.results[0].before);
    expect(l7Fields(await l7State())).toEqual(l7Before);
    expect(lbFields(await lbState())).toEqual(lbBefore);
    expect(l7Before).not.toEqual(l7Changed);

    // at-least-once: the interrupted write may be sent again, not more
    const { log } = await sandbox.control<{ log: { method: string; path: string; status: number }[] }>('GET', '/__sandbox/requests');
    const l7Writes = log.filter((e) => e.method === 'PATCH' && e.path.includes(L7_ID)).length;
    mark(`revert terminal; L7 PATCHes: ${JSON.stringify(log.filter((e) => e.method === 'PATCH' && e.path.includes(L7_ID)))}`);
    expect(l7Writes).toBeGreaterThanOrEqual(1);
    expect(l7Writes).toBeLessThanOrEqual(2);

    expect((await getOp(originalId)).revertedBy).toEqual([revertId]);
    expect(reverted.revertOf).toBe(originalId);
    const listed = await api(gateway.url, 'GET', `/v1/operations?reference=${encodeURIComponent(reference)}`);
    expect(listed.body.items.map((o: any) => o.id)).toEqual([revertId]);
    const [done, count, ok] = await redis.hmget(`{${prefix}}:op:${revertId}`, 'done', 'count', 'ok');
    expect({ done, count, ok }).toEqual({ done: '2', count: '2', ok: '2' });
    const revertDrift = await api(gateway.url, 'GET', `/v1/operations/${revertId}/drift`);
    expect(revertDrift.body.items.map((i: any) => i.state)).toEqual(['IN_SYNC', 'IN_SYNC']);
    const originalDrift = await api(gateway.url, 'GET', `/v1/operations/${originalId}/drift`);
    expect(originalDrift.body.items.map((i: any) => i.state)).toEqual(['DRIFTED', 'DRIFTED']);
  }, 180_000);
});
