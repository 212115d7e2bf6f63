import { Harness, apinizerTarget, auth, deleteKeys, sandboxControl, startHarness, waitForOperation } from '../support/harness';

/**
 * The Apinizer adapter end to end: gateway → BullMQ → worker → ApinizerAdapter → provider sandbox over HTTP, on real Redis.
 * Every test starts from the sandbox seed (petstore: request list rate-limit, ip-blacklist, spare-1..6; response list
 * max-size; endpoint GET /pets with pets-script) and with no last-applied config in Redis.
 * These tests are about merging with a full provider policy: the strict sandbox is told to list full policies (the
 * per-policy pages' reading). The strict default (summaries without names) is covered in apinizer-truth.e2e-spec.ts.
 */
const FULL_LIST = { apinizerListMode: 'status' as const };

type Json = any;

const PETSTORE = '/__sandbox/state/apinizer/demo/petstore';
const POLICIES = '/apiops/projects/demo/apiProxies/petstore/policies/';

async function petstore(h: Harness): Promise<Json> {
  return sandboxControl(h, 'GET', PETSTORE);
}

/** Where a policy sits in the sandbox state: `request` / `response` / `error` or `GET /pets:request`, and its index. */
function locate(proxy: Json, name: string): { where: string; index: number; policy: Json } | undefined {
  const lists: [string, Json][] = [
    ['request', proxy.requestPolicyList],
    ['response', proxy.responsePolicyList],
    ['error', proxy.errorPolicyList],
  ];
  for (const e of proxy.endpointList) {
    lists.push(
      [`${e.httpMethod} ${e.endpoint}:request`, e.requestPolicyList],
      [`${e.httpMethod} ${e.endpoint}:response`, e.responsePolicyList],
      [`${e.httpMethod} ${e.endpoint}:error`, e.errorPolicyList],
    );
  }
  for (const [where, list] of lists) {
    const index = (list as Json[]).findIndex((p) => p.name === name);
    if (index !== -1) return { where, index, policy: list[index] };
  }
  return undefined;
}

async function policyOf(h: Harness, name: string): Promise<Json> {
  return locate(await petstore(h), name)?.policy;
}

async function submit(h: Harness, updates: Json[]): Promise<string> {
  const res = await h.http.post('/v1/routing-policy-updates').set(auth()).send({ updates });
  expect(res.status).toBe(202);
  return res.body.id;
}

/** One update through the gateway, waited for; returns the operation. */
async function run(h: Harness, target: Json, changes: Json): Promise<Json> {
  return waitForOperation(h, await submit(h, [{ target, changes }]));
}

async function dryRun(h: Harness, target: Json, changes: Json) {
  return h.http
    .post('/v1/routing-policy-updates')
    .set(auth())
    .send({ updates: [{ target, changes }], dryRun: true });
}

async function requestCounts(h: Harness): Promise<Record<string, number>> {
  return (await sandboxControl(h, 'GET', '/__sandbox/requests')).counts;
}

const putCount = async (h: Harness, name: string) => (await requestCounts(h))[`PUT ${POLICIES}${name}/`] ?? 0;

const throttling = (extra: Json = {}) => ({
  targetVariableForIdentity: { name: 'apiKey', type: 'HEADER', headerName: 'X-Api-Key' },
  messageCountForInterval: 42,
  throttlingInterval: 'ONE_HOUR',
  ...extra,
});

describe('Apinizer adapter (e2e)', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ sandbox: FULL_LIST });
  });
  afterAll(async () => {
    await h.close();
  });
  beforeEach(async () => {
    await sandboxControl(h, 'POST', '/__sandbox/reset');
    await deleteKeys(h.redis, `{${h.prefix}}:apinizer-config:*`);
  });

  describe('read-merge-PUT', () => {
    it.each(['status', 'success'])('changes one field and keeps every other one, with the full config from the %s envelope', async (mode) => {
      await sandboxControl(h, 'PATCH', '/__sandbox/config', { apinizerListMode: mode });
      const before = await petstore(h);
      const seeded = locate(before, 'rate-limit')!;

      const op = await run(h, apinizerTarget('rate-limit'), { policy: { messageCountForInterval: 321 } });
      expect(op.status).toBe('SUCCEEDED');
      expect(op.results[0]).toMatchObject({ status: 'SUCCEEDED', apinizer: { status: 'SUCCESS', mergedFrom: 'provider' } });
      expect(op.results[0].apinizer.lastAppliedAt).toBeUndefined();

      const after = await petstore(h);
      const now = locate(after, 'rate-limit')!;
      expect(now.policy).toEqual({ ...seeded.policy, messageCountForInterval: 321 });
      expect([now.where, now.index]).toEqual([seeded.where, seeded.index]);
      // nothing else in the proxy moved or changed
      expect({ ...after, requestPolicyList: after.requestPolicyList.filter((p: Json) => p.name !== 'rate-limit') }).toEqual({
        ...before,
        requestPolicyList: before.requestPolicyList.filter((p: Json) => p.name !== 'rate-limit'),
      });
      expect(await putCount(h, 'rate-limit')).toBe(1);
    });

    it('plans the exact PUT in a dry run: full policy, order null, deploy false sent explicitly, nothing written', async () => {
      const res = await dryRun(h, apinizerTarget('rate-limit'), { policy: { messageCountForInterval: 321 } });
      expect(res.status).toBe(200);
      const result = res.body.results[0];
      expect(result.status).toBe('SUCCEEDED');
      expect(result.plan).toHaveLength(1);
      expect(result.plan[0]).toMatchObject({ method: 'PUT', path: `${POLICIES}rate-limit/` });
      const body = result.plan[0].body;
      expect(body.operationMetadata).toEqual({
        targetScope: 'ALL',
        targetPipeline: 'REQUEST',
        deploy: false,
        deployTargetEnvironmentNameList: [],
        order: null,
      });
      const { name: _name, ...seeded } = await policyOf(h, 'rate-limit');
      expect(body.policy).toEqual({ ...seeded, messageCountForInterval: 321 });
      expect(result.diff).toEqual([{ field: 'policy.messageCountForInterval', from: 100, to: 321 }]);
      expect(await putCount(h, 'rate-limit')).toBe(0);
      expect((await policyOf(h, 'rate-limit')).messageCountForInterval).toBe(100);
    });

    it('uses the last config this gateway applied (Redis) when the list holds summaries only', async () => {
      const first = await run(h, apinizerTarget('spare-1'), { policy: { messageCountForInterval: 11 } });
      expect(first.status).toBe('SUCCEEDED');
      const stored = await h.redis.get(`{${h.prefix}}:apinizer-config:apinizer:policy:demo:petstore:spare-1`);
      expect(JSON.parse(stored!)).toMatchObject({
        policy: { messageCountForInterval: 11, throttlingInterval: 'ONE_MINUTE' },
        operationMetadata: { targetScope: 'ALL', targetPipeline: 'REQUEST' },
      });
      const seeded = await policyOf(h, 'spare-1');

      await sandboxControl(h, 'PATCH', '/__sandbox/config', { apinizerListMode: 'summary' });
      const op = await run(h, apinizerTarget('spare-1'), { policy: { throttlingInterval: 'ONE_HOUR' } });
      expect(op.status).toBe('SUCCEEDED');
      expect(await policyOf(h, 'spare-1')).toEqual({ ...seeded, messageCountForInterval: 11, throttlingInterval: 'ONE_HOUR' });
    });

    it('named summary list, no known config, partial changes.policy: FAILED CURRENT_CONFIG_UNKNOWN, nothing sent; dry run is a 422', async () => {
      await sandboxControl(h, 'PATCH', '/__sandbox/config', { apinizerListMode: 'summary' });
      const op = await run(h, apinizerTarget('spare-2'), { policy: { messageCountForInterval: 5 } });
      expect(op.status).toBe('FAILED');
      const error = op.results[0].error;
      expect(error.code).toBe('CURRENT_CONFIG_UNKNOWN');
      expect(error.message).toContain('replacePolicy: true');
      expect(await putCount(h, 'spare-2')).toBe(0);

      const res = await dryRun(h, apinizerTarget('spare-2'), { policy: { messageCountForInterval: 5 } });
      expect(res.status).toBe(422);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body.errors.map((e: Json) => e.path)).toEqual(['updates[0].changes.policy']);
    });

    it('named summary list, no known config, replacePolicy with the complete policy: SUCCEEDED, sent as it is, kept in place', async () => {
      await sandboxControl(h, 'PATCH', '/__sandbox/config', { apinizerListMode: 'summary' });
      const policy = { type: 'policy-api-based-throttling', description: 'replaced', active: false, ...throttling() };
      const op = await run(h, apinizerTarget('spare-3'), { replacePolicy: true, policy });
      expect(op.status).toBe('SUCCEEDED');
      expect(op.results[0].apinizer.mergedFrom).toBe('request');
      const { log } = await sandboxControl(h, 'GET', '/__sandbox/requests');
      expect(log.find((e: Json) => e.method === 'PUT').body).toEqual({
        operationMetadata: { targetScope: 'ALL', targetPipeline: 'REQUEST', deploy: false, deployTargetEnvironmentNameList: [], order: null },
        policy,
      });
      expect(locate(await petstore(h), 'spare-3')).toMatchObject({ where: 'request', index: 4 });
    });

    it('two updates to one policy sent back to back both land (no lost update)', async () => {
      await sandboxControl(h, 'PATCH', '/__sandbox/config', { latencyMs: 30 });
      const [a, b] = await Promise.all([
        submit(h, [{ target: apinizerTarget('rate-limit'), changes: { policy: { messageCountForInterval: 500 } } }]),
        submit(h, [{ target: apinizerTarget('rate-limit'), changes: { policy: { throttlingInterval: 'ONE_HOUR', description: 'both' } } }]),
      ]);
      const [opA, opB] = await Promise.all([waitForOperation(h, a), waitForOperation(h, b)]);
      expect([opA.status, opB.status]).toEqual(['SUCCEEDED', 'SUCCEEDED']);
      expect(await policyOf(h, 'rate-limit')).toMatchObject({ messageCountForInterval: 500, throttlingInterval: 'ONE_HOUR', description: 'both' });
    });

    it('two back-to-back updates also both land when the list holds summaries (last-applied chain)', async () => {
      expect((await run(h, apinizerTarget('spare-4'), { policy: { intervalWindowType: 'SLIDING' } })).status).toBe('SUCCEEDED');
      await sandboxControl(h, 'PATCH', '/__sandbox/config', { apinizerListMode: 'summary', latencyMs: 30 });
      const ids = await Promise.all([
        submit(h, [{ target: apinizerTarget('spare-4'), changes: { policy: { messageCountForInterval: 501 } } }]),
        submit(h, [{ target: apinizerTarget('spare-4'), changes: { policy: { throttlingInterval: 'ONE_DAY' } } }]),
      ]);
      const ops = await Promise.all(ids.map((id) => waitForOperation(h, id)));
      expect(ops.map((o) => o.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
      expect(await policyOf(h, 'spare-4')).toMatchObject({
        intervalWindowType: 'SLIDING',
        messageCountForInterval: 501,
        throttlingInterval: 'ONE_DAY',
        cacheErrorHandlingType: 'FAIL',
      });
    });

    it('finds the policy case-insensitively and writes it under its own name', async () => {
      const plan = await dryRun(h, apinizerTarget('RATE-Limit'), { policy: { messageCountForInterval: 222 } });
      expect(plan.body.results[0].plan[0].path).toBe(`${POLICIES}rate-limit/`);
      const op = await run(h, apinizerTarget('RATE-Limit'), { policy: { messageCountForInterval: 222 } });
      expect(op.status).toBe('SUCCEEDED');
      const proxy = await petstore(h);
      expect(locate(proxy, 'rate-limit')?.policy.messageCountForInterval).toBe(222);
      expect(locate(proxy, 'RATE-Limit')).toBeUndefined();
    });
  });

  describe('scope, pipeline and order', () => {
    it('moves a policy from ALL to ENDPOINT GET /pets with every field, and keeps it there on the next partial change', async () => {
      const seeded = await policyOf(h, 'rate-limit');
      const op = await run(h, apinizerTarget('rate-limit'), { targetScope: 'ENDPOINT', targetEndpoint: '/pets', targetEndpointHTTPMethod: 'GET' });
      expect(op.status).toBe('SUCCEEDED');
      let where = locate(await petstore(h), 'rate-limit')!;
      expect(where.where).toBe('GET /pets:request');
      expect(where.policy).toEqual(seeded);

      const next = await run(h, apinizerTarget('rate-limit'), { policy: { messageCountForInterval: 7 } });
      expect(next.status).toBe('SUCCEEDED');
      where = locate(await petstore(h), 'rate-limit')!;
      expect(where.where).toBe('GET /pets:request');
      expect(where.policy).toEqual({ ...seeded, messageCountForInterval: 7 });
    });

    it('ENDPOINT scope without an endpoint fails naming targetEndpoint (422 in a dry run), nothing written', async () => {
      const op = await run(h, apinizerTarget('rate-limit'), { targetScope: 'ENDPOINT' });
      expect(op.status).toBe('FAILED');
      expect(op.results[0].error.code).toBe('INVALID_CHANGE');
      expect(op.results[0].error.message).toContain('targetEndpoint');
      expect(await putCount(h, 'rate-limit')).toBe(0);

      const res = await dryRun(h, apinizerTarget('rate-limit'), { targetScope: 'ENDPOINT', targetEndpointHTTPMethod: 'GET' });
      expect(res.status).toBe(422);
      expect(res.body.errors.map((e: Json) => e.path)).toEqual(['updates[0].changes.targetEndpoint']);
    });

    it('moves a policy from the REQUEST to the RESPONSE pipeline', async () => {
      const seeded = await policyOf(h, 'ip-blacklist');
      const op = await run(h, apinizerTarget('ip-blacklist'), { targetPipeline: 'RESPONSE' });
      expect(op.status).toBe('SUCCEEDED');
      const proxy = await petstore(h);
      expect(proxy.responsePolicyList.map((p: Json) => p.name)).toEqual(['max-size', 'ip-blacklist']);
      expect(proxy.requestPolicyList.map((p: Json) => p.name)).not.toContain('ip-blacklist');
      expect(locate(proxy, 'ip-blacklist')!.policy).toEqual(seeded);
    });

    it('order omitted keeps the position (order: null is sent); order 1 moves it first', async () => {
      const names = async () => (await petstore(h)).requestPolicyList.map((p: Json) => p.name);
      const seededOrder = await names();
      expect(seededOrder.indexOf('spare-3')).toBe(4);

      const plan = await dryRun(h, apinizerTarget('spare-3'), { policy: { messageCountForInterval: 33 } });
      expect(plan.body.results[0].plan[0].body.operationMetadata.order).toBeNull();
      expect((await run(h, apinizerTarget('spare-3'), { policy: { messageCountForInterval: 33 } })).status).toBe('SUCCEEDED');
      expect(await names()).toEqual(seededOrder);

      const moved = await dryRun(h, apinizerTarget('spare-3'), { order: 1 });
      expect(moved.body.results[0].plan[0].body.operationMetadata.order).toBe(1);
      expect(moved.body.results[0].diff).toContainEqual({ field: 'order', from: 5, to: 1 });
      expect((await run(h, apinizerTarget('spare-3'), { order: 1 })).status).toBe('SUCCEEDED');
      expect(await names()).toEqual(['spare-3', ...seededOrder.filter((n: string) => n !== 'spare-3')]);
      expect(await policyOf(h, 'spare-3')).toMatchObject({ messageCountForInterval: 33 });
    });
  });

  describe('type rules', () => {
    it('a changed type is FAILED INVALID_CHANGE and a 422 in a dry run, naming changes.policy.type', async () => {
      const changes = { policy: { type: 'policy-black-ip', ipList: ['198.51.100.1'] } };
      const op = await run(h, apinizerTarget('rate-limit'), changes);
      expect(op.status).toBe('FAILED');
      expect(op.results[0].error.code).toBe('INVALID_CHANGE');
      expect(op.results[0].error.message).toContain('type');
      expect(await putCount(h, 'rate-limit')).toBe(0);

      const res = await dryRun(h, apinizerTarget('rate-limit'), changes);
      expect(res.status).toBe(422);
      expect(res.body.errors.map((e: Json) => e.path)).toEqual(['updates[0].changes.policy.type']);
    });

    it('a policy of a type the Management API cannot update is refused before any PUT', async () => {
      // a policy made elsewhere (e.g. the console): add it straight to the sandbox
      const add = await fetch(`${h.sandbox.url}${POLICIES}enc/`, {
        method: 'POST',
        headers: { authorization: 'Bearer sandbox-apinizer-token', 'content-type': 'application/json' },
        body: JSON.stringify({
          operationMetadata: { targetScope: 'ALL', targetPipeline: 'REQUEST', deploy: false },
          policy: { type: 'policy-encryption', description: 'enc' },
        }),
      });
      expect(add.status).toBe(200);

      const op = await run(h, apinizerTarget('enc'), { policy: { description: 'changed' } });
      expect(op.status).toBe('FAILED');
      expect(op.results[0].error.code).toBe('INVALID_CHANGE');
      expect(op.results[0].error.message).toContain('policy-encryption');
      expect(await putCount(h, 'enc')).toBe(0);

      const res = await dryRun(h, apinizerTarget('enc'), { policy: { description: 'changed' } });
      expect(res.status).toBe(422);
      expect(res.body.errors.map((e: Json) => e.path)).toEqual(['updates[0].changes.policy.type']);
    });
  });

  describe('deployment', () => {
    it.each(['detailList', 'deploymentResults'])(
      'one failing environment (%s shape): FAILED DEPLOYMENT_FAILED, saved but not deployed, env named',
      async (shape) => {
        await sandboxControl(h, 'PATCH', '/__sandbox/config', { apinizerDeployShape: shape });
        await sandboxControl(h, 'POST', '/__sandbox/faults', { path: '/policies/rate-limit', deployFailEnvs: ['prod'] });
        const op = await run(h, apinizerTarget('rate-limit'), {
          deploy: true,
          deployTargetEnvironmentNameList: ['dev', 'prod'],
          policy: { messageCountForInterval: 77 },
        });
        expect(op.status).toBe('FAILED');
        const result = op.results[0];
        expect(result.status).toBe('FAILED');
        expect(result.error.code).toBe('DEPLOYMENT_FAILED');
        expect(result.error.message).toMatch(/saved/i);
        expect(result.error.message).toMatch(/not deployed/i);
        expect(result.error.message).toContain('prod');
        expect(result.error.message).not.toMatch(/\bdev\b/);
        expect(result.apinizer.deploymentResult).toMatchObject({ success: false });
        // the change itself is saved
        expect((await policyOf(h, 'rate-limit')).messageCountForInterval).toBe(77);
      },
    );

    it('a successful deployment is SUCCEEDED with apinizer.deploymentResult', async () => {
      const op = await run(h, apinizerTarget('rate-limit'), {
        deploy: true,
        deployTargetEnvironmentNameList: ['dev'],
        policy: { messageCountForInterval: 78 },
      });
      expect(op.status).toBe('SUCCEEDED');
      expect(op.results[0].apinizer.deploymentResult).toMatchObject({ success: true, detailList: [{ envName: 'dev', success: true }] });
    });

    it('deploy omitted is sent as deploy: false (Apinizer would default to true and deploy)', async () => {
      const plan = await dryRun(h, apinizerTarget('rate-limit'), { policy: { messageCountForInterval: 79 } });
      expect(plan.body.results[0].plan[0].body.operationMetadata).toMatchObject({ deploy: false, deployTargetEnvironmentNameList: [] });
      const op = await run(h, apinizerTarget('rate-limit'), { policy: { messageCountForInterval: 79 } });
      expect(op.status).toBe('SUCCEEDED');
      // the sandbox answers a deployment result whenever deploy is true or missing
      expect(op.results[0].apinizer.deploymentResult ?? null).toBeNull();
    });
  });

  describe('errors', () => {
    it('an unknown proxy (404) is TARGET_NOT_FOUND', async () => {
      const op = await run(h, apinizerTarget('rate-limit', 'no-such-proxy'), { policy: { messageCountForInterval: 1 } });
      expect(op.status).toBe('FAILED');
      expect(op.results[0].error).toMatchObject({ code: 'TARGET_NOT_FOUND', providerStatus: 404 });
      expect(op.results[0].error.message).toContain('no-such-proxy');
    });

    it('an unknown policy name is TARGET_NOT_FOUND, also with a partial change', async () => {
      const op = await run(h, apinizerTarget('no-such-policy'), { policy: { messageCountForInterval: 1 } });
      expect(op.status).toBe('FAILED');
      expect(op.results[0].error.code).toBe('TARGET_NOT_FOUND');
      expect(op.results[0].error.message).toContain('no-such-policy');
    });

    it('Apinizer\'s 400 "does not exist" on the PUT is TARGET_NOT_FOUND', async () => {
      await sandboxControl(h, 'POST', '/__sandbox/faults', {
        method: 'PUT',
        path: '/policies/rate-limit',
        status: 400,
        body: { error: 'bad_request', error_description: 'Policy (name: rate-limit) does not exist' },
      });
      const op = await run(h, apinizerTarget('rate-limit'), { policy: { messageCountForInterval: 1 } });
      expect(op.status).toBe('FAILED');
      expect(op.results[0].error).toMatchObject({ code: 'TARGET_NOT_FOUND', providerStatus: 400 });
    });

    it('a 401 with the configured personal token is PROVIDER_AUTH (nothing to refresh)', async () => {
      await sandboxControl(h, 'POST', '/__sandbox/faults', { method: 'GET', path: '/policies', status: 401 });
      const op = await run(h, apinizerTarget('rate-limit'), { policy: { messageCountForInterval: 1 } });
      expect(op.results[0].error).toMatchObject({ code: 'PROVIDER_AUTH', providerStatus: 401 });
      expect((await requestCounts(h))['POST /apiops/auth/token']).toBeUndefined();
    });

    it('a 400 with validation_errors is VALIDATION_FAILED naming the fields', async () => {
      await sandboxControl(h, 'POST', '/__sandbox/faults', {
        method: 'PUT',
        path: '/policies/rate-limit',
        status: 400,
        body: {
          error: 'validation_failed',
          error_description: 'Validation failed',
          validation_errors: [{ field: 'policy.messageCountForInterval', message: 'must be at most 1000000' }],
        },
      });
      const op = await run(h, apinizerTarget('rate-limit'), { policy: { messageCountForInterval: 1 } });
      expect(op.results[0].error).toMatchObject({ code: 'VALIDATION_FAILED', providerStatus: 400 });
      expect(op.results[0].error.message).toContain('policy.messageCountForInterval: must be at most 1000000');
    });

    it('rate_limit_exceeded (with retry_after, on 429 and on a non-429 status) is retried, then SUCCEEDED', async () => {
      await sandboxControl(h, 'POST', '/__sandbox/faults', {
        method: 'GET',
        path: '/policies',
        status: 400,
        body: { error: 'rate_limit_exceeded', error_description: 'Rate limit exceeded', retry_after: 1 },
      });
      await sandboxControl(h, 'POST', '/__sandbox/faults', {
        method: 'PUT',
        path: '/policies/rate-limit',
        status: 429,
        body: { error: 'rate_limit_exceeded', error_description: 'Rate limit exceeded', retry_after: 1 },
      });
      const started = Date.now();
      const op = await run(h, apinizerTarget('rate-limit'), { policy: { messageCountForInterval: 91 } });
      expect(op.status).toBe('SUCCEEDED');
      expect(Date.now() - started).toBeGreaterThanOrEqual(1900); // retry_after honoured twice
      const counts = await requestCounts(h);
      expect(counts[`GET ${POLICIES}`]).toBe(3); // the read, its retry, and the read-back for `applied`
      expect(counts[`PUT ${POLICIES}rate-limit/`]).toBe(2);
      expect((await policyOf(h, 'rate-limit')).messageCountForInterval).toBe(91);
    });

    it('5xx answers are retried, then SUCCEEDED', async () => {
      await sandboxControl(h, 'POST', '/__sandbox/faults', { method: 'GET', path: '/policies', status: 500 });
      await sandboxControl(h, 'POST', '/__sandbox/faults', { method: 'PUT', path: '/policies/rate-limit', status: 503 });
      const op = await run(h, apinizerTarget('rate-limit'), { policy: { messageCountForInterval: 92 } });
      expect(op.status).toBe('SUCCEEDED');
      const counts = await requestCounts(h);
      expect(counts[`GET ${POLICIES}`]).toBe(3); // the read, its retry, and the read-back for `applied`
      expect(counts[`PUT ${POLICIES}rate-limit/`]).toBe(2);
      expect((await policyOf(h, 'rate-limit')).messageCountForInterval).toBe(92);
    });
  });
});

describe('Apinizer token exchange (APINIZER_USERNAME/PASSWORD, no APINIZER_API_TOKEN)', () => {
  let h: Harness;
  const tokenRequests = async () => (await sandboxControl(h, 'GET', '/__sandbox/requests')).counts['POST /apiops/auth/token'] ?? 0;

  beforeAll(async () => {
    h = await startHarness({ sandbox: FULL_LIST, env: { APINIZER_API_TOKEN: '', APINIZER_USERNAME: 'sandbox', APINIZER_PASSWORD: 'sandbox-password' } });
  });
  afterAll(async () => {
    await h.close();
  });
  beforeEach(async () => {
    await sandboxControl(h, 'POST', '/__sandbox/reset');
  });

  it('uses no configured token', () => {
    expect(h.config.apinizer).toMatchObject({ token: undefined, username: 'sandbox', password: 'sandbox-password' });
  });

  it('the sandbox token endpoint takes form-encoded credentials only (so a success below proves the encoding)', async () => {
    const json = await fetch(`${h.sandbox.url}/apiops/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'client_credentials', client_id: 'sandbox', client_secret: 'sandbox-password' }),
    });
    expect(json.status).toBe(400);
  });

  it('exchanges the credentials at /apiops/auth/token once and reuses the token', async () => {
    const op = await run(h, apinizerTarget('rate-limit'), { policy: { messageCountForInterval: 301 } });
    expect(op.status).toBe('SUCCEEDED');
    const afterFirst = await tokenRequests();
    expect(afterFirst).toBeLessThanOrEqual(1); // 0 when an earlier test of this block already holds a live token
    expect((await run(h, apinizerTarget('rate-limit'), { policy: { messageCountForInterval: 302 } })).status).toBe('SUCCEEDED');
    expect(await tokenRequests()).toBe(afterFirst);
    expect((await policyOf(h, 'rate-limit')).messageCountForInterval).toBe(302);
    const log = (await sandboxControl(h, 'GET', '/__sandbox/requests')).log as Json[];
    expect(log.filter((e) => e.path.startsWith('/apiops/projects')).every((e) => e.status === 200)).toBe(true);
  });

  it('a 401 (token revoked or expired) makes it exchange again and repeat the call once', async () => {
    expect((await run(h, apinizerTarget('rate-limit'), { policy: { messageCountForInterval: 303 } })).status).toBe('SUCCEEDED');
    const before = await tokenRequests();
    await sandboxControl(h, 'POST', '/__sandbox/faults', {
      method: 'GET',
      path: '/policies',
      status: 401,
      body: { error: 'token_expired', error_description: 'Access token expired' },
    });
    const op = await run(h, apinizerTarget('rate-limit'), { policy: { messageCountForInterval: 304 } });
    expect(op.status).toBe('SUCCEEDED');
    expect(await tokenRequests()).toBe(before + 1);
    const lists = ((await sandboxControl(h, 'GET', '/__sandbox/requests')).log as Json[]).filter((e) => e.method === 'GET' && e.path === POLICIES);
    expect(lists.map((e) => e.status).slice(-3)).toEqual([401, 200, 200]); // the 401, the repeat, the read-back
    expect((await policyOf(h, 'rate-limit')).messageCountForInterval).toBe(304);
  });

  it('short-lived tokens: a later update exchanges again and still succeeds', async () => {
    await sandboxControl(h, 'PATCH', '/__sandbox/config', { apinizerTokenTtlS: 0.2 });
    // force a new token (issued with the short TTL)
    await sandboxControl(h, 'POST', '/__sandbox/faults', { method: 'GET', path: '/policies', status: 401 });
    expect((await run(h, apinizerTarget('rate-limit'), { policy: { messageCountForInterval: 305 } })).status).toBe('SUCCEEDED');
    const before = await tokenRequests();
    await new Promise((r) => setTimeout(r, 300)); // the sandbox now rejects that token
    const op = await run(h, apinizerTarget('rate-limit'), { policy: { messageCountForInterval: 306 } });
    expect(op.status).toBe('SUCCEEDED');
    expect(await tokenRequests()).toBeGreaterThan(before);
    const log = (await sandboxControl(h, 'GET', '/__sandbox/requests')).log as Json[];
    expect(log.filter((e) => e.path === POLICIES).slice(-1)[0].status).toBe(200);
  });

  it('bad credentials are PROVIDER_AUTH', async () => {
    await sandboxControl(h, 'PATCH', '/__sandbox/config', { apinizerPassword: 'rotated' });
    await sandboxControl(h, 'POST', '/__sandbox/faults', { method: 'GET', path: '/policies', status: 401 });
    const op = await run(h, apinizerTarget('rate-limit'), { policy: { messageCountForInterval: 307 } });
    expect(op.status).toBe('FAILED');
    expect(op.results[0].error.code).toBe('PROVIDER_AUTH');
    expect(op.results[0].error.message).toContain('Bad credentials');
  });

  it('never logs the password or an exchanged token', async () => {
    const all = h.logs.join('\n');
    expect(all).not.toContain('sandbox-password');
    expect(all).not.toMatch(/sbx\.[A-Za-z0-9_-]{20,}/);
  });
});
