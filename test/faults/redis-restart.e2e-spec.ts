import { SEED, l7Target, lbTarget } from '../support/targets';
import { scaled, sleep, until } from '../support/wait';
import { TERMINAL, api, waitForTerminal } from './support/api';
import { Gateway, Sandbox, appEnv, startGateway, startSandbox, startWorker } from './support/apps';
import { Proc, stopAll } from './support/processes';
import { RedisServer, startRedis } from './support/redis';

const TARGETS = [...Array.from({ length: 12 }, (_, i) => l7Target(i + 1)), lbTarget(SEED.lbWeb), lbTarget(SEED.lbApi)];

describe('fault: Redis is killed (kill -9) mid-flight and restarted on the same port and data dir', () => {
  let redis: RedisServer;
  let sandbox: Sandbox;
  let gateway: Gateway;
  let worker: Proc;

  beforeAll(async () => {
    [redis, sandbox] = await Promise.all([startRedis(), startSandbox({ SANDBOX_TASK_DURATION_MS: '1500' })]);
    await sandbox.control('PATCH', '/__sandbox/config', { lbPatchCreatesTask: true });
    const env = appEnv({ redisUrl: redis.url, sandboxUrl: sandbox.url, prefix: 'fredis' });
    [gateway, worker] = await Promise.all([startGateway(env), startWorker(env)]);
  }, 120_000);

  afterAll(async () => {
    await stopAll();
  });

  it('answers 503 (never 202) while Redis is away, becomes ready again by itself, and loses nothing it accepted', async () => {
    await until('ready', async () => (await api(gateway.url, 'GET', '/health/ready')).status === 200, 10_000);
    const accepted: string[] = [];
    const post = (n: number) =>
      api(gateway.url, 'POST', '/v1/routing-policy-updates', { updates: [{ target: TARGETS[n % TARGETS.length], changes: { name: `rr-${n}` } }] }, {}, 10_000);

    // 3 operations per target: the first ones are mid-poll when Redis dies, the others wait in their lanes
    for (let n = 0; n < 3 * TARGETS.length; n++) {
      const res = await post(n);
      expect(res.status).toBe(202);
      accepted.push(res.body.id);
    }
    await until(
      'Gcore tasks being polled',
      async () => {
        const { log } = await sandbox.control<{ log: { method: string; path: string }[] }>('GET', '/__sandbox/requests');
        return log.filter((e) => e.method === 'GET' && e.path.startsWith('/cloud/v1/tasks/')).length >= TARGETS.length;
      },
      15_000,
    );

    const killed = await redis.proc.kill9();
    expect(killed.signal).toBe('SIGKILL');

    // readiness says so
    await until('readiness 503', async () => (await api(gateway.url, 'GET', '/health/ready')).status === 503, 10_000, 200);
    const ready = await api(gateway.url, 'GET', '/health/ready');
    expect(ready.status).toBe(503);
    expect(ready.text).not.toMatch(/\bat .+\.js:\d+/); // no stack trace

    // writes are refused with a problem, never acknowledged; reads fail the same clean way
    const refused: number[] = [];
    for (let n = 0; n < 10; n++) {
      const started = Date.now();
      const res = await post(1000 + n);
      refused.push(res.status);
      expect(res.status).toBe(503);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({ status: 503 });
      expect(res.headers.get('retry-after')).toBeTruthy();
      expect(Date.now() - started).toBeLessThan(scaled(5_000)); // fails fast instead of hanging (until the 10 s client timeout)
      await sleep(200);
    }
    const read = await api(gateway.url, 'GET', `/v1/operations/${accepted[0]}`);
    expect(read.status).toBe(503);
    expect(read.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(gateway.proc.running).toBe(true);
    expect(worker.running).toBe(true);

    // down longer than a job lock lives (10 s): the jobs that were running come back as stalled ones
    await sleep(9_000);
    await redis.restart();

    // the same processes recover on their own
    await until('readiness 200 again', async () => (await api(gateway.url, 'GET', '/health/ready')).status === 200, 30_000, 200);
    expect(gateway.proc.running).toBe(true);
    expect(worker.running).toBe(true);
    for (let n = 0; n < 5; n++) {
      const res = await until(
        `POST ${n} accepted after the restart`,
        async () => ((r) => (r.status === 202 ? r : undefined))(await post(2000 + n)),
        10_000,
        200,
      );
      accepted.push(res.body.id);
    }

    // pub/sub is back too: Prefer: wait sees the end
    const waited = await api(
      gateway.url,
      'POST',
      '/v1/routing-policy-updates',
      { updates: [{ target: TARGETS[0], changes: { name: 'rr-wait' } }] },
      { prefer: 'wait=20' },
      30_000,
    );
    expect(waited.status).toBe(200);
    expect(waited.body.status).toBe('SUCCEEDED');
    accepted.push(waited.body.id);

    // every operation answered 202 ends, and the ones accepted before the crash are all still there
    const ops = await waitForTerminal(gateway.url, accepted, 90_000);
    expect(ops.size).toBe(accepted.length);
    const statuses = [...ops.values()].map((o) => o.status);
    expect(statuses.every((s) => TERMINAL.has(s))).toBe(true);
    expect(statuses.filter((s) => s !== 'SUCCEEDED')).toEqual([]);
    expect(gateway.proc.running).toBe(true);
    expect(worker.running).toBe(true);
    expect(gateway.proc.lines.join('\n')).not.toMatch(/UnhandledPromiseRejection|unhandled 'error' event|FATAL/i);
    expect(worker.lines.join('\n')).not.toMatch(/UnhandledPromiseRejection|unhandled 'error' event|FATAL/i);
    // the outage is told in log lines (one per burst of the same error), never as raw errors on stderr
    for (const proc of [gateway.proc, worker]) expect(proc.lines.filter((l) => l.trim() && !l.startsWith('{'))).toEqual([]);
    const outage = worker.lines.filter((l) => /ECONNREFUSED/.test(l));
    expect(outage.length).toBeGreaterThan(0);
    expect(outage.length).toBeLessThan(60);
  }, 300_000);
});
