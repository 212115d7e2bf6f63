import { ProblemException } from '@rpg/common';
import { isRedirectPrefix } from './dtos';
import { validateUpdateRequest } from './update-request.validator';

const l7 = { provider: 'gcore', kind: 'l7policy', projectId: 1, regionId: 76, id: 'd1b2c3d4-0000-4000-8000-000000000001' };
const lb = { ...l7, kind: 'loadbalancer' };
const apinizer = { provider: 'apinizer', kind: 'policy', projectName: 'demo', apiProxyName: 'petstore', policyName: 'rate-limit' };

function errorsOf(body: unknown): { path: string; message: string }[] {
  try {
    validateUpdateRequest(body);
    return [];
  } catch (error) {
    if (!(error instanceof ProblemException)) throw error;
    return error.errors ?? [];
  }
}
const one = (target: object, changes: object) => ({ updates: [{ target, changes }] });

describe('validateUpdateRequest: nulls only where the provider defines them', () => {
  it.each([
    ['l7', 'action', l7, { action: null }],
    ['l7', 'name', l7, { name: null }],
    ['l7', 'position', l7, { position: null }],
    ['l7', 'redirectUrl', l7, { redirectUrl: null }],
    ['l7', 'redirectPrefix', l7, { redirectPrefix: null }],
    ['l7', 'redirectPoolId', l7, { redirectPoolId: null }],
    ['l7', 'redirectHttpCode', l7, { redirectHttpCode: null }],
    ['l7', 'tags', l7, { tags: null }],
    ['lb', 'name', lb, { name: null }],
    ['lb', 'preferredConnectivity', lb, { preferredConnectivity: null }],
    ['lb', 'logging', lb, { logging: null }],
    ['lb', 'logging.enabled', lb, { logging: { enabled: null } }],
    ['apinizer', 'targetScope', apinizer, { targetScope: null }],
    ['apinizer', 'targetEndpoint', apinizer, { targetEndpoint: null }],
    ['apinizer', 'targetEndpointHTTPMethod', apinizer, { targetEndpointHTTPMethod: null }],
    ['apinizer', 'targetPipeline', apinizer, { targetPipeline: null }],
    ['apinizer', 'order', apinizer, { order: null }],
    ['apinizer', 'deploy', apinizer, { deploy: null }],
    ['apinizer', 'deployTargetEnvironmentNameList', apinizer, { deployTargetEnvironmentNameList: null }],
    ['apinizer', 'policy', apinizer, { policy: null }],
    ['apinizer', 'replacePolicy', apinizer, { replacePolicy: null }],
  ])('%s changes.%s: null → must not be null', (_kind, field, target, changes) => {
    expect(errorsOf(one(target, changes))).toEqual([{ path: `updates[0].changes.${field}`, message: 'must not be null' }]);
  });

  it.each(['dryRun', 'callbackUrl', 'reference'])('top-level %s: null → must not be null', (field) => {
    expect(errorsOf({ ...one(l7, { name: 'abc' }), [field]: null })).toEqual([{ path: field, message: 'must not be null' }]);
  });

  it.each([
    ['LB tags', lb, { tags: null }],
    ['an LB tag value', lb, { tags: { team: 'edge', legacy: null } }],
    ['logging.topicName', lb, { logging: { topicName: null } }],
    ['logging.destinationRegionId', lb, { logging: { destinationRegionId: null } }],
    ['logging.retentionPolicy', lb, { logging: { retentionPolicy: null } }],
    ['logging.retentionPolicy.period', lb, { logging: { retentionPolicy: { period: null } } }],
    ['values inside an Apinizer policy (merge patch deletes)', apinizer, { policy: { description: null, nested: { a: null } } }],
  ])('accepts null in %s', (_name, target, changes) => {
    expect(errorsOf(one(target, changes))).toEqual([]);
  });

  it('requires retentionPolicy.period (it may be null, not absent)', () => {
    expect(errorsOf(one(lb, { logging: { retentionPolicy: {} } })).map((e) => e.path)).toEqual(['updates[0].changes.logging.retentionPolicy.period']);
  });
});

describe('validateUpdateRequest: Apinizer deploy needs environments', () => {
  it.each([[{ deploy: true }], [{ deploy: true, deployTargetEnvironmentNameList: [] }]])('%j → 400 naming the list', (changes) => {
    expect(errorsOf(one(apinizer, changes))).toEqual([
      { path: 'updates[0].changes.deployTargetEnvironmentNameList', message: expect.stringContaining('name the environments') },
    ]);
  });

  it('accepts deploy: true with environments, and deploy: false without', () => {
    expect(errorsOf(one(apinizer, { deploy: true, deployTargetEnvironmentNameList: ['dev'] }))).toEqual([]);
    expect(errorsOf(one(apinizer, { deploy: false }))).toEqual([]);
  });

  it('refuses empty environment names', () => {
    expect(errorsOf(one(apinizer, { deploy: true, deployTargetEnvironmentNameList: [''] })).map((e) => e.path)).toEqual([
      'updates[0].changes.deployTargetEnvironmentNameList',
    ]);
  });
});

describe('integers within the providers’ ranges', () => {
  it.each([
    ['position', 2147483648, l7, { position: 2147483648 }],
    ['position', 1.5, l7, { position: 1.5 }],
    ['order', 2147483648, apinizer, { order: 2147483648 }],
    ['logging.destinationRegionId', 2147483648, lb, { logging: { destinationRegionId: 2147483648 } }],
    ['logging.retentionPolicy.period', 2147483648, lb, { logging: { retentionPolicy: { period: 2147483648 } } }],
    ['logging.retentionPolicy.period', 0.5, lb, { logging: { retentionPolicy: { period: 0.5 } } }],
  ])('%s: %s → 400 naming it', (field, _value, target, changes) => {
    expect(errorsOf(one(target, changes)).map((e) => e.path)).toEqual([`updates[0].changes.${field}`]);
  });
});

describe('isRedirectPrefix', () => {
  it.each(['/api/v1/policies', '/', '/a?b=c', 'https://example.com/v2', 'http://10.0.0.1:8080/x'])('accepts %s', (value) => {
    expect(isRedirectPrefix(value)).toBe(true);
  });
  it.each(['', 'api/v1', '//evil.example/x', '/\\evil', '/a b', '/tab\there', 'javascript:alert(1)', 'ftp://example.com/x', 'not a url', '/é', 5])(
    'refuses %p',
    (value) => {
      expect(isRedirectPrefix(value)).toBe(false);
    },
  );

  it('refuses more than 2048 characters', () => {
    expect(isRedirectPrefix('/' + 'a'.repeat(2047))).toBe(true);
    expect(isRedirectPrefix('/' + 'a'.repeat(2048))).toBe(false);
  });
});

describe('keys that shadow Object.prototype members are plain data', () => {
  it('accepts toString, hasOwnProperty and valueOf keys in open objects without crashing', () => {
    expect(errorsOf(one(apinizer, { policy: { toString: 1, hasOwnProperty: { valueOf: 'x' }, isPrototypeOf: [1] } }))).toEqual([]);
    expect(errorsOf(one(lb, { tags: { toString: 'a', hasOwnProperty: null, valueOf: 'b' } }))).toEqual([]);
  });
});
