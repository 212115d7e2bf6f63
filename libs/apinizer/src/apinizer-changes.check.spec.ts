import type { ApinizerPolicyTarget } from '@rpg/routing-policy';
import { checkApinizerNameAndReplacement, sameApinizerPolicyName } from './apinizer-changes.check';

type Obj = Record<string, any>;

const target: ApinizerPolicyTarget = { provider: 'apinizer', kind: 'policy', projectName: 'demo', apiProxyName: 'petstore', policyName: 'rate-limit' };
const THROTTLING = {
  type: 'policy-api-based-throttling',
  targetVariableForIdentity: { type: 'HEADER', headerName: 'X-Key' },
  messageCountForInterval: 5,
  throttlingInterval: 'ONE_HOUR',
};
const check = (changes: Obj) => checkApinizerNameAndReplacement(target, changes);
const paths = (changes: Obj) =>
  check(changes)
    .map((e) => e.path)
    .sort();

describe('checkApinizerNameAndReplacement (decided from the request alone, before anything is stored)', () => {
  it.each<[string, Obj]>([
    ['no policy', { order: 1 }],
    ['a partial policy (the merge needs the provider)', { policy: { messageCountForInterval: 3 } }],
    ['the same name', { policy: { name: 'rate-limit', messageCountForInterval: 3 } }],
    ['the same name in another letter case (Apinizer matches names case-insensitively)', { policy: { name: 'Rate-Limit' } }],
    ['an unknown type in a partial change (the current type decides)', { policy: { type: 'policy-log', logLevel: 'INFO' } }],
    ['replacePolicy with a complete policy', { replacePolicy: true, policy: THROTTLING }],
    ['replacePolicy false with a partial policy', { replacePolicy: false, policy: { messageCountForInterval: 3 } }],
    [
      'replacePolicy with a complete policy-script',
      { replacePolicy: true, policy: { type: 'policy-script', executionType: 'SYNC', scriptLanguage: 'GROOVY', scriptBody: 'x()' } },
    ],
  ])('passes: %s', (_name, changes) => {
    expect(check(changes)).toEqual([]);
  });

  it('a different name is a rename Apinizer cannot do', () => {
    const errors = check({ policy: { name: 'renamed', messageCountForInterval: 3 } });
    expect(errors).toEqual([{ path: 'changes.policy.name', message: expect.stringMatching(/cannot rename.*"rate-limit"/) }]);
  });

  it('a name that is not a string is refused too', () => {
    expect(paths({ policy: { name: 7 } })).toEqual(['changes.policy.name']);
  });

  it('a non-updatable type is refused whatever the current policy is', () => {
    expect(check({ policy: { type: 'policy-encryption' } })).toEqual([
      { path: 'changes.policy.type', message: expect.stringMatching(/policy-encryption cannot be updated/) },
    ]);
  });

  it.each<[string, Obj, string[]]>([
    ['no policy', { replacePolicy: true, order: 1 }, ['changes.policy']],
    ['no type', { replacePolicy: true, policy: { messageCountForInterval: 3 } }, ['changes.policy.type']],
    ['an unknown type (its required fields cannot be checked)', { replacePolicy: true, policy: { type: 'policy-made-up' } }, ['changes.policy.type']],
    [
      'missing required fields, each named',
      { replacePolicy: true, policy: { type: 'policy-api-based-throttling', messageCountForInterval: 3 } },
      ['changes.policy.targetVariableForIdentity', 'changes.policy.throttlingInterval'],
    ],
    [
      'a policy-script without executionType (the type page requires it; a policy written from the request carries it)',
      { replacePolicy: true, policy: { type: 'policy-script', scriptLanguage: 'GROOVY', scriptBody: 'x()' } },
      ['changes.policy.executionType'],
    ],
    ['an invalid value', { replacePolicy: true, policy: { ...THROTTLING, throttlingInterval: 'ONE_WEEK' } }, ['changes.policy.throttlingInterval']],
    [
      'a rename and a missing field at once',
      { replacePolicy: true, policy: { ...THROTTLING, name: 'other', throttlingInterval: undefined } },
      ['changes.policy.name', 'changes.policy.throttlingInterval'],
    ],
  ])('replacePolicy: true refuses %s', (_name, changes, expected) => {
    expect(paths(changes)).toEqual([...expected].sort());
  });
});

describe('sameApinizerPolicyName', () => {
  it('compares case-insensitively, as Apinizer does', () => {
    expect(sameApinizerPolicyName('Rate-Limit', 'rate-limit')).toBe(true);
    expect(sameApinizerPolicyName('rate-limit-2', 'rate-limit')).toBe(false);
  });
});
