import { apinizerRevertChanges, stateBefore } from './apinizer-policy-state';
import type { AppliedPolicyConfig } from './apinizer-policy-config.store';
import type { LocatedPolicy } from './apinizer.types';

const NO_CONDITION = { conditionRuleList: [] };
const auth = (password: string | null) => ({
  name: 'backend-auth',
  type: 'policy-api-authentication',
  active: true,
  policyCondition: NO_CONDITION,
  authType: 'BASIC',
  sendType: 'HEADER',
  apiAuthCondExpressionList: [{ username: 'svc', password, policyCondition: NO_CONDITION }],
});
const located = (password: string | null): LocatedPolicy => ({ policy: auth(password), scope: 'ALL', pipeline: 'REQUEST', index: 2 });
const applied: AppliedPolicyConfig = {
  policy: auth('known-secret'),
  operationMetadata: { targetScope: 'ALL', targetPipeline: 'REQUEST' },
  order: 3,
  appliedAt: '2026-12-01T00:00:00.000Z',
};

describe('stateBefore (Apinizer)', () => {
  it('a full listed policy is the state, without its name, at its place and order', () => {
    const { before } = stateBefore(located('listed-secret'), undefined);
    expect(before).toEqual({
      targetScope: 'ALL',
      targetPipeline: 'REQUEST',
      targetEndpoint: null,
      targetEndpointHTTPMethod: null,
      order: 3,
      policy: { ...auth('listed-secret'), name: undefined },
    });
  });

  it.each([[null], ['']])('credentials the list cleared (%j) take the value this gateway last applied', (blank) => {
    const { before } = stateBefore(located(blank), applied);
    expect((before!.policy as ReturnType<typeof auth>).apiAuthCondExpressionList[0].password).toBe('known-secret');
  });

  it('a cleared credential with no applied config stays as listed; a summary without one has no before, and says why', () => {
    expect((stateBefore(located(null), undefined).before!.policy as ReturnType<typeof auth>).apiAuthCondExpressionList[0].password).toBeNull();
    const summary: LocatedPolicy = {
      policy: { name: 'backend-auth', type: 'policy-api-authentication', active: true },
      scope: 'ALL',
      pipeline: 'REQUEST',
      index: 0,
    };
    expect(stateBefore(summary, undefined)).toEqual({ beforeUnavailable: expect.stringMatching(/summary/) });
    expect(stateBefore(undefined, applied).before).toMatchObject({ order: 3, policy: { apiAuthCondExpressionList: [{ password: 'known-secret' }] } });
  });

  it('a revert puts the complete policy back at its place and order, deploying where the original deployed', () => {
    const { before } = stateBefore(located('listed-secret'), undefined);
    const original = {
      target: { provider: 'apinizer', kind: 'policy', projectName: 'demo', apiProxyName: 'orders', policyName: 'backend-auth' },
      changes: { targetPipeline: 'RESPONSE', deploy: true, deployTargetEnvironmentNameList: ['dev'] },
    } as never;
    expect(apinizerRevertChanges(before!, original)).toEqual({
      replacePolicy: true,
      policy: before!.policy,
      targetScope: 'ALL',
      targetPipeline: 'REQUEST',
      order: 3,
      deploy: true,
      deployTargetEnvironmentNameList: ['dev'],
    });
  });
});
