import { ConfigValidationError, loadAppConfig } from '@rpg/config';
import { GcoreTaskWatcher } from '@rpg/gcore-tasks';
import { Harness, SEED, auth, l7Target, lbTarget, sandboxControl, startHarness, waitFor, waitForOperation } from '../support/harness';

/**
 * Provider truth on the Gcore side, against the strict sandbox: write answers that are malformed or say "nothing to do",
 * task reads that answer 404 (eventual consistency), 401 or 403, and a circuit breaker whose half-open trial meets a
 * non-retried 5xx.
 */

interface LogEntry {
  method: string;
  path: string;
  status: number;
  at: number;
}

const GRACE_MS = 1500;
const l7Path = (n: number) => `/cloud/v1/l7policies/${SEED.projectId}/${SEED.regionId}/${SEED.l7(n)}`;
const taskPath = (id: string) => `/cloud/v1/tasks/${id}`;

async function requestLog(h: Harness): Promise<LogEntry[]> {
  return (await sandboxControl(h, 'GET', '/__sandbox/requests')).log;
}
const fault = (h: Harness, spec: Record<string, unknown>) => sandboxControl(h, 'POST', '/__sandbox/faults', spec);
const submit = (h: Harness, updates: unknown[], extra: Record<string, unknown> = {}) =>
  h.http
    .post('/v1/routing-policy-updates')
    .set(auth())
    .send({ updates, ...extra });
async function run(h: Harness, updates: unknown[]): Promise<Record<string, any>> {
  const res = await submit(h, updates);
  expect(res.status).toBe(202);
  return waitForOperation(h, res.body.id);
}

describe('Gcore provider truth (strict sandbox)', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ env: { PROVIDER_MAX_ATTEMPTS: '3', GCORE_TASK_NOT_FOUND_GRACE_MS: String(GRACE_MS) } });
  });
  afterAll(async () => {
    await h.close();
  });
  beforeEach(async () => {
    await sandboxControl(h, 'POST', '/__sandbox/reset');
  });

  describe('write answers', () => {
    it('an L7 PATCH answered 200 without `tasks`: FAILED PROVIDER_ERROR (no task list), with the provider status and body; nothing polled', async () => {
      const body = { id: SEED.l7(5), action: 'REJECT', provisioning_status: 'PENDING_UPDATE' };
      await fault(h, { method: 'PATCH', path: SEED.l7(5), status: 200, body });
      const op = await run(h, [{ target: l7Target(5), changes: { action: 'REJECT', name: 'no-task-list' } }]);
      expect(op.status).toBe('FAILED');
      expect(op.results[0].error).toEqual({
        code: 'PROVIDER_ERROR',
        message: expect.stringContaining('no task list'),
        providerStatus: 200,
        providerBody: body,
      });
      expect((await requestLog(h)).filter((e) => e.path.startsWith('/cloud/v1/tasks'))).toEqual([]);
    });

    it('an L7 PATCH whose task list holds a non-id (a number): FAILED PROVIDER_ERROR', async () => {
      await fault(h, { method: 'PATCH', path: SEED.l7(5), status: 200, body: { tasks: [42] } });
      const op = await run(h, [{ target: l7Target(5), changes: { action: 'REJECT' } }]);
      expect(op.results[0].error).toMatchObject({ code: 'PROVIDER_ERROR', providerStatus: 200, providerBody: { tasks: [42] } });
    });

    it('an L7 PATCH that changes nothing: Gcore answers `tasks: []` and the target SUCCEEDS with nothing to poll', async () => {
      const current = await sandboxControl(h, 'GET', `/__sandbox/state/l7policies/${SEED.l7(8)}`);
      const op = await run(h, [{ target: l7Target(8), changes: { name: current.name } }]);
      expect(op.status).toBe('SUCCEEDED');
      expect(op.results[0].gcore).toEqual({ taskIds: [], tasks: [] });
      const log = await requestLog(h);
      expect(log.filter((e) => e.path === l7Path(8)).map((e) => `${e.method} ${e.status}`)).toEqual(['GET 200', 'PATCH 200', 'GET 200']);
      expect(log.filter((e) => e.path.startsWith('/cloud/v1/tasks'))).toEqual([]);
    });

    it('a load balancer PATCH answered 200 with neither a load balancer nor a task list: FAILED PROVIDER_ERROR', async () => {
      await fault(h, { method: 'PATCH', path: SEED.lbWeb, status: 200, body: { ok: true } });
      const op = await run(h, [{ target: lbTarget(), changes: { name: 'lb-odd-answer' } }]);
      expect(op.status).toBe('FAILED');
      expect(op.results[0].error).toEqual({
        code: 'PROVIDER_ERROR',
        message: expect.stringContaining('neither a load balancer nor a task list'),
        providerStatus: 200,
        providerBody: { ok: true },
      });
    });

    it('a load balancer PATCH answered 204 without a body (lgo accepts it): confirmed by a read, SUCCEEDED', async () => {
      await fault(h, { method: 'PATCH', path: SEED.lbWeb, status: 204 });
      const op = await run(h, [{ target: lbTarget(), changes: { name: 'lb-no-body' } }]);
      expect(op.status).toBe('SUCCEEDED');
      const log = (await requestLog(h)).filter((e) => e.path.endsWith(SEED.lbWeb)).map((e) => `${e.method} ${e.status}`);
      // before, the write, the confirming read, and the read for `applied`
      expect(log.slice(-4)).toEqual(['GET 200', 'PATCH 204', 'GET 200', 'GET 200']);
    });
  });

  describe('task reads', () => {
    it('a task that answers 404 for a while after the write (eventual consistency), then shows: SUCCEEDED', async () => {
      await sandboxControl(h, 'PATCH', '/__sandbox/config', { taskVisibilityDelayMs: 700 });
      const op = await run(h, [{ target: l7Target(3), changes: { name: 'seen-late' } }]);
      expect(op.status).toBe('SUCCEEDED');
      const [taskId] = op.results[0].gcore.taskIds;
      expect(op.results[0].gcore.tasks).toEqual([{ id: taskId, state: 'FINISHED', error: null }]);
      const reads = (await requestLog(h)).filter((e) => e.path === taskPath(taskId)).map((e) => e.status);
      expect(reads.filter((s) => s === 404).length).toBeGreaterThanOrEqual(2);
      expect(reads[reads.length - 1]).toBe(200);
    });

    it(
      'a task that answers 404 past GCORE_TASK_NOT_FOUND_GRACE_MS: FAILED TASK_NOT_FOUND; ' + 'the task is not shown as ERROR, also to a later waiter',
      async () => {
        await sandboxControl(h, 'PATCH', '/__sandbox/config', { taskVisibilityDelayMs: 600_000 });
        const op = await run(h, [{ target: l7Target(4), changes: { name: 'never-seen' } }]);
        expect(op.status).toBe('FAILED');
        const result = op.results[0];
        const [taskId] = result.gcore.taskIds;
        expect(result.error).toMatchObject({
          code: 'TASK_NOT_FOUND',
          providerStatus: 404,
          providerBody: { exception_class: 'NotFoundError' },
          message: expect.stringContaining(taskId),
        });
        expect(result.gcore.tasks).toEqual([{ id: taskId, state: 'NEW', error: null }]);
        const reads = (await requestLog(h)).filter((e) => e.path === taskPath(taskId));
        expect(reads.every((e) => e.status === 404)).toBe(true);
        expect(reads[reads.length - 1].at - reads[0].at).toBeGreaterThanOrEqual(GRACE_MS - 50);

        // the settled record tells a waiter arriving later the same failure, without reading the task again
        const watcher = h.worker!.get(GcoreTaskWatcher, { strict: false });
        const late = await watcher.watch([taskId], { operationId: 'op_LATEWAITER', index: 0 });
        expect(late).toEqual([
          { task: { id: taskId, state: 'NEW', error: null }, failure: expect.objectContaining({ code: 'TASK_NOT_FOUND', providerStatus: 404 }) },
        ]);
        expect((await requestLog(h)).filter((e) => e.path === taskPath(taskId))).toHaveLength(reads.length);
      },
    );

    it.each([401, 403])('a task read answered %i: FAILED PROVIDER_AUTH at once; the task is not shown as ERROR, also to a later waiter', async (status) => {
      const body = { exception_class: status === 401 ? 'AuthenticationFailed' : 'ForbiddenError', message: 'Bad permanent token', request_id: 'r-auth' };
      await fault(h, { method: 'GET', path: '/cloud/v1/tasks/', status, body, count: -1 });
      const op = await run(h, [{ target: l7Target(6), changes: { name: `auth-${status}` } }]);
      expect(op.status).toBe('FAILED');
      const result = op.results[0];
      const [taskId] = result.gcore.taskIds;
      expect(result.error).toEqual({
        code: 'PROVIDER_AUTH',
        message: expect.stringContaining(`Gcore task ${taskId} could not be read`),
        providerStatus: status,
        providerBody: body,
      });
      expect(result.gcore.tasks[0].state).not.toBe('ERROR');
      expect((await requestLog(h)).filter((e) => e.path === taskPath(taskId)).map((e) => e.status)).toEqual([status]); // not retried

      const watcher = h.worker!.get(GcoreTaskWatcher, { strict: false });
      const [late] = await watcher.watch([taskId], { operationId: 'op_LATEAUTH', index: 0 });
      expect(late.task.state).not.toBe('ERROR');
      expect(late.failure).toEqual(result.error);
    });
  });
});

describe('Gcore circuit breaker (PROVIDER_CIRCUIT_FAILURE_THRESHOLD=2, PROVIDER_CIRCUIT_OPEN_MS=400)', () => {
  let h: Harness;
  const circuit = async (): Promise<string> => (await h.http.get('/health/ready')).body.details.providers.circuits.gcore;
  const dryRead = (n: number[]) =>
    submit(
      h,
      n.map((i) => ({ target: l7Target(i), changes: { name: `dry-${i}` } })),
      { dryRun: true },
    );

  beforeAll(async () => {
    h = await startHarness({
      env: { PROVIDER_MAX_ATTEMPTS: '1', PROVIDER_REQUEST_TIMEOUT_MS: '1000', PROVIDER_CIRCUIT_FAILURE_THRESHOLD: '2', PROVIDER_CIRCUIT_OPEN_MS: '400' },
    });
  });
  afterAll(async () => {
    await h.close();
  });

  it.each([501, 505, 520])('a %i during the half-open trial reopens the circuit; once Gcore recovers, calls go through again (no restart)', async (status) => {
    await sandboxControl(h, 'POST', '/__sandbox/reset');
    expect(await circuit()).toBe('closed');

    await fault(h, { method: 'GET', path: '/cloud/v1/l7policies/', status: 503, count: 2 });
    const failing = await dryRead([1, 2]);
    expect(failing.body.results.map((r: any) => r.error?.code)).toEqual(['PROVIDER_UNAVAILABLE', 'PROVIDER_UNAVAILABLE']);
    expect(await circuit()).toBe('open');

    await fault(h, { method: 'GET', path: '/cloud/v1/l7policies/', status, count: 1 });
    await waitFor(async () => (await circuit()) === 'half-open' || undefined, 5000, 20);
    const trial = await dryRead([3]);
    expect(trial.body.results[0].error).toMatchObject({ code: 'PROVIDER_UNAVAILABLE', providerStatus: status });

    // the provider answers again: the next trial closes the circuit (before, the first trial stayed in flight forever)
    const recovered = await dryRead([4]);
    expect(recovered.status).toBe(200);
    expect(recovered.body.status).toBe('SUCCEEDED');
    expect(await circuit()).toBe('closed');
    const op = await submit(h, [{ target: l7Target(5), changes: { name: `after-${status}` } }]);
    expect((await waitForOperation(h, op.body.id)).status).toBe('SUCCEEDED');
  });

  it('the breaker variables are validated at boot (one line naming the variable)', () => {
    const base = { REDIS_URL: 'redis://127.0.0.1:6379' };
    expect(() => loadAppConfig({ ...base, PROVIDER_CIRCUIT_OPEN_MS: 'soon' })).toThrow(ConfigValidationError);
    expect(() => loadAppConfig({ ...base, PROVIDER_CIRCUIT_OPEN_MS: 'soon' })).toThrow(/PROVIDER_CIRCUIT_OPEN_MS/);
    expect(() => loadAppConfig({ ...base, PROVIDER_CIRCUIT_FAILURE_THRESHOLD: '0' })).toThrow(/PROVIDER_CIRCUIT_FAILURE_THRESHOLD/);
    expect(() => loadAppConfig({ ...base, GCORE_TASK_NOT_FOUND_GRACE_MS: '-1' })).toThrow(/GCORE_TASK_NOT_FOUND_GRACE_MS/);
    expect(loadAppConfig(base)).toMatchObject({ provider: { circuitFailureThreshold: 5, circuitOpenMs: 10_000 }, gcoreTasks: { notFoundGraceMs: 30_000 } });
  });
});
