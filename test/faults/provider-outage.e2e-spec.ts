/**
 * Outage tolerance (issue #20): a provider answering 503, then refusing connections, while many operations of both
 * providers are in flight. While it lasts the targets stay RUNNING with `retrying`, readiness stays 200 with the
 * providers down in its details, the metrics say so; once it recovers every target succeeds, each write sent once, in
 * each target's order. An outage longer than PROVIDER_OUTAGE_BUDGET_MS (shortened here) fails the target
 * PROVIDER_UNAVAILABLE with the provider's last answer.
 */
import { SEED, apinizerTarget, l7Target } from '../support/targets';
import { scaled, until } from '../support/wait';
import { api, waitForTerminal } from './support/api';
import { Gateway, Sandbox, startMeteredStack } from './support/apps';
import { stopAll } from './support/processes';
import { deletePrefix } from './support/redis';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
/** Long enough for the recovering outage below (a few seconds of 503, a few of refused connections), short enough to wait out. */
const BUDGET_MS = 40_000;
const BACKOFF_MAX_MS = 2_000;

interface LogEntry {
  method: string;
  path: string;
  status: number;
  at: number;
  body?: unknown;
}

const GCORE = [5, 6, 7, 8, 9, 10, 11, 12];
const APINIZER = [1, 2, 3, 4, 5, 6].map((n) => `spare-${n}`);
/** The complete policy with its place (the strict sandbox lists summaries: a partial change cannot be merged). */
const throttling = (messageCountForInterval: number) => ({
  replacePolicy: true,
  targetScope: 'ALL',
  targetPipeline: 'REQUEST',
  policy: {
    type: 'policy-api-based-throttling',
    description: 'outage',
    active: true,
    targetVariableForIdentity: { name: 'apiKey', type: 'HEADER', headerName: 'X-Api-Key' },
    messageCountForInterval,
    throttlingInterval: 'ONE_HOUR',
  },
});
/** Operations queued per target (one lane each): 14 targets × 4 = 56 operations in flight. */
const PER_TARGET = 4;

describe('fault: a provider outage is waited out within PROVIDER_OUTAGE_BUDGET_MS', () => {
  const prefix = `fpo${Date.now().toString(36)}`;
  let sandbox: Sandbox;
  let gateway: Gateway;
  let workerMetrics: string;

  beforeAll(async () => {
    ({ sandbox, gateway, workerMetrics } = await startMeteredStack(
      {
        redisUrl: REDIS_URL,
        prefix,
        env: {
          PROVIDER_OUTAGE_BUDGET_MS: String(BUDGET_MS),
          PROVIDER_OUTAGE_BACKOFF_MAX_MS: String(BACKOFF_MAX_MS),
          PROVIDER_MAX_ATTEMPTS: '2',
          PROVIDER_REQUEST_TIMEOUT_MS: '1500',
          PROVIDER_CIRCUIT_OPEN_MS: '1000',
        },
      },
      { SANDBOX_TASK_DURATION_MS: '300' },
    ));
  }, scaled(60_000));

  afterAll(async () => {
    await stopAll();
    await deletePrefix(REDIS_URL, prefix);
  });

  const fault = (spec: Record<string, unknown>) => sandbox.control('POST', '/__sandbox/faults', spec);
  const log = async (): Promise<LogEntry[]> => (await sandbox.control<{ log: LogEntry[] }>('GET', '/__sandbox/requests')).log;
  const get = async (id: string) => (await api(gateway.url, 'GET', `/v1/operations/${id}`)).body;
  const ready = async () => api(gateway.url, 'GET', '/health/ready');
  const metric = async (url: string, name: string, provider: string): Promise<number | undefined> => {
    const text = await (await fetch(url)).text();
    const m = new RegExp(`^${name}\\{provider="${provider}"\\} (\\S+)`, 'm').exec(text);
    return m ? Number(m[1]) : undefined;
  };
  const submit = async (target: Record<string, unknown>, changes: Record<string, unknown>): Promise<string> => {
    const res = await api(gateway.url, 'POST', '/v1/routing-policy-updates', { updates: [{ target, changes }] });
    expect(res.status).toBe(202);
    return res.body.id;
  };

  it(
    'keeps 56 operations of both providers retrying through 503s and refused connections, then applies each once, in order',
    async () => {
      // Gcore reads `message`, Apinizer `error_description`
      const down = 'Service Unavailable (maintenance)';
      await fault({ path: '/', status: 503, count: -1, body: { message: down, error: 'server_error', error_description: down } });

      // round k of every target, in order: each target's lane holds PER_TARGET updates
      const lanes = new Map<string, string[]>();
      for (let k = 0; k < PER_TARGET; k++) {
        const round = await Promise.all([
          ...GCORE.map(async (n) => [`l7:${n}`, await submit(l7Target(n), { name: `outage-${n}-${k}` })] as const),
          ...APINIZER.map(async (p) => [`apinizer:${p}`, await submit(apinizerTarget(p), throttling(100 + k))] as const),
        ]);
        for (const [lane, id] of round) lanes.set(lane, [...(lanes.get(lane) ?? []), id]);
      }
      const heads = [...lanes.values()].map((ids) => ids[0]);
      const queued = [...lanes.values()].flatMap((ids) => ids.slice(1));

      // every head waits out the outage, visibly; nothing behind it starts
      const retrying = await until(
        'every lane head retrying',
        async () => {
          const ops = await Promise.all(heads.map(get));
          // (a head's first try may have been refused by the open circuit before any answer was seen: it shows one after)
          return ops.every((op) => op.results[0].retrying?.lastError && !/circuit is open/.test(op.results[0].retrying.lastError.message)) && ops;
        },
        30_000,
        250,
      );
      for (const op of retrying) {
        expect(op.status).toBe('RUNNING');
        expect(op.results[0].status).toBe('RUNNING');
        const r = op.results[0].retrying;
        expect(r.attempt).toBeGreaterThanOrEqual(1);
        expect(Number.isNaN(Date.parse(r.nextAt))).toBe(false);
        expect(r.lastError).toMatchObject({ code: 'PROVIDER_UNAVAILABLE', providerStatus: 503 });
        expect(r.lastError.message).toContain(down);
        expect(r.lastError.providerBody).toBeUndefined();
        expect(op.results[0].error).toBeUndefined();
      }
      for (const id of queued.slice(0, 10)) expect((await get(id)).results[0].status).toBe('PENDING');

      // readiness stays green; its details and the metrics show both providers down
      const health = await until(
        'both providers down in readiness details',
        async () => {
          const res = await ready();
          const p = res.body?.details?.providers;
          return p?.gcore?.status === 'down' && p?.apinizer?.status === 'down' && res;
        },
        15_000,
        250,
      );
      expect(health.status).toBe(200);
      expect(health.body.status).toBe('ok');
      expect(health.body.details.providers.gcore).toMatchObject({ status: 'down', lastError: { code: 'PROVIDER_UNAVAILABLE', providerStatus: 503 } });
      expect(Number.isNaN(Date.parse(health.body.details.providers.gcore.since))).toBe(false);
      expect(await metric(`${gateway.url}/metrics`, 'provider_available', 'gcore')).toBe(0);
      expect(await metric(workerMetrics, 'provider_available', 'apinizer')).toBe(0);
      await until('retries counted', async () => ((await metric(workerMetrics, 'provider_outage_retries_total', 'gcore')) ?? 0) >= GCORE.length, 15_000, 250);

      // then it refuses connections: the targets keep retrying, now with the network error
      await sandbox.proc.kill9();
      await until(
        'a head retrying after a refused connection',
        async () => (await Promise.all(heads.map(get))).some((op) => op.results[0].retrying && op.results[0].retrying.lastError.providerStatus === undefined),
        20_000,
        250,
      );
      expect((await ready()).status).toBe(200);
      for (const id of heads) expect((await get(id)).results[0].status).toBe('RUNNING');

      await sandbox.restart(); // same port, fresh seed and request log, no faults: the provider is back
      const ops = await waitForTerminal(gateway.url, [...heads, ...queued], 120_000);
      const failed = [...ops.values()].filter((op) => op.status !== 'SUCCEEDED').map((op) => ({ target: op.results[0].target, error: op.results[0].error }));
      expect(failed).toEqual([]);
      for (const op of ops.values()) expect(op.results[0].retrying).toBeUndefined();

      // each write once, in each target's order
      const entries = await log();
      for (const n of GCORE) {
        const writes = entries.filter((e) => e.method === 'PATCH' && e.path.endsWith(SEED.l7(n)) && e.status >= 200 && e.status < 300);
        expect(writes.map((e) => (e.body as { name?: string }).name)).toEqual([0, 1, 2, 3].map((k) => `outage-${n}-${k}`));
        expect((await sandbox.control('GET', `/__sandbox/state/l7policies/${SEED.l7(n)}`)).name).toBe(`outage-${n}-${PER_TARGET - 1}`);
      }
      for (const p of APINIZER) {
        const writes = entries.filter((e) => e.method === 'PUT' && decodeURIComponent(e.path).includes(`/policies/${p}/`));
        expect(writes.every((e) => e.status >= 200 && e.status < 300)).toBe(true);
        expect(writes.map((e) => /"messageCountForInterval":(\d+)/.exec(JSON.stringify(e.body))?.[1])).toEqual(['100', '101', '102', '103']);
      }

      // the workers noticed: up again for readiness and metrics
      await until('both providers up again', async () => {
        const p = (await ready()).body?.details?.providers;
        return p?.gcore?.status === 'up' && p?.apinizer?.status === 'up';
      });
      expect(await metric(workerMetrics, 'provider_available', 'gcore')).toBe(1);
    },
    scaled(240_000),
  );

  it(
    'an outage while a Gcore task is polled: the polls back off and the target still succeeds',
    async () => {
      await sandbox.control('DELETE', '/__sandbox/faults');
      await fault({ method: 'GET', path: '/cloud/v1/tasks/', status: 503, count: -1, body: { message: 'tasks unavailable' } });
      const id = await submit(l7Target(3), { name: 'polled-through-outage' });
      await until(
        'task polls failing',
        async () => (await log()).filter((e) => e.path.startsWith('/cloud/v1/tasks/') && e.status === 503).length >= 3,
        30_000,
        250,
      );
      expect((await get(id)).results[0]).toMatchObject({ status: 'RUNNING', gcore: { taskIds: [expect.any(String)] } });
      await sandbox.control('DELETE', '/__sandbox/faults');
      const op = (await waitForTerminal(gateway.url, [id], 60_000)).get(id)!;
      expect(op.status).toBe('SUCCEEDED');
      expect((await log()).filter((e) => e.method === 'PATCH' && e.path.endsWith(SEED.l7(3)))).toHaveLength(1);
    },
    scaled(120_000),
  );

  it(
    'fails a target PROVIDER_UNAVAILABLE with the last answer once the outage outlasts the budget; its lane then moves on',
    async () => {
      await sandbox.control('DELETE', '/__sandbox/faults');
      await fault({ path: SEED.l7(4), status: 503, count: -1, body: { message: 'Octavia is down for good' } });
      const started = Date.now();
      const doomed = await submit(l7Target(4), { name: 'never' });
      await until('retrying', async () => (await get(doomed)).results[0].retrying, 15_000, 250);
      const behind = await submit(l7Target(4), { name: 'after-outage' });

      const op = (await waitForTerminal(gateway.url, [doomed], BUDGET_MS + 60_000)).get(doomed)!;
      expect(op.status).toBe('FAILED');
      expect(Date.now() - started).toBeGreaterThanOrEqual(BUDGET_MS);
      const result = op.results[0];
      expect(result.retrying).toBeUndefined();
      expect(result.error).toMatchObject({ code: 'PROVIDER_UNAVAILABLE', providerStatus: 503 });
      expect(result.error.message).toContain('Octavia is down for good');
      expect(result.error.message).toContain('PROVIDER_OUTAGE_BUDGET_MS');
      expect((await log()).some((e) => e.method === 'PATCH' && e.path.endsWith(SEED.l7(4)) && e.status === 200)).toBe(false);

      // the update queued behind it ran only after it ended (the fault still answers 503: it waits out its own outage)
      await sandbox.control('DELETE', '/__sandbox/faults');
      const next = (await waitForTerminal(gateway.url, [behind], 60_000)).get(behind)!;
      expect(next.status).toBe('SUCCEEDED');
      expect((await sandbox.control('GET', `/__sandbox/state/l7policies/${SEED.l7(4)}`)).name).toBe('after-outage');
    },
    scaled(BUDGET_MS + 150_000),
  );
});
