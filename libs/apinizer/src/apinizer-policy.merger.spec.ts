import { ERROR_CODES, ProviderError } from '@rpg/routing-policy';
import type { AppliedPolicyConfig } from './apinizer-policy-config.store';
import { ApinizerPolicyMerger, MergedApinizerPolicy, isFullPolicy } from './apinizer-policy.merger';
import type { ApinizerPolicy, LocatedPolicy } from './apinizer.types';

type Obj = Record<string, any>;

const THROTTLING = 'policy-api-based-throttling';

const fullThrottling = (): ApinizerPolicy => ({
  name: 'rate-limit',
  type: THROTTLING,
  description: '100 per minute',
  active: true,
  policyCondition: { conditionRuleList: [] },
  targetVariableForIdentity: { name: 'clientIp', type: 'CONTEXT_VALUES', contextValue: 'REQUEST_REMOTE_ADDRESS' },
  messageCountForInterval: 100,
  throttlingInterval: 'ONE_MINUTE',
  intervalPeriodLength: 1,
  intervalWindowType: 'FIXED',
  cacheErrorHandlingType: 'FAIL',
  detailList: [],
});
const { name: _n, ...fullWithoutName } = fullThrottling();

const summary = (over: Obj = {}): ApinizerPolicy => ({ name: 'rate-limit', type: THROTTLING, active: true, description: '100 per minute', ...over });

const at = (policy: ApinizerPolicy, over: Partial<LocatedPolicy> = {}): LocatedPolicy => ({ policy, scope: 'ALL', pipeline: 'REQUEST', index: 2, ...over });

const lastApplied = (over: Partial<AppliedPolicyConfig> = {}): AppliedPolicyConfig => ({
  policy: { ...fullWithoutName, messageCountForInterval: 150, intervalWindowType: 'SLIDING' },
  operationMetadata: { targetScope: 'ALL', targetPipeline: 'REQUEST' },
  appliedAt: '2025-01-01T00:00:00.000Z',
  ...over,
});

const merger = new ApinizerPolicyMerger();

const RULE = {
  conditionCriteria: 'VALUE',
  firstVariable: { name: 'userType', type: 'HEADER', headerName: 'X-User-Type' },
  variableDataType: 'STRING',
  valueComparisonOperator: 'EQ',
  secondValueSource: 'VALUE',
  secondValue: 'PREMIUM',
};

function mergeError(located: LocatedPolicy | undefined, applied: AppliedPolicyConfig | undefined, changes: Obj): ProviderError {
  try {
    merger.merge(located, applied, changes);
  } catch (error) {
    expect(error).toBeInstanceOf(ProviderError);
    return error as ProviderError;
  }
  throw new Error('merge did not fail');
}

describe('ApinizerPolicyMerger', () => {
  describe('succeeds', () => {
    interface OkCase {
      name: string;
      located?: LocatedPolicy;
      applied?: AppliedPolicyConfig;
      changes: Obj;
      mergedFrom: MergedApinizerPolicy['mergedFrom'];
      policy: Obj;
      metadata: Obj;
    }
    const DEFAULT_META = { targetScope: 'ALL', targetPipeline: 'REQUEST', deploy: false, deployTargetEnvironmentNameList: [], order: null };
    const cases: OkCase[] = [
      {
        name: 'provider-full: one field changed, every other kept, name dropped',
        located: at(fullThrottling()),
        changes: { policy: { messageCountForInterval: 250 } },
        mergedFrom: 'provider',
        policy: { ...fullWithoutName, messageCountForInterval: 250 },
        metadata: DEFAULT_META,
      },
      {
        name: 'provider-full wins over last-applied',
        located: at(fullThrottling()),
        applied: lastApplied(),
        changes: { policy: { description: 'x' } },
        mergedFrom: 'provider',
        policy: { ...fullWithoutName, description: 'x' },
        metadata: DEFAULT_META,
      },
      {
        name: 'provider-full: id is dropped too',
        located: at({ ...fullThrottling(), id: 'abc' }),
        changes: {},
        mergedFrom: 'provider',
        policy: fullWithoutName,
        metadata: DEFAULT_META,
      },
      {
        name: 'merge patch: nested objects merge, null deletes an optional field, arrays replace',
        located: at(fullThrottling()),
        changes: {
          policy: {
            targetVariableForIdentity: { contextValue: 'REQUEST_XFORWARDED_FOR' },
            intervalWindowType: null,
            detailList: [{ targetValue: 'VIP', messageCountForInterval: 5, quotaInterval: 'ONE_MINUTE' }],
          },
        },
        mergedFrom: 'provider',
        policy: (() => {
          const { intervalWindowType: _w, ...rest } = fullWithoutName;
          return {
            ...rest,
            targetVariableForIdentity: { name: 'clientIp', type: 'CONTEXT_VALUES', contextValue: 'REQUEST_XFORWARDED_FOR' },
            detailList: [{ targetValue: 'VIP', messageCountForInterval: 5, quotaInterval: 'ONE_MINUTE' }],
          };
        })(),
        metadata: DEFAULT_META,
      },
      {
        name: 'the same type in the patch is fine',
        located: at(fullThrottling()),
        changes: { policy: { type: THROTTLING, messageCountForInterval: 1 } },
        mergedFrom: 'provider',
        policy: { ...fullWithoutName, messageCountForInterval: 1 },
        metadata: DEFAULT_META,
      },
      {
        name: 'summary list: last-applied config is the base, active/description from the summary',
        located: at(summary({ active: false, description: 'changed in the console' })),
        applied: lastApplied(),
        changes: { policy: { throttlingInterval: 'ONE_HOUR' } },
        mergedFrom: 'last-applied',
        policy: {
          ...fullWithoutName,
          messageCountForInterval: 150,
          intervalWindowType: 'SLIDING',
          throttlingInterval: 'ONE_HOUR',
          active: false,
          description: 'changed in the console',
        },
        metadata: DEFAULT_META,
      },
      {
        name: 'summary list, nothing applied, replacePolicy: the policy as sent (nothing taken from the summary), placed where the summary sits',
        located: at(summary(), { pipeline: 'RESPONSE' }),
        changes: {
          replacePolicy: true,
          policy: {
            type: THROTTLING,
            targetVariableForIdentity: { type: 'HEADER', headerName: 'X-Key' },
            messageCountForInterval: 9,
            throttlingInterval: 'ONE_DAY',
          },
        },
        mergedFrom: 'request',
        policy: {
          type: THROTTLING,
          targetVariableForIdentity: { type: 'HEADER', headerName: 'X-Key' },
          messageCountForInterval: 9,
          throttlingInterval: 'ONE_DAY',
        },
        metadata: { ...DEFAULT_META, targetPipeline: 'RESPONSE' },
      },
      {
        name: 'replacePolicy with a full provider policy: no merge, settings not sent are not kept',
        located: at({ ...fullThrottling(), errorMessageList: [{ httpStatusCode: 429 }] }),
        changes: { replacePolicy: true, policy: { ...fullWithoutName, name: 'rate-limit', policyCondition: undefined, detailList: undefined } },
        mergedFrom: 'request',
        policy: { ...fullWithoutName, policyCondition: undefined, detailList: undefined },
        metadata: DEFAULT_META,
      },
      {
        name: 'replacePolicy, nothing known: the place comes from the request',
        changes: {
          replacePolicy: true,
          targetScope: 'ENDPOINT',
          targetPipeline: 'ERROR',
          targetEndpoint: '/pets',
          targetEndpointHTTPMethod: 'GET',
          policy: { type: 'policy-black-ip', ipList: ['10.0.0.1'] },
        },
        mergedFrom: 'request',
        policy: { type: 'policy-black-ip', ipList: ['10.0.0.1'] },
        metadata: { ...DEFAULT_META, targetScope: 'ENDPOINT', targetPipeline: 'ERROR', targetEndpoint: '/pets', targetEndpointHTTPMethod: 'GET' },
      },
      {
        name: 'optional settings of the full provider policy survive a partial change',
        located: at({
          ...fullThrottling(),
          policyCondition: { conditionRuleList: [RULE] },
          errorMessageList: [{ httpStatusCode: 429, message: 'slow down' }],
          detailList: [{ targetValue: 'VIP', messageCountForInterval: 5, quotaInterval: 'ONE_MINUTE' }],
        }),
        changes: { policy: { messageCountForInterval: 7 } },
        mergedFrom: 'provider',
        policy: {
          ...fullWithoutName,
          messageCountForInterval: 7,
          policyCondition: { conditionRuleList: [RULE] },
          errorMessageList: [{ httpStatusCode: 429, message: 'slow down' }],
          detailList: [{ targetValue: 'VIP', messageCountForInterval: 5, quotaInterval: 'ONE_MINUTE' }],
        },
        metadata: DEFAULT_META,
      },
      {
        name: 'a policy-script read without executionType is merged as it is (none invented)',
        located: at({ name: 's', type: 'policy-script', active: true, scriptLanguage: 'GROOVY', scriptBody: 'a()' }),
        changes: { policy: { scriptBody: 'b()' } },
        mergedFrom: 'provider',
        policy: { type: 'policy-script', active: true, scriptLanguage: 'GROOVY', scriptBody: 'b()' },
        metadata: DEFAULT_META,
      },
      {
        name: 'not located (nameless list), last-applied ENDPOINT placement is kept',
        applied: lastApplied({
          operationMetadata: { targetScope: 'ENDPOINT', targetEndpoint: '/pets', targetEndpointHTTPMethod: 'GET', targetPipeline: 'RESPONSE' },
        }),
        changes: { policy: { messageCountForInterval: 3 } },
        mergedFrom: 'last-applied',
        policy: { ...fullWithoutName, messageCountForInterval: 3, intervalWindowType: 'SLIDING' },
        metadata: { ...DEFAULT_META, targetScope: 'ENDPOINT', targetEndpoint: '/pets', targetEndpointHTTPMethod: 'GET', targetPipeline: 'RESPONSE' },
      },
      {
        name: 'scope ALL → ENDPOINT with endpoint and method',
        located: at(fullThrottling()),
        changes: { targetScope: 'ENDPOINT', targetEndpoint: '/pets', targetEndpointHTTPMethod: 'GET' },
        mergedFrom: 'provider',
        policy: fullWithoutName,
        metadata: { ...DEFAULT_META, targetScope: 'ENDPOINT', targetEndpoint: '/pets', targetEndpointHTTPMethod: 'GET' },
      },
      {
        name: 'ENDPOINT placement kept when only the policy changes',
        located: at(fullThrottling(), { scope: 'ENDPOINT', endpoint: '/pets', method: 'GET' }),
        changes: { policy: { messageCountForInterval: 2 } },
        mergedFrom: 'provider',
        policy: { ...fullWithoutName, messageCountForInterval: 2 },
        metadata: { ...DEFAULT_META, targetScope: 'ENDPOINT', targetEndpoint: '/pets', targetEndpointHTTPMethod: 'GET' },
      },
      {
        name: 'ENDPOINT: only the method changes, the endpoint stays',
        located: at(fullThrottling(), { scope: 'ENDPOINT', endpoint: '/pets', method: 'GET' }),
        changes: { targetEndpointHTTPMethod: 'POST' },
        mergedFrom: 'provider',
        policy: fullWithoutName,
        metadata: { ...DEFAULT_META, targetScope: 'ENDPOINT', targetEndpoint: '/pets', targetEndpointHTTPMethod: 'POST' },
      },
      {
        name: 'ENDPOINT → ALL drops endpoint and method',
        located: at(fullThrottling(), { scope: 'ENDPOINT', endpoint: '/pets', method: 'GET' }),
        changes: { targetScope: 'ALL' },
        mergedFrom: 'provider',
        policy: fullWithoutName,
        metadata: DEFAULT_META,
      },
      {
        name: 'pipeline REQUEST → RESPONSE',
        located: at(fullThrottling()),
        changes: { targetPipeline: 'RESPONSE' },
        mergedFrom: 'provider',
        policy: fullWithoutName,
        metadata: { ...DEFAULT_META, targetPipeline: 'RESPONSE' },
      },
      {
        name: 'pipeline kept from where the policy sits',
        located: at(fullThrottling(), { pipeline: 'ERROR' }),
        changes: {},
        mergedFrom: 'provider',
        policy: fullWithoutName,
        metadata: { ...DEFAULT_META, targetPipeline: 'ERROR' },
      },
      {
        name: 'order, deploy and environments pass through',
        located: at(fullThrottling()),
        changes: { order: 1, deploy: true, deployTargetEnvironmentNameList: ['dev', 'prod'] },
        mergedFrom: 'provider',
        policy: fullWithoutName,
        metadata: { ...DEFAULT_META, order: 1, deploy: true, deployTargetEnvironmentNameList: ['dev', 'prod'] },
      },
      {
        name: 'unknown type: no type rules, full when it has more than summary fields',
        located: at({ name: 'custom', type: 'policy-log', active: true, logLevel: 'INFO' }),
        changes: { policy: { logLevel: 'DEBUG' } },
        mergedFrom: 'provider',
        policy: { type: 'policy-log', active: true, logLevel: 'DEBUG' },
        metadata: DEFAULT_META,
      },
    ];

    it.each(cases)('$name', ({ located, applied, changes, mergedFrom, policy, metadata }) => {
      const merged = merger.merge(located, applied, changes);
      expect(merged.mergedFrom).toBe(mergedFrom);
      expect(merged.lastAppliedAt).toBe(mergedFrom === 'last-applied' ? applied!.appliedAt : undefined);
      expect(merged.policy).toEqual(policy);
      expect(merged.operationMetadata).toEqual(metadata);
    });

    it('never mutates its inputs', () => {
      const located = at(fullThrottling());
      const applied = lastApplied();
      const snapshot = JSON.stringify([located, applied]);
      merger.merge(located, applied, { policy: { targetVariableForIdentity: { contextValue: 'X' }, detailList: null } });
      expect(JSON.stringify([located, applied])).toBe(snapshot);
    });
  });

  describe('fails with INVALID_CHANGE naming the fields', () => {
    interface BadCase {
      name: string;
      located?: LocatedPolicy;
      applied?: AppliedPolicyConfig;
      changes: Obj;
      paths: string[];
      message: RegExp;
    }
    const cases: BadCase[] = [
      {
        name: 'type change (provider-full)',
        located: at(fullThrottling()),
        changes: { policy: { type: 'policy-black-ip', ipList: ['1.2.3.4'] } },
        paths: ['changes.policy.type'],
        message: /type cannot change \(from policy-api-based-throttling to policy-black-ip\)/,
      },
      {
        name: 'type change against a summary',
        located: at(summary()),
        applied: lastApplied(),
        changes: { policy: { type: 'policy-white-ip' } },
        paths: ['changes.policy.type'],
        message: /type cannot change/,
      },
      {
        name: 'type change against the last-applied config',
        applied: lastApplied(),
        changes: { policy: { type: 'policy-white-ip', ipList: ['1.2.3.4'] } },
        paths: ['changes.policy.type'],
        message: /type cannot change/,
      },
      {
        name: 'replacePolicy missing required fields',
        located: at(summary()),
        changes: { replacePolicy: true, policy: { type: THROTTLING, messageCountForInterval: 5 } },
        paths: ['changes.policy.targetVariableForIdentity', 'changes.policy.throttlingInterval'],
        message: /replacePolicy: true sends changes.policy as it is: missing targetVariableForIdentity, throttlingInterval/,
      },
      {
        name: 'replacePolicy without a type',
        located: at(fullThrottling()),
        changes: { replacePolicy: true, policy: { messageCountForInterval: 5 } },
        paths: ['changes.policy.type'],
        message: /replacePolicy: true needs the complete policy/,
      },
      {
        name: 'non-updatable type of the current policy',
        located: at({ name: 'enc', type: 'policy-encryption', active: true }),
        changes: { policy: { description: 'x' } },
        paths: ['changes.policy.type'],
        message: /policy-encryption cannot be updated/,
      },
      {
        name: 'non-updatable type given for an unknown policy',
        changes: { policy: { type: 'policy-encryption' } },
        paths: ['changes.policy.type'],
        message: /policy-encryption cannot be updated/,
      },
      {
        name: 'system-managed type',
        located: at({ name: 'p', type: 'policy-request-protocol-transformation', active: true }),
        changes: {},
        paths: ['changes.policy.type'],
        message: /cannot be updated/,
      },
      {
        name: 'merge patch deleting a required field',
        located: at(fullThrottling()),
        changes: { policy: { messageCountForInterval: null } },
        paths: ['changes.policy.messageCountForInterval'],
        message: /invalid/,
      },
      {
        name: 'merged value out of its enum',
        located: at(fullThrottling()),
        changes: { policy: { throttlingInterval: 'ONE_WEEK' } },
        paths: ['changes.policy.throttlingInterval'],
        message: /changes.policy.throttlingInterval/,
      },
      {
        name: 'ENDPOINT without endpoint or method (from ALL)',
        located: at(fullThrottling()),
        changes: { targetScope: 'ENDPOINT' },
        paths: ['changes.targetEndpoint', 'changes.targetEndpointHTTPMethod'],
        message: /targetEndpoint/,
      },
      {
        name: 'ENDPOINT with a method but no endpoint',
        located: at(fullThrottling()),
        changes: { targetScope: 'ENDPOINT', targetEndpointHTTPMethod: 'GET' },
        paths: ['changes.targetEndpoint'],
        message: /changes.targetEndpoint/,
      },
    ];

    it.each(cases)('$name', ({ located, applied, changes, paths, message }) => {
      const error = mergeError(located, applied, changes);
      expect(error.code).toBe(ERROR_CODES.invalidChange);
      expect(error.retryable).toBe(false);
      expect(error.message).toMatch(message);
      expect((error.fieldErrors ?? []).map((e) => e.path).sort()).toEqual([...paths].sort());
    });
  });

  describe('fails with CURRENT_CONFIG_UNKNOWN (no full current policy), nothing to send', () => {
    interface UnknownCase {
      name: string;
      located?: LocatedPolicy;
      applied?: AppliedPolicyConfig;
      changes: Obj;
      paths: string[];
      message: RegExp;
    }
    const cases: UnknownCase[] = [
      {
        name: 'named summary, nothing applied, partial change',
        located: at(summary()),
        changes: { policy: { messageCountForInterval: 5 } },
        paths: ['changes.policy'],
        message: /only a summary.*replacePolicy: true/,
      },
      {
        name: 'named summary, nothing applied, even a complete policy without replacePolicy',
        located: at(summary()),
        changes: { policy: { targetVariableForIdentity: { type: 'HEADER', headerName: 'X' }, messageCountForInterval: 9, throttlingInterval: 'ONE_DAY' } },
        paths: ['changes.policy'],
        message: /replacePolicy: true/,
      },
      {
        name: 'named summary with a last-applied config of another type (stale)',
        located: at(summary()),
        applied: lastApplied({ policy: { type: 'policy-black-ip', ipList: ['1.1.1.1'] } }),
        changes: { policy: {} },
        paths: ['changes.policy'],
        message: /another type/,
      },
      {
        name: 'not identifiable (nameless list), nothing applied: the place is asked for too',
        changes: { policy: { messageCountForInterval: 1 } },
        paths: ['changes.policy', 'changes.targetScope', 'changes.targetPipeline'],
        message: /does not name its policies.*replacePolicy: true, plus changes.targetScope and changes.targetPipeline/,
      },
      {
        name: 'only a placement change, nothing known',
        located: at(summary()),
        changes: { order: 1 },
        paths: ['changes.policy'],
        message: /not known/,
      },
      {
        name: 'replacePolicy, place unknown: targetScope and targetPipeline required, never guessed',
        changes: { replacePolicy: true, policy: { type: 'policy-black-ip', ipList: ['10.0.0.1'] } },
        paths: ['changes.targetScope', 'changes.targetPipeline'],
        message: /so it is not moved/,
      },
      {
        name: 'replacePolicy, place unknown, ENDPOINT without endpoint and method',
        changes: { replacePolicy: true, targetScope: 'ENDPOINT', targetPipeline: 'REQUEST', policy: { type: 'policy-black-ip', ipList: ['10.0.0.1'] } },
        paths: ['changes.targetEndpoint', 'changes.targetEndpointHTTPMethod'],
        message: /targetEndpoint/,
      },
    ];

    it.each(cases)('$name', ({ located, applied, changes, paths, message }) => {
      const error = mergeError(located, applied, changes);
      expect(error.code).toBe(ERROR_CODES.currentConfigUnknown);
      expect(error.retryable).toBe(false);
      expect(error.message).toMatch(message);
      expect((error.fieldErrors ?? []).map((e) => e.path).sort()).toEqual([...paths].sort());
    });
  });

  describe('diff', () => {
    it('lists changed policy fields with a policy. prefix and placement fields without', () => {
      const merged = merger.merge(at(fullThrottling()), undefined, {
        policy: { messageCountForInterval: 7 },
        targetScope: 'ENDPOINT',
        targetEndpoint: '/pets',
        targetEndpointHTTPMethod: 'GET',
      });
      expect(merged.diff).toEqual(
        expect.arrayContaining([
          { field: 'policy.messageCountForInterval', from: 100, to: 7 },
          { field: 'targetScope', from: 'ALL', to: 'ENDPOINT' },
          { field: 'targetEndpoint', from: null, to: '/pets' },
          { field: 'targetEndpointHTTPMethod', from: null, to: 'GET' },
        ]),
      );
      expect(merged.diff).toHaveLength(4);
    });

    it('is empty for a no-op and for order equal to the current position', () => {
      expect(merger.merge(at(fullThrottling()), undefined, { policy: { messageCountForInterval: 100 } }).diff).toEqual([]);
      expect(merger.merge(at(fullThrottling(), { index: 2 }), undefined, { order: 3 }).diff).toEqual([]);
    });

    it('shows an order move as 1-based positions', () => {
      expect(merger.merge(at(fullThrottling(), { index: 4 }), undefined, { order: 1 }).diff).toEqual([{ field: 'order', from: 5, to: 1 }]);
    });
  });
});

describe('isFullPolicy', () => {
  it.each<[string, ApinizerPolicy, boolean]>([
    ['full throttling → full', fullThrottling(), true],
    ['throttling summary', summary(), false],
    ['throttling missing one required field', { ...fullThrottling(), throttlingInterval: undefined }, false],
    ['throttling with a null required field', { ...fullThrottling(), messageCountForInterval: null }, false],
    ['black-ip with ipList', { name: 'b', type: 'policy-black-ip', ipList: ['1.1.1.1'] }, true],
    ['black-ip summary', { name: 'b', type: 'policy-black-ip', active: true, description: 'd' }, false],
    ['known type without required fields, summary only', { name: 'm', type: 'policy-auth-mtls', active: true }, false],
    ['known type without required fields, with more', { name: 'm', type: 'policy-auth-mtls', active: true, validateCertificate: true }, true],
    ['unknown type, summary only', { name: 'x', type: 'policy-log', active: true, description: 'd', id: '1' }, false],
    ['unknown type with a field of its own', { name: 'x', type: 'policy-log', logLevel: 'INFO' }, true],
  ])('%s', (_name, policy, expected) => {
    expect(isFullPolicy(policy)).toBe(expected);
  });
});
