import { GcoreClient } from '@rpg/gcore';
import { GcoreTaskWatcher } from '@rpg/gcore-tasks';
import { CircuitBreakerRegistry } from '@rpg/provider-http';
import { Harness, SEED, auth, l7Target, sandboxControl, startHarness, waitFor, waitForOperation } from '../support/harness';

/**
 * The task sweep end to end: one `GET /cloud/v1/tasks` per project/region lists the open tasks; a tracked task missing
 * from a complete listing has its own poll run at once, and per-task polls thin out to the backstop interval meanwhile.
 * A listing that is refused, or that claims a running task ended, is distrusted and the tasks follow their own schedule.
 */

interface LogEntry {
  method: string;
  path: string;
  status: number;
  at: number;
}

const BACKSTOP_MS = 20_000;
const SCOPE = `${SEED.projectId}:${SEED.regionId}`;
const LIST_PATH = '/cloud/v1/tasks';
const taskPath = (id: string) => `/cloud/v1/tasks/${id}`;

describe('Gcore task sweep (one listing per project/region)', () => {
  let h: Harness;
  const log = async (): Promise<LogEntry[]> => (await sandboxControl(h, 'GET', '/__sandbox/requests')).log;
  const key = (...parts: string[]) => `{${h.prefix}}:${parts.join(':')}`;

  async function runLongTask(n: number, durationMs: number): Promise<{ op: Record<string, any>; task: Record<string, any> }> {
    await sandboxControl(h, 'POST', '/__sandbox/faults', { method: 'PATCH', path: SEED.l7(n), taskDurationMs: durationMs });
    const res = await h.http
      .post('/v1/routing-policy-updates')
      .set(auth())
      .send({ updates: [{ target: l7Target(n), changes: { name: `swept-${n}` } }] });
    expect(res.status).toBe(202);
    const op = await waitForOperation(h, res.body.id, BACKSTOP_MS + 15_000);
    const task = await sandboxControl(h, 'GET', `/__sandbox/tasks/${op.results[0].gcore.taskIds[0]}`);
    return { op, task };
  }

  beforeAll(async () => {
    h = await startHarness({ env: { GCORE_TASK_SWEEP_MS: '200', GCORE_TASK_SWEEP_BACKSTOP_MS: String(BACKSTOP_MS) } });
  });
  afterAll(async () => {
    await h.close();
  });
  beforeEach(async () => {
    await sandboxControl(h, 'POST', '/__sandbox/reset');
    await h.redis.del(key('tasksweep-bad', SCOPE), key('tasksweep-ok', SCOPE), key('tasksweep-misses', SCOPE));
  });

  it('a long task is detected by the sweep, not by waiting for the per-task backstop; its own GETs thin out', async () => {
    const { op, task } = await runLongTask(1, 4000);
    expect(op.status).toBe('SUCCEEDED');
    // without the sweep, the first per-task poll after the dense start would come only after the backstop interval
    expect(Date.parse(op.completedAt)).toBeGreaterThanOrEqual(task.finishAtMs);
    expect(Date.parse(op.completedAt)).toBeLessThan(task.finishAtMs + BACKSTOP_MS / 2);

    const entries = await log();
    const gets = entries.filter((e) => e.method === 'GET' && e.path === taskPath(task.id));
    // the dense start (100 ms × 1.2ⁿ ≤ 200 ms until the sweep takes over) plus the final GET; the schedule alone would need ~20
    expect(gets.length).toBeLessThan(14);
    expect(gets[gets.length - 1].at).toBeGreaterThanOrEqual(task.finishAtMs);
    const lists = entries.filter((e) => e.method === 'GET' && e.path === LIST_PATH);
    expect(lists.length).toBeGreaterThan(3);
    expect(lists.every((e) => e.status === 200)).toBe(true);
    // the settled task left the scope's in-flight set, and an empty scope is forgotten
    expect(await h.redis.zcard(key('tasks-inflight', SCOPE))).toBe(0);
    await waitFor(async () => (await h.redis.sismember(key('tasks-inflight-scopes'), SCOPE)) === 0);
  });

  it('a listing that claims a running task ended is distrusted: the task follows its own schedule and still SUCCEEDS', async () => {
    await sandboxControl(h, 'POST', '/__sandbox/faults', { method: 'GET', path: `${LIST_PATH}?`, status: 200, body: { count: 0, results: [] }, count: -1 });
    // a task long enough that many of its own polls follow the distrust, however slowly a busy machine polls
    await sandboxControl(h, 'POST', '/__sandbox/faults', { method: 'PATCH', path: SEED.l7(2), taskDurationMs: 8000 });
    const res = await h.http
      .post('/v1/routing-policy-updates')
      .set(auth())
      .send({ updates: [{ target: l7Target(2), changes: { name: 'swept-2' } }] });
    expect(res.status).toBe(202);
    // the sweep brings the poll forward, the poll finds the task RUNNING: the scope's listing is no longer trusted
    await waitFor(async () => (await h.redis.pttl(key('tasksweep-bad', SCOPE))) > 60_000);
    const distrustedAt = Date.now();
    const listed = (await log()).filter((e) => e.path === LIST_PATH).length;

    const op = await waitForOperation(h, res.body.id, BACKSTOP_MS + 15_000);
    expect(op.status).toBe('SUCCEEDED');
    // not listed while distrusted (the whole rest of the task's run, not a fixed window)
    expect((await log()).filter((e) => e.path === LIST_PATH).length).toBe(listed);
    const task = await sandboxControl(h, 'GET', `/__sandbox/tasks/${op.results[0].gcore.taskIds[0]}`);
    // back on its own schedule (every ≤ 200 ms), not stretched to the backstop (20 s: one GET at most in the task's
    // remaining seconds); counted from the distrust on, so a slow start on a busy machine takes nothing from it
    const gets = (await log()).filter((e) => e.method === 'GET' && e.path === taskPath(task.id));
    expect(gets.filter((e) => e.at > distrustedAt).length).toBeGreaterThan(5);
    expect(Date.parse(op.completedAt)).toBeLessThan(task.finishAtMs + BACKSTOP_MS / 2);
  });

  it('a listing the provider refuses (400) stops the sweep of that scope; tasks follow their own schedule', async () => {
    await sandboxControl(h, 'POST', '/__sandbox/faults', { method: 'GET', path: `${LIST_PATH}?`, status: 400, count: -1 });
    const { op } = await runLongTask(3, 2000);
    expect(op.status).toBe('SUCCEEDED');
    expect(await h.redis.pttl(key('tasksweep-bad', SCOPE))).toBeGreaterThan(60_000);
    expect((await log()).filter((e) => e.path === LIST_PATH && e.status === 400)).toHaveLength(1);
  });

  it('a listing that fails (503) backs that scope off for a short while and never counts toward the Gcore circuit', async () => {
    await sandboxControl(h, 'POST', '/__sandbox/faults', { method: 'GET', path: `${LIST_PATH}?`, status: 503, count: -1 });
    await sandboxControl(h, 'POST', '/__sandbox/faults', { method: 'PATCH', path: SEED.l7(4), taskDurationMs: 2500 });
    const res = await h.http
      .post('/v1/routing-policy-updates')
      .set(auth())
      .send({ updates: [{ target: l7Target(4), changes: { name: 'swept-4' } }] });
    expect(res.status).toBe(202);
    await waitFor(async () => (await h.redis.pttl(key('tasksweep-bad', SCOPE))) > 0);
    const backoff = await h.redis.pttl(key('tasksweep-bad', SCOPE));
    expect(backoff).toBeGreaterThan(20_000);
    expect(backoff).toBeLessThanOrEqual(30_000);
    const op = await waitForOperation(h, res.body.id, BACKSTOP_MS + 15_000);
    expect(op.status).toBe('SUCCEEDED');
    // one failed listing, then none while backed off; the worker's Gcore circuit (shared by writes) saw nothing of it
    expect((await log()).filter((e) => e.path === LIST_PATH && e.status === 503)).toHaveLength(1);
    expect(h.worker!.get(CircuitBreakerRegistry).get('gcore').current).toBe('closed');
    // more failed listings in a row than open the circuit for other calls (5): still closed
    const client = h.worker!.get(GcoreClient);
    for (let n = 0; n < 6; n++)
      await expect(client.listTasks({ projectId: SEED.projectId, regionId: SEED.regionId, states: ['NEW'], limit: 10, offset: 0 })).rejects.toThrow();
    expect(h.worker!.get(CircuitBreakerRegistry).get('gcore').current).toBe('closed');
  });

  it('a paged listing may miss a running task now and then (offsets shift while pages are fetched): 20 misses a minute are tolerated', async () => {
    const watcher = h.worker!.get(GcoreTaskWatcher);
    await sandboxControl(h, 'POST', '/__sandbox/faults', { method: 'PATCH', path: SEED.l7(5), taskDurationMs: 60_000 });
    const patch = await fetch(`${h.sandbox.url}/cloud/v1/l7policies/${SEED.projectId}/${SEED.regionId}/${SEED.l7(5)}`, {
      method: 'PATCH',
      headers: { authorization: 'APIKey sandbox-gcore-key', 'content-type': 'application/json' },
      body: JSON.stringify({ action: 'REJECT', name: 'paged-miss' }), // a real change: a no-op PATCH answers no task
    });
    const [taskId] = ((await patch.json()) as { tasks: string[] }).tasks;
    // the strict sandbox shows a new task only after a moment (a 404 meanwhile is no claim about the listing)
    await waitFor(
      async () => (await fetch(`${h.sandbox.url}${taskPath(taskId)}`, { headers: { authorization: 'APIKey sandbox-gcore-key' } })).status === 200,
      undefined,
      20,
    );
    const data = { taskId, startedAt: Date.now(), deadlineAt: Date.now() + 60_000, polls: 0, scope: SCOPE };
    // the poke the poller's claim read off the loop (GcoreTaskLoopStore.bringForward stores it there)
    const pokedAndRunning = async (listing: 'page' | 'pages') => {
      expect(await watcher.poll({ ...data }, listing)).toMatchObject({ kind: 'again', state: expect.stringMatching(/^(NEW|RUNNING)$/) });
    };
    for (let n = 0; n < 20; n++) await pokedAndRunning('pages');
    expect(await h.redis.exists(key('tasksweep-bad', SCOPE))).toBe(0);
    await pokedAndRunning('pages');
    expect(await h.redis.pttl(key('tasksweep-bad', SCOPE))).toBeGreaterThan(60_000);

    // a one-page listing cannot miss a task: distrusted at the first wrong claim
    await h.redis.del(key('tasksweep-bad', SCOPE), key('tasksweep-misses', SCOPE));
    await pokedAndRunning('page');
    expect(await h.redis.pttl(key('tasksweep-bad', SCOPE))).toBeGreaterThan(60_000);
    // an ordinary poll (no poke) does not count
    await h.redis.del(key('tasksweep-bad', SCOPE));
    expect(await watcher.poll({ ...data })).toMatchObject({ kind: 'again' });
    expect(await h.redis.exists(key('tasksweep-bad', SCOPE))).toBe(0);
  });
});
