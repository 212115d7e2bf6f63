import { NON_UPDATABLE_POLICY_TYPES, isKnownPolicyType, requiredFieldsForPolicyType, validateApinizerPolicy } from './apinizer-policy-validator';
import { MESSAGE_CASES } from './policy-types/message.cases';
import { SECURITY_CASES } from './policy-types/security.cases';
import { TRAFFIC_CASES } from './policy-types/traffic.cases';
import { BASE, Obj, at, header } from './testing/policy-type-cases';

/** Every per-type case; each family's spec (policy-types/*.table.spec.ts) runs its own. */
const TYPE_CASES = [...TRAFFIC_CASES, ...SECURITY_CASES, ...MESSAGE_CASES];

const REQUIRED_19 = [
  'policy-api-based-throttling',
  'policy-api-based-quota',
  'policy-black-ip',
  'policy-white-ip',
  'policy-script',
  'policy-json-schema-validation',
  'policy-max-message-size',
  'policy-min-message-size',
  'policy-time-restriction',
  'policy-client-ban',
  'policy-api-call',
  'policy-redaction',
  'policy-auth-basic',
  'policy-auth-jwt',
  'policy-auth-oauth2',
  'policy-oidc',
  'policy-content-filter',
  'policy-business-rule',
  'policy-json-transformation',
];

describe('validateApinizerPolicy: per-type table', () => {
  it('covers each of the 19 required types with a valid and an invalid case', () => {
    for (const type of REQUIRED_19) {
      const c = TYPE_CASES.find((tc) => tc.type === type);
      expect(c).toBeDefined();
      expect(c?.invalid.length).toBeGreaterThan(0);
    }
  });
});

describe('validateApinizerPolicy: common checks', () => {
  it('requires a non-empty type', () => {
    expect(validateApinizerPolicy({ description: 'x' }, BASE)).toEqual([{ path: at('type'), message: 'is required' }]);
    expect(validateApinizerPolicy({ type: '' }, BASE)).toEqual([{ path: at('type'), message: 'must not be empty' }]);
    expect(validateApinizerPolicy({ type: 7 }, BASE)).toEqual([{ path: at('type'), message: 'must be a string' }]);
  });

  it('checks description, active, policyCondition and errorMessageList types', () => {
    const errors = validateApinizerPolicy({ type: 'policy-log', description: 5, active: 'yes', policyCondition: 'x', errorMessageList: {} }, BASE);
    expect(errors).toEqual([
      { path: at('description'), message: 'must be a string' },
      { path: at('active'), message: 'must be a boolean' },
      { path: at('policyCondition'), message: 'must be an object' },
      { path: at('errorMessageList'), message: 'must be an array' },
    ]);
  });

  it('runs only the common checks for unknown types', () => {
    expect(validateApinizerPolicy({ type: 'policy-log', anything: { goes: true }, active: false }, BASE)).toEqual([]);
  });

  it('rejects non-updatable types on `type`', () => {
    expect(validateApinizerPolicy({ type: 'policy-group' }, BASE)).toEqual([
      { path: at('type'), message: 'cannot be updated through the Management API (not implemented)' },
    ]);
    expect(validateApinizerPolicy({ type: 'policy-request-protocol-transformation' }, BASE)).toEqual([
      { path: at('type'), message: 'cannot be updated through the Management API (system-managed)' },
    ]);
  });

  it('validates the list-page spelling policy-throttling like policy-api-based-throttling', () => {
    expect(validateApinizerPolicy({ type: 'policy-throttling', targetVariableForIdentity: header(), messageCountForInterval: 5 }, BASE)).toEqual([
      { path: at('throttlingInterval'), message: 'is required for policy-throttling' },
    ]);
  });

  it('reports a non-object policy at basePath and works with an empty basePath', () => {
    expect(validateApinizerPolicy(null as unknown as Obj, BASE)).toEqual([{ path: BASE, message: 'must be an object' }]);
    expect(validateApinizerPolicy({ type: 'policy-max-message-size' }, '')).toEqual([
      { path: 'maxMessageSize', message: 'is required for policy-max-message-size' },
    ]);
  });

  it('reports several errors at once', () => {
    const errors = validateApinizerPolicy({ type: 'policy-api-based-throttling' }, BASE);
    expect(errors.map((e) => e.path)).toEqual([at('targetVariableForIdentity'), at('messageCountForInterval'), at('throttlingInterval')]);
  });
});

// Type catalogue helpers
// ------------------------------------------------------------------------------------------------

describe('type catalogue', () => {
  it('lists top-level required fields per type', () => {
    expect(requiredFieldsForPolicyType('policy-api-based-throttling')).toEqual(['targetVariableForIdentity', 'messageCountForInterval', 'throttlingInterval']);
    expect(requiredFieldsForPolicyType('policy-api-based-quota')).toEqual(['targetVariableForIdentity', 'messageCountForInterval', 'quotaInterval']);
    expect(requiredFieldsForPolicyType('policy-oidc')).toEqual(['issuer', 'authorizationEndpoint', 'tokenEndpoint', 'clientId', 'redirectUri', 'scopes']);
    expect(requiredFieldsForPolicyType('policy-client-ban')).toEqual(['clientIdentityVariableList', 'thresholdCalculationType', 'assertionCondition']);
    expect(requiredFieldsForPolicyType('policy-script')).toEqual(['scriptLanguage', 'scriptBody']);
    expect(requiredFieldsForPolicyType('policy-auth-oauth2')).toEqual([]);
    expect(requiredFieldsForPolicyType('policy-throttling')).toEqual(requiredFieldsForPolicyType('policy-api-based-throttling'));
  });

  it('returns [] for unknown and non-updatable types', () => {
    expect(requiredFieldsForPolicyType('policy-log')).toEqual([]);
    expect(requiredFieldsForPolicyType('policy-group')).toEqual([]);
    expect(requiredFieldsForPolicyType('toString')).toEqual([]);
  });

  it('knows the documented types', () => {
    for (const type of [...REQUIRED_19, ...TYPE_CASES.map((c) => c.type), 'policy-group', 'policy-encryption', 'policy-throttling']) {
      expect(isKnownPolicyType(type)).toBe(true);
    }
    for (const type of ['policy-log', 'auth-basic', 'endpoint-rate-limit', '', 'constructor']) {
      expect(isKnownPolicyType(type)).toBe(false);
    }
  });

  it('lists the non-updatable types', () => {
    expect([...NON_UPDATABLE_POLICY_TYPES].sort()).toEqual(
      [
        'policy-encryption',
        'policy-decryption',
        'policy-digital-sign',
        'policy-digital-sign-verification',
        'policy-group',
        'policy-request-protocol-transformation',
        'policy-response-protocol-transformation',
      ].sort(),
    );
  });
});
