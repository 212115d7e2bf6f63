import { Harness, SEED, apinizerTarget, auth, l7Target, lbTarget, sandboxControl, startHarness, waitForOperation } from '../support/harness';

interface LogEntry {
  method: string;
  path: string;
  status: number;
  at: number;
  body?: unknown;
}

async function writes(h: Harness): Promise<LogEntry[]> {
  const { log } = (await sandboxControl(h, 'GET', '/__sandbox/requests')) as { log: LogEntry[] };
  return log.filter((e) => e.method !== 'GET');
}

describe('what a frontend needs: dry-run plans and aggregated lookup', () => {
  let h: Harness;

  beforeAll(async () => {
    // the Apinizer updates here merge into a full provider policy: the per-policy pages' full list (strict default: summaries)
    h = await startHarness({ sandbox: { apinizerListMode: 'status' } });
  });
  afterAll(async () => {
    await h.close();
  });
  beforeEach(async () => {
    await sandboxControl(h, 'POST', '/__sandbox/reset');
  });

  it('dry run reads and merges, writes and stores nothing, and the real update sends exactly the planned bodies', async () => {
    const body = {
      updates: [
        { target: l7Target(2), changes: { name: 'prefix-renamed', tags: ['a', 'b'] } },
        { target: lbTarget(), changes: { tags: { team: 'edge', env: null }, logging: { enabled: true } } },
        { target: apinizerTarget('rate-limit'), changes: { policy: { messageCountForInterval: 321 }, order: 1 } },
      ],
    };
    const keysBefore = (await h.redis.keys(`{${h.prefix}}:op:*`)).length;
    const dry = await h.http
      .post('/v1/routing-policy-updates')
      .set(auth())
      .send({ ...body, dryRun: true });
    expect(dry.status).toBe(200);
    expect(dry.headers.location).toBeUndefined();
    expect(dry.body).toMatchObject({ dryRun: true, status: 'SUCCEEDED' });
    expect((await h.redis.keys(`{${h.prefix}}:op:*`)).length).toBe(keysBefore);
    expect(await writes(h)).toEqual([]);

    const [l7, lb, apz] = dry.body.results;
    expect(l7.plan).toEqual([
      {
        method: 'PATCH',
        path: `/cloud/v1/l7policies/${SEED.projectId}/${SEED.regionId}/${SEED.l7(2)}`,
        body: { action: 'REDIRECT_PREFIX', redirect_prefix: 'https://example.com/v2', name: 'prefix-renamed', tags: ['a', 'b'] },
      },
    ]);
    expect(l7.diff).toEqual(
      expect.arrayContaining([
        { field: 'name', from: 'redirect-prefix', to: 'prefix-renamed' },
        { field: 'tags', from: [], to: ['a', 'b'] },
      ]),
    );
    expect(lb.diff).toEqual(expect.arrayContaining([{ field: 'tags', from: { env: 'prod' }, to: { team: 'edge' } }]));
    expect(apz.plan[0].method).toBe('PUT');
    expect(apz.plan[0].body.operationMetadata).toMatchObject({ targetScope: 'ALL', targetPipeline: 'REQUEST', deploy: false, order: 1 });
    expect(apz.diff).toEqual(expect.arrayContaining([{ field: 'policy.messageCountForInterval', from: 100, to: 321 }]));

    const real = await h.http.post('/v1/routing-policy-updates').set(auth()).send(body);
    expect(real.status).toBe(202);
    expect((await waitForOperation(h, real.body.id)).status).toBe('SUCCEEDED');
    const sent = await writes(h);
    const planned = dry.body.results.flatMap((r: { plan: { method: string; path: string; body: unknown }[] }) => r.plan);
    for (const call of planned) {
      const match = sent.find((w) => w.method === call.method && w.path === call.path);
      expect(match?.body).toEqual(call.body);
    }
    expect(sent).toHaveLength(planned.length);
  });

  it('dry run answers validation and merge errors exactly as a real update would be judged', async () => {
    const invalid = await h.http
      .post('/v1/routing-policy-updates')
      .set(auth())
      .send({ dryRun: true, updates: [{ target: l7Target(1), changes: { action: 'REDIRECT_TO_POOL' } }] });
    expect(invalid.status).toBe(400);
    expect(invalid.body.errors).toEqual([{ path: 'updates[0].changes.redirectPoolId', message: expect.stringContaining('required') }]);
    const merge = await h.http
      .post('/v1/routing-policy-updates')
      .set(auth())
      .send({ dryRun: true, updates: [{ target: l7Target(3), changes: { redirectUrl: 'https://example.com/x' } }] });
    expect(merge.status).toBe(422);
    expect(merge.body.errors[0].path).toBe('updates[0].changes.redirectUrl');
  });

  it('lookup reads targets in parallel, in request order, one failing or slow provider never failing the others', async () => {
    const SLOW_PROVIDER_MS = 15_000;
    await sandboxControl(h, 'POST', '/__sandbox/faults', { method: 'GET', path: '/apiops/', status: 500, count: -1 });
    await sandboxControl(h, 'POST', '/__sandbox/faults', {
      method: 'GET',
      path: `/loadbalancers/${SEED.projectId}/${SEED.regionId}/${SEED.lbApi}`,
      delayMs: SLOW_PROVIDER_MS, // three times the per-item budget (5 s): room for a busy machine between the two
      count: -1,
    });
    const started = Date.now();
    const res = await h.http
      .post('/v1/routing-policies/lookup')
      .set(auth())
      .send({
        targets: [l7Target(1), apinizerTarget('rate-limit'), lbTarget(SEED.lbApi), lbTarget(), { ...l7Target(1), id: '00000000-0000-4000-8000-0000000000ff' }],
      });
    const elapsed = Date.now() - started;
    expect(res.status).toBe(200);
    const [l7, apz, slow, lb, missing] = res.body.items;
    expect(l7).toMatchObject({
      found: true,
      current: { action: 'REDIRECT_TO_URL', name: 'redirect-to-url', redirectUrl: 'https://example.com/new' },
      provider: { id: SEED.l7(1) },
    });
    expect(apz.error).toMatchObject({ code: 'PROVIDER_UNAVAILABLE', providerStatus: 500 });
    expect(slow.error).toMatchObject({ code: 'PROVIDER_TIMEOUT' });
    expect(lb).toMatchObject({ found: true, current: { name: 'lb-web', tags: { env: 'prod' } } });
    expect(missing).toMatchObject({ found: false });
    expect(missing.error).toBeUndefined();
    expect(elapsed).toBeLessThan(SLOW_PROVIDER_MS); // bounded by the per-item timeout, not by the slow provider
  });

  it('coalesces reads of the same target within 2 s', async () => {
    await sandboxControl(h, 'DELETE', '/__sandbox/requests');
    const target = l7Target(9);
    const [a, b] = await Promise.all([
      h.http
        .post('/v1/routing-policies/lookup')
        .set(auth())
        .send({ targets: [target, target] }),
      h.http
        .post('/v1/routing-policies/lookup')
        .set(auth())
        .send({ targets: [target] }),
    ]);
    expect(a.body.items).toHaveLength(2);
    expect(b.body.items[0].found).toBe(true);
    const { counts } = await sandboxControl(h, 'GET', '/__sandbox/requests');
    expect(counts[`GET /cloud/v1/l7policies/${SEED.projectId}/${SEED.regionId}/${SEED.l7(9)}`]).toBe(1);
  });
});
