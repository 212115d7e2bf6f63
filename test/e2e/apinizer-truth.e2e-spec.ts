import { Harness, apinizerTarget, auth, deleteKeys, sandboxControl, startHarness, waitForOperation } from '../support/harness';

/**
 * Provider truth for Apinizer, against the strict sandbox (List Policies in the crud page's summary form, items without
 * `name`; 401 `unauthorized_client`; deploy with no environments deploys nowhere; exact paths): the gateway never builds a
 * PUT from a summary, refuses a rename before storing anything, and never reports an unconfirmed deployment as success.
 */

type Json = any;

const POLICIES = '/apiops/projects/demo/apiProxies/petstore/policies/';
const PETSTORE = '/__sandbox/state/apinizer/demo/petstore';

const throttling = (extra: Json = {}): Json => ({
  type: 'policy-api-based-throttling',
  description: 'replaced whole',
  active: true,
  targetVariableForIdentity: { name: 'apiKey', type: 'HEADER', headerName: 'X-Api-Key' },
  messageCountForInterval: 42,
  throttlingInterval: 'ONE_HOUR',
  ...extra,
});

/** A policy rich in optional settings, as someone may have built it in Apinizer's console. */
const TIERED: Json = {
  type: 'policy-api-based-throttling',
  description: 'tiered limits',
  active: true,
  policyCondition: {
    conditionRuleList: [
      {
        conditionCriteria: 'VALUE',
        firstVariable: { name: 'tier', type: 'HEADER', headerName: 'X-Tier' },
        variableDataType: 'STRING',
        valueComparisonOperator: 'EQ',
        secondValueSource: 'VALUE',
        secondValue: 'PREMIUM',
      },
    ],
  },
  errorMessageList: [{ httpStatusCode: 429, message: 'Slow down, premium user' }],
  targetVariableForIdentity: { name: 'apiKey', type: 'HEADER', headerName: 'X-Api-Key' },
  messageCountForInterval: 1000,
  throttlingInterval: 'ONE_MINUTE',
  intervalWindowType: 'SLIDING',
  detailList: [{ targetValue: 'VIP', messageCountForInterval: 5000, quotaInterval: 'ONE_MINUTE' }],
};

describe('Apinizer provider truth (strict sandbox)', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.close();
  });
  beforeEach(async () => {
    await sandboxControl(h, 'POST', '/__sandbox/reset');
    await deleteKeys(h.redis, `{${h.prefix}}:apinizer-config:*`);
  });

  const post = (body: Json) => h.http.post('/v1/routing-policy-updates').set(auth()).send(body);
  const submit = async (target: Json, changes: Json): Promise<Json> => {
    const res = await post({ updates: [{ target, changes }] });
    expect(res.status).toBe(202);
    return waitForOperation(h, res.body.id);
  };
  const dryRun = (target: Json, changes: Json) => post({ updates: [{ target, changes }], dryRun: true });
  const requestLog = async (): Promise<Json[]> => (await sandboxControl(h, 'GET', '/__sandbox/requests')).log;
  const puts = async (): Promise<Json[]> => (await requestLog()).filter((e) => e.method === 'PUT');
  const policyOf = async (name: string, list = 'requestPolicyList'): Promise<Json> =>
    (await sandboxControl(h, 'GET', PETSTORE))[list].find((p: Json) => p.name === name);
  const addToSandbox = async (name: string, policy: Json) => {
    const res = await fetch(`${h.sandbox.url}${POLICIES}${name}/`, {
      method: 'POST',
      headers: { authorization: 'Bearer sandbox-apinizer-token', 'content-type': 'application/json' },
      body: JSON.stringify({ operationMetadata: { targetScope: 'ALL', targetPipeline: 'REQUEST', deploy: false }, policy }),
    });
    expect(res.status).toBe(200);
  };

  describe('never a PUT built from a summary (item 1)', () => {
    it('the strict list carries no names: a partial change without a known config is a 422 dry run and FAILED CURRENT_CONFIG_UNKNOWN, no PUT', async () => {
      const list = await fetch(`${h.sandbox.url}${POLICIES}`, { headers: { authorization: 'Bearer sandbox-apinizer-token' } }).then(
        (r) => r.json() as Promise<Json>,
      );
      expect(list.resultList[0].requestPolicyList[0]).toEqual({
        type: 'policy-api-based-throttling',
        active: true,
        description: '100 per minute per client IP',
      });

      const dry = await dryRun(apinizerTarget('rate-limit'), { policy: { messageCountForInterval: 5 } });
      expect(dry.status).toBe(422);
      expect(dry.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(dry.body.errors.map((e: Json) => e.path)).toContain('updates[0].changes.policy');
      expect(dry.body.detail).toMatch(/changes\.replacePolicy: true/);

      const op = await submit(apinizerTarget('rate-limit'), { policy: { messageCountForInterval: 5 } });
      expect(op.status).toBe('FAILED');
      expect(op.results[0].error.code).toBe('CURRENT_CONFIG_UNKNOWN');
      expect(op.results[0].error.message).toMatch(/send the complete policy in changes\.policy with changes\.replacePolicy: true/);
      expect(op.results[0].error.message).toMatch(/changes\.targetScope and changes\.targetPipeline/); // its place is unknown too
      expect(await puts()).toEqual([]);
      expect((await policyOf('rate-limit')).policyCondition).toEqual({ conditionRuleList: [] });
    });

    it('lookup does not call a policy missing when the list cannot name it', async () => {
      const res = await h.http
        .post('/v1/routing-policies/lookup')
        .set(auth())
        .send({ targets: [apinizerTarget('rate-limit')] });
      expect(res.status).toBe(200);
      expect(res.body.items[0]).toMatchObject({ found: false, error: { code: 'CURRENT_CONFIG_UNKNOWN' } });
    });

    it('replacePolicy with the complete policy and its place: SUCCEEDED, the PUT body is exactly that policy', async () => {
      const policy = throttling();
      const changes = { replacePolicy: true, targetScope: 'ALL', targetPipeline: 'REQUEST', policy };
      const dry = await dryRun(apinizerTarget('spare-2'), changes);
      expect(dry.status).toBe(200);
      expect(dry.body.results[0].apinizer).toEqual({ mergedFrom: 'request' });

      const op = await submit(apinizerTarget('spare-2'), changes);
      expect(op.status).toBe('SUCCEEDED');
      expect(op.results[0].apinizer).toMatchObject({ status: 'SUCCESS', mergedFrom: 'request' });
      const [put] = await puts();
      expect(put.path).toBe(`${POLICIES}spare-2/`);
      expect(put.body).toEqual({
        operationMetadata: { targetScope: 'ALL', targetPipeline: 'REQUEST', deploy: false, deployTargetEnvironmentNameList: [], order: null },
        policy,
      });
      expect(put.body).toEqual(dry.body.results[0].plan[0].body);
      expect(await policyOf('spare-2')).toMatchObject({ name: 'spare-2', ...policy });
    });

    it('replacePolicy without a place when the list cannot tell where the policy sits: refused (422 / CURRENT_CONFIG_UNKNOWN), never guessed', async () => {
      const changes = { replacePolicy: true, policy: throttling() };
      const dry = await dryRun(apinizerTarget('spare-2'), changes);
      expect(dry.status).toBe(422);
      expect(dry.body.errors.map((e: Json) => e.path).sort()).toEqual(['updates[0].changes.targetPipeline', 'updates[0].changes.targetScope']);
      const op = await submit(apinizerTarget('spare-2'), changes);
      expect(op.results[0].error.code).toBe('CURRENT_CONFIG_UNKNOWN');
      expect(await puts()).toEqual([]);
    });

    it('a partial change merges into the last config this gateway applied and names that base, in the dry run too', async () => {
      const first = await submit(apinizerTarget('spare-4'), {
        replacePolicy: true,
        targetScope: 'ALL',
        targetPipeline: 'REQUEST',
        policy: throttling({ intervalWindowType: 'SLIDING' }),
      });
      expect(first.status).toBe('SUCCEEDED');
      const stored = JSON.parse((await h.redis.get(`{${h.prefix}}:apinizer-config:apinizer:policy:demo:petstore:spare-4`))!);

      const dry = await dryRun(apinizerTarget('spare-4'), { policy: { messageCountForInterval: 7 } });
      expect(dry.status).toBe(200);
      expect(dry.body.results[0].apinizer).toEqual({ mergedFrom: 'last-applied', lastAppliedAt: stored.appliedAt });

      const op = await submit(apinizerTarget('spare-4'), { policy: { messageCountForInterval: 7 } });
      expect(op.status).toBe('SUCCEEDED');
      expect(op.results[0].apinizer).toMatchObject({ status: 'SUCCESS', mergedFrom: 'last-applied', lastAppliedAt: stored.appliedAt });
      expect((await puts()).at(-1).body.policy).toEqual(throttling({ intervalWindowType: 'SLIDING', messageCountForInterval: 7 }));
    });

    it('with a full list, optional settings (policyCondition, errorMessageList, detailList) survive a partial change', async () => {
      await addToSandbox('tiered', TIERED);
      await sandboxControl(h, 'PATCH', '/__sandbox/config', { apinizerListMode: 'status' });
      const before = await policyOf('tiered');
      expect(before).toMatchObject(TIERED);

      const op = await submit(apinizerTarget('tiered'), { policy: { messageCountForInterval: 2000 } });
      expect(op.status).toBe('SUCCEEDED');
      expect(op.results[0].apinizer.mergedFrom).toBe('provider');
      expect(await policyOf('tiered')).toEqual({ ...before, messageCountForInterval: 2000 });
    });

    it('the same partial change against the strict (nameless) list is refused instead of wiping those settings', async () => {
      await addToSandbox('tiered', TIERED);
      const op = await submit(apinizerTarget('tiered'), { policy: { messageCountForInterval: 2000 } });
      expect(op.results[0].error.code).toBe('CURRENT_CONFIG_UNKNOWN');
      expect(await policyOf('tiered')).toMatchObject(TIERED);
    });

    it('a policy-script read from Apinizer without executionType can be updated, and none is invented', async () => {
      await sandboxControl(h, 'PATCH', '/__sandbox/config', { apinizerListMode: 'status' });
      await addToSandbox('bare-script', { type: 'policy-script', scriptLanguage: 'GROOVY', scriptBody: 'a()' });
      const op = await submit(apinizerTarget('bare-script'), { policy: { scriptBody: 'b()' } });
      expect(op.status).toBe('SUCCEEDED');
      const sent = (await puts()).at(-1).body.policy;
      expect(sent).toMatchObject({ type: 'policy-script', scriptBody: 'b()' });
      expect(sent).not.toHaveProperty('executionType');
    });
  });

  describe('decided from the request alone: 422 before anything is stored (item 4)', () => {
    async function expectRefusedAtAccept(changes: Json, paths: string[]) {
      const opKeys = async () => (await h.redis.keys(`{${h.prefix}}:op:*`)).length;
      const keysBefore = await opKeys();
      for (const dry of [false, true]) {
        const res = await post({ updates: [{ target: apinizerTarget('rate-limit'), changes }], dryRun: dry });
        expect(res.status).toBe(422);
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(res.body.errors.map((e: Json) => e.path).sort()).toEqual([...paths].sort());
      }
      expect(await opKeys()).toBe(keysBefore);
      expect(await requestLog()).toEqual([]); // not even a read
    }

    it('changes.policy.name different from the target (Apinizer cannot rename)', async () => {
      await expectRefusedAtAccept({ policy: { name: 'renamed-limit', messageCountForInterval: 5 } }, ['updates[0].changes.policy.name']);
    });

    it('replacePolicy with required fields missing, each named', async () => {
      await expectRefusedAtAccept(
        { replacePolicy: true, targetScope: 'ALL', targetPipeline: 'REQUEST', policy: { type: 'policy-api-based-throttling', messageCountForInterval: 5 } },
        ['updates[0].changes.policy.targetVariableForIdentity', 'updates[0].changes.policy.throttlingInterval'],
      );
    });

    it('replacePolicy with an unknown or non-updatable type', async () => {
      await expectRefusedAtAccept({ replacePolicy: true, policy: { type: 'policy-made-up' } }, ['updates[0].changes.policy.type']);
      await expectRefusedAtAccept({ replacePolicy: true, policy: { type: 'policy-encryption' } }, ['updates[0].changes.policy.type']);
    });

    it('a name in another letter case is the same policy (Apinizer matches names case-insensitively): accepted', async () => {
      await sandboxControl(h, 'PATCH', '/__sandbox/config', { apinizerListMode: 'status' });
      const op = await submit(apinizerTarget('rate-limit'), { policy: { name: 'RATE-Limit', messageCountForInterval: 6 } });
      expect(op.status).toBe('SUCCEEDED');
      expect((await puts()).at(-1).path).toBe(`${POLICIES}rate-limit/`);
    });
  });

  describe('deploy: true needs a confirmed deployment (item 5)', () => {
    beforeEach(async () => {
      await sandboxControl(h, 'PATCH', '/__sandbox/config', { apinizerListMode: 'status' });
    });
    const deployChanges = (envs: string[]) => ({ deploy: true, deployTargetEnvironmentNameList: envs, policy: { messageCountForInterval: 77 } });
    const answerPutWith = (body: Json) => sandboxControl(h, 'POST', '/__sandbox/faults', { method: 'PUT', path: '/policies/rate-limit', status: 200, body });

    it.each<[string, Json]>([
      ['no deploymentResult', { status: 'SUCCESS' }],
      ['an empty detailList', { status: 'SUCCESS', deploymentResult: { success: true, responseTime: 0, detailList: [] } }],
      ['an empty deploymentResults', { success: true, deploymentResult: { success: true, deploymentResults: [] } }],
    ])('an answer with %s is FAILED DEPLOYMENT_UNCONFIRMED, saying the policy was saved', async (_name, body) => {
      await answerPutWith(body);
      const op = await submit(apinizerTarget('rate-limit'), deployChanges(['dev']));
      expect(op.status).toBe('FAILED');
      expect(op.results[0].error).toMatchObject({ code: 'DEPLOYMENT_UNCONFIRMED', providerStatus: 200 });
      expect(op.results[0].error.message).toMatch(/saved in Apinizer/);
      expect(op.results[0].apinizer.mergedFrom).toBe('provider');
    });

    it('an answer that leaves a requested environment out is DEPLOYMENT_UNCONFIRMED naming it', async () => {
      await answerPutWith({
        success: true,
        deploymentResult: { success: true, deploymentResults: [{ environmentName: 'dev', success: true, message: 'ok' }] },
      });
      const op = await submit(apinizerTarget('rate-limit'), deployChanges(['dev', 'prod']));
      expect(op.results[0].error.code).toBe('DEPLOYMENT_UNCONFIRMED');
      expect(op.results[0].error.message).toMatch(/not confirmed in prod/);
    });

    it('every requested environment reported deployed by the strict sandbox: SUCCEEDED', async () => {
      const op = await submit(apinizerTarget('rate-limit'), deployChanges(['dev', 'prod']));
      expect(op.status).toBe('SUCCEEDED');
      expect(op.results[0].apinizer.deploymentResult.detailList.map((d: Json) => d.envName)).toEqual(['dev', 'prod']);
    });

    it('a 200 with status FAILURE is a failure, nothing reported as success', async () => {
      await answerPutWith({ status: 'FAILURE', error: 'bad_request', error_description: 'could not save' });
      const op = await submit(apinizerTarget('rate-limit'), deployChanges(['dev']));
      expect(op.status).toBe('FAILED');
      expect(op.results[0].error.message).toContain('could not save');
    });
  });

  it("strict 401 body ({error: 'unauthorized_client'}) maps to PROVIDER_AUTH", async () => {
    await sandboxControl(h, 'PATCH', '/__sandbox/config', { apinizerToken: 'rotated-elsewhere' });
    const op = await submit(apinizerTarget('rate-limit'), { policy: { messageCountForInterval: 5 } });
    expect(op.status).toBe('FAILED');
    expect(op.results[0].error).toMatchObject({ code: 'PROVIDER_AUTH', providerStatus: 401, providerBody: { error: 'unauthorized_client' } });
  });
});

describe('Apinizer provider truth: token refresh on the strict 401 (APINIZER_USERNAME/PASSWORD)', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({
      sandbox: { apinizerListMode: 'status' },
      env: { APINIZER_API_TOKEN: '', APINIZER_USERNAME: 'sandbox', APINIZER_PASSWORD: 'sandbox-password' },
    });
  });
  afterAll(async () => {
    await h.close();
  });

  it('a 401 answered with unauthorized_client (not only token_expired) makes it exchange again and repeat the call once', async () => {
    const run = async (n: number) => {
      const res = await h.http
        .post('/v1/routing-policy-updates')
        .set(auth())
        .send({ updates: [{ target: apinizerTarget('rate-limit'), changes: { policy: { messageCountForInterval: n } } }] });
      return waitForOperation(h, res.body.id);
    };
    expect((await run(11)).status).toBe('SUCCEEDED');
    const tokens = async () => (await sandboxControl(h, 'GET', '/__sandbox/requests')).counts['POST /apiops/auth/token'] ?? 0;
    const before = await tokens();
    // the strict sandbox's own 401 body, for a token it revoked
    await sandboxControl(h, 'POST', '/__sandbox/faults', {
      method: 'GET',
      path: '/policies',
      status: 401,
      body: { error: 'unauthorized_client', error_description: 'Invalid access token' },
    });
    expect((await run(12)).status).toBe('SUCCEEDED');
    expect(await tokens()).toBe(before + 1);
    const lists = ((await sandboxControl(h, 'GET', '/__sandbox/requests')).log as Json[]).filter((e) => e.method === 'GET' && e.path === POLICIES);
    expect(lists.map((e) => e.status).slice(-3)).toEqual([401, 200, 200]); // the 401, the repeat, the read-back
  });
});
