import { SEED, l7Target } from '../support/targets';
import { sleep, until } from '../support/wait';
import { api, waitForTerminal } from './support/api';
import { Gateway, Sandbox, startMeteredStack } from './support/apps';
import { stopAll } from './support/processes';
import { deletePrefix } from './support/redis';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const MAX_ATTEMPTS = 3;
const REQUEST_TIMEOUT_MS = 800;
const LOCK_WAIT_MS = 3000;
/** A 429 storm (or 502/503/504, or a refused connection) is an outage: retried this long, then the target fails. */
const OUTAGE_BUDGET_MS = 30_000;

interface LogEntry {
  method: string;
  path: string;
  status: number;
  at: number;
}

describe('fault: the providers misbehave (5xx, 429, 409, hanging connections, down)', () => {
  const prefix = `fpf${Date.now().toString(36)}`;
  let sandbox: Sandbox;
  let gateway: Gateway;
  let workerMetrics: string;

  beforeAll(async () => {
    ({ sandbox, gateway, workerMetrics } = await startMeteredStack(
      {
        redisUrl: REDIS_URL,
        prefix,
        env: {
          PROVIDER_MAX_ATTEMPTS: String(MAX_ATTEMPTS),
          PROVIDER_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
          GCORE_LOCK_WAIT_MS: String(LOCK_WAIT_MS),
          PROVIDER_OUTAGE_BUDGET_MS: String(OUTAGE_BUDGET_MS),
          PROVIDER_OUTAGE_BACKOFF_MAX_MS: '2000',
        },
      },
      { SANDBOX_TASK_DURATION_MS: '400' },
    ));
  }, 60_000);

  afterAll(async () => {
    await stopAll();
    await deletePrefix(REDIS_URL, prefix);
  });

  beforeEach(async () => {
    await sandbox.control('DELETE', '/__sandbox/faults');
    await sandbox.control('DELETE', '/__sandbox/requests');
  });

  const fault = (spec: Record<string, unknown>) => sandbox.control('POST', '/__sandbox/faults', spec);
  const submit = async (n: number, changes: Record<string, unknown> = { name: `pf-${n}-${Date.now()}` }): Promise<string> => {
    const res = await api(gateway.url, 'POST', '/v1/routing-policy-updates', { updates: [{ target: l7Target(n), changes }] });
    expect(res.status).toBe(202);
    return res.body.id;
  };
  const finish = async (id: string, timeoutMs = 30_000) => (await waitForTerminal(gateway.url, [id], timeoutMs)).get(id)!;
  const log = async (): Promise<LogEntry[]> => (await sandbox.control<{ log: LogEntry[] }>('GET', '/__sandbox/requests')).log;
  const patchesOf = async (n: number) => (await log()).filter((e) => e.method === 'PATCH' && e.path.endsWith(SEED.l7(n)));
  const gatewayCircuit = async () => {
    const { body } = await api(gateway.url, 'GET', '/health/ready');
    return (body?.details ?? body?.checks)?.providers?.circuits?.gcore as string | undefined;
  };
  const workerCircuit = async () => {
    const text = await (await fetch(workerMetrics)).text();
    const m = /^provider_circuit_state\{provider="gcore"\} (\d)/m.exec(text);
    return m ? ['closed', 'half-open', 'open'][Number(m[1])] : undefined;
  };

  it('retries a 5xx burst within the attempt budget; a 5xx that does not stop ends FAILED PROVIDER_UNAVAILABLE after exactly that budget', async () => {
    await fault({ method: 'PATCH', path: SEED.l7(1), status: 502, count: MAX_ATTEMPTS - 1, body: { message: 'Bad gateway' } });
    const burst = await finish(await submit(1));
    expect(burst.status).toBe('SUCCEEDED');
    expect(await patchesOf(1)).toHaveLength(MAX_ATTEMPTS);

    await fault({ method: 'PATCH', path: SEED.l7(2), status: 500, count: -1, body: { exception_class: 'InternalServerError', message: 'Octavia is sad' } });
    const broken = await finish(await submit(2));
    expect(broken.status).toBe('FAILED');
    expect(broken.results[0].error).toMatchObject({ code: 'PROVIDER_UNAVAILABLE', providerStatus: 500 });
    expect(broken.results[0].error.message).toContain('Octavia is sad');
    await sleep(1500); // no further attempts after the answer
    expect(await patchesOf(2)).toHaveLength(MAX_ATTEMPTS);
  }, 60_000);

  it(
    'honours Retry-After in a 429 storm; a storm that does not stop ends FAILED RATE_LIMITED after the outage budget',
    async () => {
      await fault({
        method: 'PATCH',
        path: SEED.l7(3),
        status: 429,
        count: MAX_ATTEMPTS - 1,
        headers: { 'retry-after': '1' },
        body: { message: 'Too many requests' },
      });
      await fault({ method: 'PATCH', path: SEED.l7(4), status: 429, count: -1, headers: { 'retry-after': '1' }, body: { message: 'Too many requests' } });
      const started = Date.now();
      const [storm, endless] = await Promise.all([finish(await submit(3)), finish(await submit(4), OUTAGE_BUDGET_MS + 30_000)]);
      expect(storm.status).toBe('SUCCEEDED');
      const tries = await patchesOf(3);
      expect(tries).toHaveLength(MAX_ATTEMPTS);
      for (let i = 1; i < tries.length; i++) expect(tries[i].at - tries[i - 1].at).toBeGreaterThanOrEqual(950);

      expect(endless.status).toBe('FAILED');
      expect(endless.results[0].error).toMatchObject({ code: 'RATE_LIMITED', providerStatus: 429 });
      expect(Date.now() - started).toBeGreaterThanOrEqual(OUTAGE_BUDGET_MS);
      // tries of MAX_ATTEMPTS PATCHes each, then none after the end
      const sent = (await patchesOf(4)).length;
      expect(sent % MAX_ATTEMPTS).toBe(0);
      expect(sent).toBeGreaterThan(MAX_ATTEMPTS);
      await sleep(1500);
      expect(await patchesOf(4)).toHaveLength(sent);
    },
    OUTAGE_BUDGET_MS + 60_000,
  );

  it('waits out a 409 lock; a lock that outlasts GCORE_LOCK_WAIT_MS ends FAILED RESOURCE_LOCKED', async () => {
    const locked = { exception_class: 'ConflictError', message: 'L7 policy is locked by a running task' };
    await fault({ method: 'PATCH', path: SEED.l7(5), status: 409, count: 2, body: locked });
    await fault({ method: 'PATCH', path: SEED.l7(6), status: 409, count: -1, body: locked });
    const started = Date.now();
    const [brief, forever] = await Promise.all([finish(await submit(5)), finish(await submit(6))]);
    expect(brief.status).toBe('SUCCEEDED');
    expect(await patchesOf(5)).toHaveLength(3);

    expect(forever.status).toBe('FAILED');
    expect(forever.results[0].error).toMatchObject({ code: 'RESOURCE_LOCKED', providerStatus: 409 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(LOCK_WAIT_MS);
    const tries = (await patchesOf(6)).length;
    expect(tries).toBeGreaterThanOrEqual(2);
    expect(tries).toBeLessThanOrEqual(6); // 1 s, 1.5 s, 2.25 s… waits within 3 s
  }, 60_000);

  it('times out hanging connections (writes and task polls) and goes on', async () => {
    await fault({ method: 'PATCH', path: SEED.l7(7), hang: true, count: 2 });
    const a = await finish(await submit(7));
    expect(a.status).toBe('SUCCEEDED');
    const patches = await patchesOf(7);
    expect(patches).toHaveLength(3);
    expect(patches.filter((p) => p.status === 0)).toHaveLength(2); // the two hung ones never got an answer

    await fault({ method: 'GET', path: '/cloud/v1/tasks/', hang: true, count: 1 });
    const b = await finish(await submit(8));
    expect(b.status).toBe('SUCCEEDED');
    const taskGets = (await log()).filter((e) => e.method === 'GET' && e.path.startsWith('/cloud/v1/tasks/'));
    expect(taskGets.filter((e) => e.status === 0)).toHaveLength(1);
    expect(taskGets.filter((e) => e.status === 200).length).toBeGreaterThanOrEqual(1);
  }, 60_000);

  it('while the provider is down: the circuit opens (readiness shows it), work waits, then everything resumes and the circuit closes', async () => {
    expect(await gatewayCircuit()).toBe('closed');
    await until('worker circuit closed', async () => (await workerCircuit()) === 'closed', 10_000);

    await sandbox.proc.kill9();
    const ids = await Promise.all([9, 10, 11, 12].map((n) => submit(n, { name: `after-outage-${n}` })));

    // the gateway's own provider calls (lookup) fail → its circuit opens; one failing provider still answers 200
    const lookup = () => api(gateway.url, 'POST', '/v1/routing-policies/lookup', { targets: [l7Target(1), l7Target(2)] }, {}, 20_000);
    const first = await lookup();
    expect(first.status).toBe(200);
    expect(first.body.items[0]).toMatchObject({ found: false, error: { code: 'PROVIDER_UNAVAILABLE' } });
    await until('gateway circuit open', async () => (await lookup(), (await gatewayCircuit()) === 'open'), 20_000, 0);
    await until('worker circuit open', async () => (await workerCircuit()) === 'open', 20_000, 200);
    const ready = await api(gateway.url, 'GET', '/health/ready');
    expect(ready.body.details.providers.circuits.gcore).toBe('open');
    for (const id of ids) expect(['PENDING', 'RUNNING']).toContain((await api(gateway.url, 'GET', `/v1/operations/${id}`)).body.status);

    await sleep(3000);
    await sandbox.restart(); // same port, fresh seed

    // the queued work resumes by itself (outage retries, within OUTAGE_BUDGET_MS), each write sent once
    const ops = await waitForTerminal(gateway.url, ids, 60_000);
    for (const id of ids) expect(ops.get(id)).toMatchObject({ status: 'SUCCEEDED' });
    for (const n of [9, 10, 11, 12]) {
      expect(await patchesOf(n)).toHaveLength(1);
      expect((await sandbox.control('GET', `/__sandbox/state/l7policies/${SEED.l7(n)}`)).name).toBe(`after-outage-${n}`);
    }
    await until('worker circuit closed again', async () => (await workerCircuit()) === 'closed', 15_000, 200);
    // the gateway's circuit lets a trial call through after its open period and closes on success
    await until('gateway circuit closed again', async () => (await lookup()).body.items[0].found && (await gatewayCircuit()) === 'closed', 20_000, 500);
  }, 100_000);
});
