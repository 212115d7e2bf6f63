import { GcoreTaskLoopStore, GcoreTaskWatcher } from '@rpg/gcore-tasks';
import { RecordTaskStateUseCase } from '@rpg/operations';
import { Harness, SEED, auth, l7Target, lbTarget, sandboxControl, startHarness, waitFor, waitForOperation } from '../support/harness';

/**
 * The Gcore adapter end to end: gateway → BullMQ → GcoreClient (undici, retries, 409 lock wait) → sandbox → task polling.
 * Provider behaviour is asserted on the sandbox itself (request log, state, task records: a task's `data` is the PATCH body).
 */

interface LogEntry {
  method: string;
  path: string;
  status: number;
  at: number;
}

const UNKNOWN_ID = 'd1b2c3d4-0000-4000-8000-0000000000ff';
const l7Path = (n: number) => `/cloud/v1/l7policies/${SEED.projectId}/${SEED.regionId}/${SEED.l7(n)}`;
const taskPath = (id: string) => `/cloud/v1/tasks/${id}`;

async function requestLog(h: Harness): Promise<LogEntry[]> {
  return (await sandboxControl(h, 'GET', '/__sandbox/requests')).log;
}
async function calls(h: Harness, method: string, path: string): Promise<LogEntry[]> {
  return (await requestLog(h)).filter((e) => e.method === method && e.path === path);
}
const fault = (h: Harness, spec: Record<string, unknown>) => sandboxControl(h, 'POST', '/__sandbox/faults', spec);
const sandboxTask = (h: Harness, id: string) => sandboxControl(h, 'GET', `/__sandbox/tasks/${id}`);
const l7State = (h: Harness, n: number) => sandboxControl(h, 'GET', `/__sandbox/state/l7policies/${SEED.l7(n)}`);
const lbState = (h: Harness, id: string) => sandboxControl(h, 'GET', `/__sandbox/state/loadbalancers/${id}`);
const userTags = (lb: { tags_v2: { key: string; value: string; read_only: boolean }[] }) =>
  Object.fromEntries(lb.tags_v2.map((t) => [t.key, `${t.value}${t.read_only ? ' (ro)' : ''}`]));

async function submit(h: Harness, updates: unknown[], extra: Record<string, unknown> = {}) {
  return h.http
    .post('/v1/routing-policy-updates')
    .set(auth())
    .send({ updates, ...extra });
}
async function run(h: Harness, updates: unknown[]): Promise<Record<string, any>> {
  const res = await submit(h, updates);
  expect(res.status).toBe(202);
  return waitForOperation(h, res.body.id);
}

/** A write straight to the sandbox (another Gcore client): locks the policy with its own task. */
async function foreignPatch(h: Harness, n: number, body: Record<string, unknown>): Promise<string[]> {
  const res = await fetch(h.sandbox.url + l7Path(n), {
    method: 'PATCH',
    headers: { authorization: 'APIKey sandbox-gcore-key', 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { tasks: string[] }).tasks;
}

describe('Gcore adapter (L7 policies, load balancers, tasks, provider faults)', () => {
  let h: Harness;

  beforeAll(async () => {
    // a short outage budget: a 5xx that does not stop fails within the test (the outage itself: test/faults/provider-outage)
    h = await startHarness({
      env: { PROVIDER_MAX_ATTEMPTS: '3', GCORE_LOCK_WAIT_MS: '3000', PROVIDER_OUTAGE_BUDGET_MS: '2000', PROVIDER_OUTAGE_BACKOFF_MAX_MS: '500' },
    });
  });
  afterAll(async () => {
    await h.close();
  });
  beforeEach(async () => {
    await sandboxControl(h, 'POST', '/__sandbox/reset');
  });

  describe('L7 policy changes', () => {
    it('name-only / position-only: reads the policy, then PATCHes with its current action and target field', async () => {
      const op = await run(h, [
        { target: l7Target(8), changes: { name: 'renamed-eight' } },
        { target: l7Target(3), changes: { position: 5 } },
      ]);
      expect(op.status).toBe('SUCCEEDED');

      for (const n of [8, 3]) {
        const log = (await requestLog(h)).filter((e) => e.path === l7Path(n));
        // the read fills action/field (and is `before`); the read after the task is `applied`
        expect(log.map((e) => `${e.method} ${e.status}`)).toEqual(['GET 200', 'PATCH 200', 'GET 200']);
      }
      // the body Gcore received (the sandbox keeps it as the task's data)
      const [t8] = op.results[0].gcore.taskIds;
      expect((await sandboxTask(h, t8)).data).toEqual({ action: 'REDIRECT_TO_URL', redirect_url: 'https://example.com/p8', name: 'renamed-eight' });
      const [t3] = op.results[1].gcore.taskIds;
      expect((await sandboxTask(h, t3)).data).toEqual({ action: 'REDIRECT_TO_POOL', redirect_pool_id: SEED.pool1, position: 5 });

      expect(await l7State(h, 8)).toMatchObject({
        name: 'renamed-eight',
        action: 'REDIRECT_TO_URL',
        redirect_url: 'https://example.com/p8',
        redirect_http_code: 302,
      });
      expect(await l7State(h, 3)).toMatchObject({ position: 5, action: 'REDIRECT_TO_POOL', redirect_pool_id: SEED.pool1 });
    });

    it('action + its field: one PATCH with exactly those fields (reads only for before and applied)', async () => {
      const op = await run(h, [
        { target: l7Target(5), changes: { action: 'REDIRECT_PREFIX', redirectPrefix: 'https://example.com/v5', redirectHttpCode: 308 } },
      ]);
      expect(op.status).toBe('SUCCEEDED');
      expect((await requestLog(h)).filter((e) => e.path === l7Path(5)).map((e) => e.method)).toEqual(['GET', 'PATCH', 'GET']);
      expect((await sandboxTask(h, op.results[0].gcore.taskIds[0])).data).toEqual({
        action: 'REDIRECT_PREFIX',
        redirect_prefix: 'https://example.com/v5',
        redirect_http_code: 308,
      });
      expect(await l7State(h, 5)).toMatchObject({ action: 'REDIRECT_PREFIX', redirect_prefix: 'https://example.com/v5', redirect_http_code: 308 });
    });

    it('an action change without its field is a 400 naming updates[0].changes.redirectUrl; nothing is sent', async () => {
      const res = await submit(h, [{ target: l7Target(4), changes: { action: 'REDIRECT_TO_URL' } }]);
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body.errors).toEqual([{ path: 'updates[0].changes.redirectUrl', message: expect.any(String) }]);
      expect(await requestLog(h)).toEqual([]);
    });

    it('redirectHttpCode with REDIRECT_TO_POOL is a 400 naming updates[0].changes.redirectHttpCode', async () => {
      const res = await submit(h, [{ target: l7Target(4), changes: { action: 'REDIRECT_TO_POOL', redirectPoolId: SEED.pool2, redirectHttpCode: 301 } }]);
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual([{ path: 'updates[0].changes.redirectHttpCode', message: expect.any(String) }]);
      expect(await requestLog(h)).toEqual([]);
    });

    it(
      'redirectHttpCode alone on a policy whose current action is REDIRECT_TO_POOL: ' + 'FAILED INVALID_CHANGE after the read, no PATCH (dry run: 422)',
      async () => {
        const op = await run(h, [{ target: l7Target(3), changes: { redirectHttpCode: 301 } }]);
        expect(op.status).toBe('FAILED');
        expect(op.results[0].error).toMatchObject({ code: 'INVALID_CHANGE', errors: [{ path: 'changes.redirectHttpCode', message: expect.any(String) }] });
        expect((await requestLog(h)).filter((e) => e.path === l7Path(3)).map((e) => e.method)).toEqual(['GET']);

        const dry = await submit(h, [{ target: l7Target(3), changes: { redirectHttpCode: 301 } }], { dryRun: true });
        expect(dry.status).toBe(422);
        expect(dry.body.errors).toEqual([{ path: 'updates[0].changes.redirectHttpCode', message: expect.any(String) }]);
      },
    );

    it('tags replace the whole list of the policy', async () => {
      expect((await l7State(h, 1)).tags).toEqual(['web']);
      const op = await run(h, [{ target: l7Target(1), changes: { tags: ['blue', 'green'] } }]);
      expect(op.status).toBe('SUCCEEDED');
      expect((await sandboxTask(h, op.results[0].gcore.taskIds[0])).data).toMatchObject({ action: 'REDIRECT_TO_URL', tags: ['blue', 'green'] });
      expect((await l7State(h, 1)).tags).toEqual(['blue', 'green']);

      const cleared = await run(h, [{ target: l7Target(1), changes: { tags: [] } }]);
      expect(cleared.status).toBe('SUCCEEDED');
      expect((await l7State(h, 1)).tags).toEqual([]);
    });
  });

  describe('load balancers', () => {
    it('tags are a JSON Merge Patch: {k: null} deletes one, others kept, read-only kept; tags: null removes every user tag', async () => {
      const first = await run(h, [{ target: lbTarget(SEED.lbApi), changes: { tags: { env: null, team: 'edge', tier: 'gold', 'managed-by': 'me' } } }]);
      expect(first.status).toBe('SUCCEEDED');
      expect(userTags(await lbState(h, SEED.lbApi))).toEqual({ 'managed-by': 'gcore (ro)', team: 'edge', tier: 'gold' });

      const second = await run(h, [{ target: lbTarget(SEED.lbApi), changes: { tags: { tier: null } } }]);
      expect(second.status).toBe('SUCCEEDED');
      expect(userTags(await lbState(h, SEED.lbApi))).toEqual({ 'managed-by': 'gcore (ro)', team: 'edge' });

      const all = await run(h, [{ target: lbTarget(SEED.lbApi), changes: { tags: null } }]);
      expect(all.status).toBe('SUCCEEDED');
      expect(userTags(await lbState(h, SEED.lbApi))).toEqual({ 'managed-by': 'gcore (ro)' });
    });

    it('a PATCH answer carrying task_id: the task is polled to FINISHED before the target SUCCEEDS', async () => {
      await fault(h, { method: 'PATCH', path: SEED.lbApi, lbTask: true, taskDurationMs: 400 });
      const op = await run(h, [{ target: lbTarget(SEED.lbApi), changes: { name: 'lb-api-2' } }]);
      expect(op.status).toBe('SUCCEEDED');
      const result = op.results[0];
      expect(result.gcore.taskIds).toHaveLength(1);
      const [taskId] = result.gcore.taskIds;
      expect(result.gcore.tasks).toEqual([{ id: taskId, state: 'FINISHED', error: null }]);
      const task = await sandboxTask(h, taskId);
      expect(task.task_type).toBe('update_loadbalancer');
      expect(Date.parse(op.completedAt)).toBeGreaterThanOrEqual(task.finishAtMs);
      const gets = await calls(h, 'GET', taskPath(taskId));
      expect(gets.length).toBeGreaterThanOrEqual(1);
      expect(gets[gets.length - 1].at).toBeGreaterThanOrEqual(task.finishAtMs);
      expect(await lbState(h, SEED.lbApi)).toMatchObject({ name: 'lb-api-2', task_id: null });
    });

    it('a synchronous PATCH (no task) SUCCEEDS at once with no task ids', async () => {
      const op = await run(h, [{ target: lbTarget(), changes: { preferredConnectivity: 'L3', logging: { enabled: true, retentionPolicy: { period: 7 } } } }]);
      expect(op.results[0]).toMatchObject({ status: 'SUCCEEDED', gcore: { taskIds: [], tasks: [] } });
      expect(await lbState(h, SEED.lbWeb)).toMatchObject({ preferred_connectivity: 'L3', logging: { enabled: true, retention_policy: { period: 7 } } });
      expect((await requestLog(h)).filter((e) => e.path.startsWith('/cloud/v1/tasks/'))).toEqual([]);
    });
  });

  describe('Gcore tasks', () => {
    it('a task ending in ERROR fails the target with TASK_FAILED and the task error; the change is not applied', async () => {
      await fault(h, { method: 'PATCH', path: SEED.l7(6), taskError: 'Octavia refused the policy' });
      const op = await run(h, [{ target: l7Target(6), changes: { name: 'never-applied' } }]);
      expect(op.status).toBe('FAILED');
      expect(op.results[0].gcore.tasks[0]).toMatchObject({ state: 'ERROR', error: 'Octavia refused the policy' });
      expect(op.results[0].error).toMatchObject({ code: 'TASK_FAILED', message: expect.stringContaining('Octavia refused the policy') });
      expect((await l7State(h, 6)).name).toBe('policy-6');
    });

    it('a write answering two tasks: both ids in the result, both polled to FINISHED', async () => {
      await fault(h, { method: 'PATCH', path: SEED.l7(7), extraTasks: 1, taskDurationMs: 250 });
      const op = await run(h, [{ target: l7Target(7), changes: { name: 'two-tasks' } }]);
      expect(op.status).toBe('SUCCEEDED');
      const { taskIds, tasks } = op.results[0].gcore;
      expect(taskIds).toHaveLength(2);
      expect(new Set(taskIds).size).toBe(2);
      expect(tasks).toEqual(taskIds.map((id: string) => ({ id, state: 'FINISHED', error: null })));
      for (const id of taskIds) expect((await calls(h, 'GET', taskPath(id))).length).toBeGreaterThanOrEqual(1);
    });

    it('two tasks, the second ends in ERROR: FAILED with that task named', async () => {
      await fault(h, { method: 'PATCH', path: SEED.l7(9), extraTasks: 1, taskDurationMs: 200, taskError: 'second task broke' });
      const op = await run(h, [{ target: l7Target(9), changes: { name: 'two-tasks-bad' } }]);
      expect(op.status).toBe('FAILED');
      const { taskIds, tasks } = op.results[0].gcore;
      expect(tasks).toEqual([
        { id: taskIds[0], state: 'FINISHED', error: null },
        { id: taskIds[1], state: 'ERROR', error: 'second task broke' },
      ]);
      expect(op.results[0].error).toMatchObject({ code: 'TASK_FAILED', message: expect.stringContaining(taskIds[1]) });
    });

    it('coalescing: two waiters on one task id share one poll loop and one GET per tick', async () => {
      const watcher = h.worker!.get(GcoreTaskWatcher, { strict: false });
      const loops = h.worker!.get(GcoreTaskLoopStore, { strict: false });
      const recordTask = h.worker!.get(RecordTaskStateUseCase, { strict: false });
      const told = jest.spyOn(recordTask, 'execute');
      try {
        await fault(h, { method: 'PATCH', path: SEED.l7(11), taskDurationMs: 1000 });
        const [taskId] = await foreignPatch(h, 11, { action: 'REJECT', name: 'shared-task' });

        const [a, b] = await Promise.all([
          watcher.watch([taskId], { operationId: 'op_COALESCEA', index: 0 }),
          watcher.watch([taskId], { operationId: 'op_COALESCEB', index: 3 }),
        ]);
        expect([a, b]).toEqual([[], []]);
        // one loop, started by the first waiter (the second joined it: its state is still the start's)
        const loop = await loops.find(taskId);
        expect(loop).toMatchObject({ loop: { taskId, polls: 0 }, ended: false, failures: 0 });
        expect((await h.redis.zrange(`{${h.prefix}}:task-loops`, 0, -1)).filter((id) => id === taskId)).toEqual([taskId]);
        expect((await h.redis.smembers(`{${h.prefix}}:taskw:${taskId}`)).sort()).toEqual(['op_COALESCEA#0', 'op_COALESCEB#3']);

        // the loop ends once the task is FINISHED, and is removed once both waiters were told (a later waiter needs a fresh loop)
        await waitFor(async () => told.mock.calls.filter(([{ settled: s }]) => s.task.id === taskId && s.task.state === 'FINISHED').length === 2, 10_000);
        await waitFor(async () => (await loops.find(taskId)) === null, 5_000);
        expect(await h.redis.exists(`{${h.prefix}}:task-loop:${taskId}`)).toBe(0);
        // one loop: the GETs of the task are one tick apart (two loops would interleave them)
        const gets = await calls(h, 'GET', taskPath(taskId));
        expect(gets.length).toBeGreaterThanOrEqual(3);
        const gaps = gets.slice(1).map((g, i) => g.at - gets[i].at);
        expect(Math.min(...gaps)).toBeGreaterThanOrEqual(80);
        // both waiters are told of the end, once each
        const finished = told.mock.calls
          .filter(([{ settled: s }]) => s.task.id === taskId && s.task.state === 'FINISHED')
          .map(([{ waiter: w }]) => `${w.operationId}#${w.index}`);
        expect(finished.sort()).toEqual(['op_COALESCEA#0', 'op_COALESCEB#3']);

        // a waiter arriving after the end gets the outcome at once: no new loop, no new GET
        const late = await watcher.watch([taskId], { operationId: 'op_COALESCEC', index: 0 });
        expect(late).toEqual([{ task: { id: taskId, state: 'FINISHED', error: null } }]);
        expect(await loops.find(taskId)).toBeNull();
        expect((await calls(h, 'GET', taskPath(taskId))).length).toBe(gets.length);
      } finally {
        told.mockRestore();
      }
    });
  });

  describe('per-target lanes', () => {
    it('two updates of one policy, posted back to back, run in acceptance order: the second PATCH only after the first task finished', async () => {
      await fault(h, { method: 'PATCH', path: SEED.l7(10), taskDurationMs: 400, count: 2 });
      const first = await submit(h, [{ target: l7Target(10), changes: { name: 'first-name' } }]);
      const second = await submit(h, [{ target: l7Target(10), changes: { name: 'second-name', position: 4 } }]);
      expect([first.status, second.status]).toEqual([202, 202]);
      const [op1, op2] = await Promise.all([waitForOperation(h, first.body.id), waitForOperation(h, second.body.id)]);
      expect([op1.status, op2.status]).toEqual(['SUCCEEDED', 'SUCCEEDED']);

      const patches = await calls(h, 'PATCH', l7Path(10));
      expect(patches.map((p) => p.status)).toEqual([200, 200]); // never a 409: the second did not race the first
      const task1 = await sandboxTask(h, op1.results[0].gcore.taskIds[0]);
      const task2 = await sandboxTask(h, op2.results[0].gcore.taskIds[0]);
      expect(task1.data).toMatchObject({ name: 'first-name' });
      expect(task2.data).toMatchObject({ name: 'second-name', position: 4 });
      expect(patches[1].at).toBeGreaterThanOrEqual(task1.finishAtMs);
      expect(await l7State(h, 10)).toMatchObject({ name: 'second-name', position: 4, task_id: null });
    });
  });

  describe('provider faults', () => {
    it('409 (locked) twice, then success: waits the lock out and SUCCEEDS', async () => {
      await fault(h, {
        method: 'PATCH',
        path: SEED.l7(1),
        status: 409,
        count: 2,
        body: { exception_class: 'ConflictError', message: 'locked by task x', request_id: 'r1' },
      });
      const op = await run(h, [{ target: l7Target(1), changes: { action: 'REDIRECT_TO_URL', redirectUrl: 'https://example.com/after-lock' } }]);
      expect(op.status).toBe('SUCCEEDED');
      expect((await calls(h, 'PATCH', l7Path(1))).map((p) => p.status)).toEqual([409, 409, 200]);
      expect((await l7State(h, 1)).redirect_url).toBe('https://example.com/after-lock');
    });

    it("policy read while another client task holds its lock: waits for the lock, reads again, keeps that task's change", async () => {
      await fault(h, { method: 'PATCH', path: SEED.l7(12), taskDurationMs: 600, count: 1 });
      const [foreignTask] = await foreignPatch(h, 12, { action: 'REDIRECT_TO_URL', redirect_url: 'https://example.com/foreign' });
      const op = await run(h, [{ target: l7Target(12), changes: { name: 'after-foreign' } }]);
      expect(op.status).toBe('SUCCEEDED');
      const patches = await calls(h, 'PATCH', l7Path(12));
      expect(patches.map((p) => p.status)).toEqual([200, 200]); // the foreign one, then ours once the lock was gone
      expect(patches[1].at).toBeGreaterThanOrEqual((await sandboxTask(h, foreignTask)).finishAtMs);
      expect((await sandboxTask(h, op.results[0].gcore.taskIds[0])).data).toEqual({
        action: 'REDIRECT_TO_URL',
        redirect_url: 'https://example.com/foreign',
        name: 'after-foreign',
      });
      expect(await l7State(h, 12)).toMatchObject({ name: 'after-foreign', redirect_url: 'https://example.com/foreign' });
    });

    it('409 after the read, the lock holder changed the policy: the retried PATCH is rebuilt from a fresh read, not re-sent stale', async () => {
      await fault(h, { method: 'PATCH', path: SEED.l7(12), status: 409, count: 1 });
      await fault(h, { method: 'PATCH', path: SEED.l7(12), taskDurationMs: 150, count: 1 });
      const res = await submit(h, [{ target: l7Target(12), changes: { position: 7 } }]);
      expect(res.status).toBe(202);
      // our first PATCH met the lock; while the client waits (~1 s), another client changes the target field
      await waitFor(async () => (await calls(h, 'PATCH', l7Path(12))).some((p) => p.status === 409), 5_000, 20);
      await foreignPatch(h, 12, { action: 'REDIRECT_TO_URL', redirect_url: 'https://example.com/changed-meanwhile' });
      const op = await waitForOperation(h, res.body.id);
      expect(op.status).toBe('SUCCEEDED');
      expect((await calls(h, 'PATCH', l7Path(12))).map((p) => p.status)).toEqual([409, 200, 200]);
      expect((await sandboxTask(h, op.results[0].gcore.taskIds[0])).data).toEqual({
        action: 'REDIRECT_TO_URL',
        redirect_url: 'https://example.com/changed-meanwhile',
        position: 7,
      });
      expect(await l7State(h, 12)).toMatchObject({ position: 7, redirect_url: 'https://example.com/changed-meanwhile' });
    });

    it('409 beyond GCORE_LOCK_WAIT_MS: FAILED with RESOURCE_LOCKED', async () => {
      await fault(h, { method: 'PATCH', path: SEED.l7(2), status: 409, count: -1 });
      const op = await run(h, [{ target: l7Target(2), changes: { action: 'REJECT' } }]);
      expect(op.status).toBe('FAILED');
      expect(op.results[0].error).toMatchObject({ code: 'RESOURCE_LOCKED', providerStatus: 409, message: expect.stringContaining('still locked') });
      expect((await calls(h, 'PATCH', l7Path(2))).length).toBeGreaterThanOrEqual(2);
      expect((await l7State(h, 2)).action).toBe('REDIRECT_PREFIX');
    });

    it('429 with Retry-After: 1 once: the PATCH is sent again after about a second and SUCCEEDS', async () => {
      await fault(h, { method: 'PATCH', path: SEED.l7(4), status: 429, count: 1, headers: { 'retry-after': '1' } });
      const op = await run(h, [{ target: l7Target(4), changes: { name: 'after-throttle' } }]);
      expect(op.status).toBe('SUCCEEDED');
      const patches = await calls(h, 'PATCH', l7Path(4));
      expect(patches.map((p) => p.status)).toEqual([429, 200]);
      expect(patches[1].at - patches[0].at).toBeGreaterThanOrEqual(900);
    });

    it('one 5xx, then success: retried and SUCCEEDS', async () => {
      await fault(h, { method: 'PATCH', path: SEED.l7(5), status: 503, count: 1 });
      const op = await run(h, [{ target: l7Target(5), changes: { name: 'after-503' } }]);
      expect(op.status).toBe('SUCCEEDED');
      expect((await calls(h, 'PATCH', l7Path(5))).map((p) => p.status)).toEqual([503, 200]);
    });

    it('persistent 502: FAILED PROVIDER_UNAVAILABLE with the provider status once the outage budget is spent (tries of 3 PATCHes each)', async () => {
      await fault(h, {
        method: 'PATCH',
        path: SEED.l7(6),
        status: 502,
        count: -1,
        body: { exception_class: 'HTTPError', message: 'bad gateway upstream', request_id: 'r5' },
      });
      const op = await run(h, [{ target: l7Target(6), changes: { action: 'REJECT', name: 'never' } }]);
      expect(op.status).toBe('FAILED');
      expect(op.results[0].error).toMatchObject({ code: 'PROVIDER_UNAVAILABLE', providerStatus: 502, providerBody: { message: 'bad gateway upstream' } });
      expect(op.results[0].error.message).toContain('PROVIDER_OUTAGE_BUDGET_MS');
      expect(op.results[0].retrying).toBeUndefined();
      // each try is PROVIDER_MAX_ATTEMPTS (3) PATCHes; the outage budget (2 s) allows more than one try
      const statuses = (await calls(h, 'PATCH', l7Path(6))).map((p) => p.status);
      expect(statuses.length % 3).toBe(0);
      expect(statuses.length).toBeGreaterThanOrEqual(6);
      expect(new Set(statuses)).toEqual(new Set([502]));
    });

    it('401 from Gcore (read and write): PROVIDER_AUTH', async () => {
      await sandboxControl(h, 'PATCH', '/__sandbox/config', { gcoreApiKey: 'rotated-key' });
      const op = await run(h, [
        { target: l7Target(8), changes: { name: 'needs-a-read' } },
        { target: l7Target(7), changes: { action: 'REJECT', name: 'write-only' } },
      ]);
      expect(op.status).toBe('FAILED');
      for (const r of op.results) {
        expect(r.error).toMatchObject({ code: 'PROVIDER_AUTH', providerStatus: 401, message: expect.stringContaining('Bad permanent token') });
      }
      // not retried
      // the read before each write already answers 401: nothing is written
      expect((await requestLog(h)).map((e) => `${e.method} ${e.path}`).sort()).toEqual([`GET ${l7Path(7)}`, `GET ${l7Path(8)}`]);
    });

    it('404 from Gcore (unknown policy or load balancer): TARGET_NOT_FOUND', async () => {
      const op = await run(h, [
        { target: { ...l7Target(1), id: UNKNOWN_ID }, changes: { name: 'ghost' } },
        { target: { ...l7Target(1), id: UNKNOWN_ID }, changes: { action: 'REJECT' } },
        { target: lbTarget('a1b2c3d4-0000-4000-8000-0000000000ff'), changes: { name: 'ghost-lb' } },
      ]);
      expect(op.status).toBe('FAILED');
      for (const r of op.results) expect(r.error).toMatchObject({ code: 'TARGET_NOT_FOUND', providerStatus: 404 });
    });
  });
});

describe('Gcore adapter with short limits (task timeout, circuit breaker)', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ env: { GCORE_TASK_TIMEOUT_MS: '1500', PROVIDER_MAX_ATTEMPTS: '3', PROVIDER_REQUEST_TIMEOUT_MS: '1000' } });
  });
  afterAll(async () => {
    await h.close();
  });
  beforeEach(async () => {
    await sandboxControl(h, 'POST', '/__sandbox/reset');
  });

  it('a task still running after GCORE_TASK_TIMEOUT_MS: FAILED with TASK_TIMEOUT', async () => {
    // the task outlasts the 1.5 s timeout by far, so a busy machine's late poll still ends the target before the task
    await fault(h, { method: 'PATCH', path: SEED.l7(1), taskDurationMs: 15_000 });
    const op = await run(h, [{ target: l7Target(1), changes: { name: 'too-slow' } }]);
    expect(op.status).toBe('FAILED');
    const result = op.results[0];
    expect(result.error).toMatchObject({ code: 'TASK_TIMEOUT', message: expect.stringContaining(result.gcore.taskIds[0]) });
    expect(result.gcore.tasks[0].state).not.toMatch(/FINISHED|ERROR/);
    const task = await sandboxTask(h, result.gcore.taskIds[0]);
    expect(Date.parse(op.completedAt)).toBeLessThan(task.finishAtMs);
  });

  it('the circuit state shows in /health/ready (providers.circuits.gcore) and /metrics (provider_circuit_state)', async () => {
    const before = await h.http.get('/health/ready');
    expect(before.status).toBe(200);
    expect(before.body.details.providers.circuits.gcore).toBe('closed');
    expect((await h.http.get('/metrics')).text).toMatch(/^provider_circuit_state\{provider="gcore"\} 0$/m);

    // five reads failing at once (a dry run reads every policy in the gateway) open the gateway's Gcore circuit
    await fault(h, { method: 'GET', path: '/cloud/v1/l7policies/', status: 503, count: -1 });
    const dry = await submit(
      h,
      [1, 2, 3, 4, 5].map((n) => ({ target: l7Target(n), changes: { name: `dry-${n}` } })),
      { dryRun: true },
    );
    expect(dry.status).toBe(200);
    expect(dry.body.status).toBe('FAILED');
    for (const r of dry.body.results) expect(r.error).toMatchObject({ code: 'PROVIDER_UNAVAILABLE' });

    const after = await h.http.get('/health/ready');
    expect(after.body.details.providers).toMatchObject({ status: 'up', circuits: { gcore: 'open', apinizer: 'closed' } });
    expect((await h.http.get('/metrics')).text).toMatch(/^provider_circuit_state\{provider="gcore"\} 2$/m);
  });
});
