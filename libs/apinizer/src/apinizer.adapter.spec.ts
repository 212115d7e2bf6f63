import Redis from 'ioredis';
import { randomBytes } from 'node:crypto';
import type { AppConfig } from '@rpg/config';
import { RedisKeys } from '@rpg/redis';
import { ERROR_CODES, ProviderError, Update } from '@rpg/routing-policy';
import { ApinizerAdapter } from './apinizer.adapter';
import type { ApinizerClient, PutPolicyResult } from './apinizer.client';
import { ApinizerPolicyConfigStore } from './apinizer-policy-config.store';

type Obj = Record<string, any>;

const THROTTLING = 'policy-api-based-throttling';
const full = (name?: string): Obj => ({
  ...(name ? { name } : {}),
  type: THROTTLING,
  description: 'd',
  active: true,
  policyCondition: { conditionRuleList: [] },
  errorMessageList: [{ httpStatusCode: 429 }],
  targetVariableForIdentity: { type: 'HEADER', headerName: 'X-Key' },
  messageCountForInterval: 10,
  throttlingInterval: 'ONE_MINUTE',
});
const nameless = { type: THROTTLING, active: true, description: 'd' };
const proxyWith = (...requestPolicyList: Obj[]): Obj => ({
  name: 'petstore',
  requestPolicyList,
  responsePolicyList: [],
  errorPolicyList: [],
  endpointList: [],
});

/** A provider client that answers from memory and records PUTs (the adapter's HTTP is tested against the sandbox). */
class FakeClient {
  puts: Obj[] = [];
  constructor(
    public proxy: Obj,
    public answer: PutPolicyResult = { status: 'SUCCESS', deploymentResult: null, body: { status: 'SUCCESS' } },
  ) {}
  async listPolicies(): Promise<Obj> {
    return this.proxy;
  }
  async putPolicy(t: Obj, operationMetadata: Obj, policy: Obj): Promise<PutPolicyResult> {
    this.puts.push({ policyName: t.policyName, operationMetadata, policy });
    return this.answer;
  }
}

describe('ApinizerAdapter (real Redis for the last-applied store)', () => {
  const redis = new Redis(process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379');
  const prefix = `ua${randomBytes(4).toString('hex')}`;
  const store = new ApinizerPolicyConfigStore(redis, new RedisKeys({ queuePrefix: prefix } as AppConfig));
  let n = 0;
  const target = () => ({ provider: 'apinizer', kind: 'policy', projectName: 'demo', apiProxyName: 'petstore', policyName: `p-${++n}` }) as Obj;
  const update = (t: Obj, changes: Obj): Update => ({ target: t, changes }) as Update;
  const adapterFor = (client: FakeClient) => new ApinizerAdapter(client as unknown as ApinizerClient, store);

  afterAll(async () => {
    const keys = await redis.keys(`{${prefix}}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });

  async function planError(adapter: ApinizerAdapter, u: Update): Promise<ProviderError> {
    const error = await adapter.plan(u).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ProviderError);
    return error as ProviderError;
  }

  it('a nameless summary list and no last-applied config: CURRENT_CONFIG_UNKNOWN naming changes.policy, nothing planned', async () => {
    const client = new FakeClient(proxyWith(nameless, nameless));
    const error = await planError(adapterFor(client), update(target(), { policy: { messageCountForInterval: 1 } }));
    expect(error.code).toBe(ERROR_CODES.currentConfigUnknown);
    expect(error.message).toMatch(/replacePolicy: true/);
    expect(error.fieldErrors?.map((e) => e.path)).toContain('changes.policy');
    expect(client.puts).toEqual([]);
  });

  it('a list whose items all carry names and lack the target: TARGET_NOT_FOUND', async () => {
    const error = await planError(adapterFor(new FakeClient(proxyWith(full('other')))), update(target(), { policy: { messageCountForInterval: 1 } }));
    expect(error.code).toBe(ERROR_CODES.targetNotFound);
  });

  it('a list where only some items carry names and the target is not among them: unidentified, not TARGET_NOT_FOUND', async () => {
    const error = await planError(adapterFor(new FakeClient(proxyWith(full('other'), nameless))), update(target(), { policy: { messageCountForInterval: 1 } }));
    expect(error.code).toBe(ERROR_CODES.currentConfigUnknown);
  });

  it('merges into the last-applied config when the list cannot identify the policy, and names that base (plan and result)', async () => {
    const t = target();
    await store.save(t as never, {
      policy: { ...full(), messageCountForInterval: 50 } as never,
      operationMetadata: { targetScope: 'ALL', targetPipeline: 'RESPONSE' },
      appliedAt: '2025-02-03T04:05:06.000Z',
    });
    const client = new FakeClient(proxyWith(full('other'), nameless));
    const adapter = adapterFor(client);
    const u = update(t, { policy: { throttlingInterval: 'ONE_HOUR' } });
    const plan = await adapter.plan(u);
    expect(plan.detail).toEqual({ apinizer: { mergedFrom: 'last-applied', lastAppliedAt: '2025-02-03T04:05:06.000Z' } });
    expect(plan.calls[0].body).toEqual({
      operationMetadata: { targetScope: 'ALL', targetPipeline: 'RESPONSE', deploy: false, deployTargetEnvironmentNameList: [], order: null },
      policy: { ...full(), messageCountForInterval: 50, throttlingInterval: 'ONE_HOUR' },
    });
    const outcome = await adapter.apply(u, plan);
    expect(outcome.failure).toBeUndefined();
    expect(outcome.detail.apinizer).toMatchObject({ status: 'SUCCESS', mergedFrom: 'last-applied', lastAppliedAt: '2025-02-03T04:05:06.000Z' });
    expect((await store.get(t as never))?.policy).toMatchObject({ throttlingInterval: 'ONE_HOUR' });
  });

  it('replacePolicy: the PUT body is the policy as sent, at the place the request names', async () => {
    const client = new FakeClient(proxyWith(nameless));
    const adapter = adapterFor(client);
    const policy = full();
    const u = update(target(), { replacePolicy: true, targetScope: 'ALL', targetPipeline: 'REQUEST', policy });
    const plan = await adapter.plan(u);
    expect(plan.calls[0].body.policy).toEqual(policy);
    const outcome = await adapter.apply(u, plan);
    expect(client.puts[0].policy).toEqual(policy);
    expect(outcome.detail.apinizer).toMatchObject({ mergedFrom: 'request' });
    expect(outcome.detail.apinizer).not.toHaveProperty('lastAppliedAt');
  });

  it('plan repeats the accept-time checks (a rename is INVALID_CHANGE before any read)', async () => {
    const client = new FakeClient(proxyWith(full('x')));
    const t = target();
    const error = await planError(adapterFor(client), update(t, { policy: { name: 'renamed' } }));
    expect(error.code).toBe(ERROR_CODES.invalidChange);
    expect(error.fieldErrors).toEqual([{ path: 'changes.policy.name', message: expect.any(String) }]);
  });

  it('checkChanges is pure and names the field', () => {
    const adapter = adapterFor(new FakeClient(proxyWith()));
    expect(adapter.checkChanges(update(target(), { policy: { name: 'renamed' } })).map((e) => e.path)).toEqual(['changes.policy.name']);
    expect(adapter.checkChanges(update(target(), { policy: { messageCountForInterval: 2 } }))).toEqual([]);
  });

  describe('deploy: true needs a confirmed deployment', () => {
    async function applyWith(answer: PutPolicyResult, changes: Obj) {
      const t = target();
      const client = new FakeClient(proxyWith(full(t.policyName)), answer);
      const adapter = adapterFor(client);
      const u = update(t, { policy: { messageCountForInterval: 3 }, ...changes });
      return adapter.apply(u, await adapter.plan(u));
    }

    it('an answer without deploymentResult is DEPLOYMENT_UNCONFIRMED (saved), with the merge base in the detail', async () => {
      const outcome = await applyWith(
        { status: 'SUCCESS', deploymentResult: null, body: { status: 'SUCCESS' } },
        { deploy: true, deployTargetEnvironmentNameList: ['dev'] },
      );
      expect(outcome.failure).toMatchObject({ code: ERROR_CODES.deploymentUnconfirmed, providerStatus: 200, providerBody: { status: 'SUCCESS' } });
      expect(outcome.failure?.message).toMatch(/saved/);
      expect(outcome.detail.apinizer).toMatchObject({ status: 'SUCCESS', mergedFrom: 'provider' });
    });

    it('an answer that leaves a requested environment out is DEPLOYMENT_UNCONFIRMED naming it', async () => {
      const deploymentResult = { success: true, deploymentResults: [{ environmentName: 'dev', success: true }] };
      const outcome = await applyWith(
        { status: 'SUCCESS', deploymentResult, body: { success: true, deploymentResult } },
        { deploy: true, deployTargetEnvironmentNameList: ['dev', 'prod'] },
      );
      expect(outcome.failure?.code).toBe(ERROR_CODES.deploymentUnconfirmed);
      expect(outcome.failure?.message).toMatch(/prod/);
    });

    it('every requested environment reported successful: no failure', async () => {
      const deploymentResult = { success: true, detailList: [{ envName: 'dev', podName: 'p', success: true }] };
      const outcome = await applyWith({ status: 'SUCCESS', deploymentResult, body: {} }, { deploy: true, deployTargetEnvironmentNameList: ['dev'] });
      expect(outcome.failure).toBeUndefined();
    });

    it('deploy: false needs no deployment result', async () => {
      const outcome = await applyWith({ status: 'SUCCESS', deploymentResult: null, body: { status: 'SUCCESS' } }, { deploy: false });
      expect(outcome.failure).toBeUndefined();
      expect(outcome.detail.apinizer).toEqual({ status: 'SUCCESS', deploymentResult: null, mergedFrom: 'provider' });
    });
  });
});
