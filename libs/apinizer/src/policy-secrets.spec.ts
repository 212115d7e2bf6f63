import {
  DOCUMENTED_POLICY_SECRET_FIELDS,
  MASKED_VALUE,
  findMaskedValues,
  isCredentialName,
  isMaskedValue,
  maskApinizerChanges,
  maskPolicySecrets,
  restoreMaskedSecrets,
} from './policy-secrets';
import { MESSAGE_CASES } from './validation/policy-types/message.cases';
import { SECURITY_CASES } from './validation/policy-types/security.cases';
import { TRAFFIC_CASES } from './validation/policy-types/traffic.cases';

type Obj = Record<string, any>;

const M = MASKED_VALUE;
const header = (headerName: string): Obj => ({ type: 'HEADER', headerName });
const copy = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object') {
    Object.values(v).forEach(deepFreeze);
    Object.freeze(v);
  }
  return v;
}

/* Realistic bodies: the per-policy pages' "Full JSON Body" examples (apinizer/management-api-docs), trimmed. */

const apiAuthentication = (): Obj => ({
  type: 'policy-api-authentication',
  description: 'Basic authentication via header',
  active: true,
  authType: 'BASIC',
  sendType: 'HEADER',
  usernameFieldName: 'X-Username',
  passwordFieldName: 'token', // a field NAME (BASE64/PARAM example), not a token
  messageContentType: 'XML',
  apiAuthCondExpressionList: [
    { id: 1, username: 'api-user', password: 'api-password', policyCondition: null },
    {
      id: 2,
      username: 'partner',
      password: 'partner-password',
      policyCondition: {
        conditionRuleList: [
          {
            conditionCriteria: 'VALUE',
            firstVariable: header('X-Partner'),
            variableDataType: 'STRING',
            valueComparisonOperator: 'EQ',
            secondValueSource: 'VALUE',
            secondValue: 'acme',
          },
        ],
      },
    },
  ],
});

const wsSecurityUsername = (): Obj => ({
  type: 'policy-ws-security-username',
  description: 'Add UsernameToken with password digest',
  active: true,
  mustUnderstand: true,
  username: 'myuser',
  password: 'mypassword',
  passwordType: 'PasswordDigest',
  nonce: true,
  created: true,
});

const wsSecurityToTarget = (): Obj => ({
  type: 'policy-ws-security-to-target',
  description: 'Add WS-Security headers with Timestamp, UsernameToken, Encryption, and Signature',
  active: true,
  mustUnderstand: true,
  tsTimeToLive: 300,
  unUsername: 'myuser',
  unPassword: 'mypassword',
  unPasswordDecrypted: false,
  unNonce: true,
  unCreated: true,
  unPasswordType: 'PasswordText',
  encPartList: [{ name: 'Body', namespace: 'http://schemas.xmlsoap.org/soap/envelope/', encodeType: 'Content' }],
  encEmbeddedKeyName: null,
  encKeyIdType: 'X509_CERTIFICATE',
  encSymEncAlgorithm: 'AES_256',
  encKeyEncAlgorithm: 'RSA',
  encKeyStoreName: 'encryption-keystore',
  sigPartList: [],
  sigCustomKeyIdentifier: null,
  sigCustomKeyIdentifierValueType: null,
  sigKeyIdType: 'X509_CERTIFICATE',
  sigSigAlgorithm: 'RSA_SHA256',
  sigC14n: 'EXCLUSIVE',
  sigDigAlgorithm: 'SHA256',
  sigUseSingleCert: false,
  sigKeyStoreName: 'signature-keystore',
  wsSecurityEntryOrderList: ['TIMESTAMP', 'USERNAME_TOKEN', 'ENCRYPTION', 'SIGNATURE'],
});

const oidc = (): Obj => ({
  type: 'policy-oidc',
  description: 'OIDC authentication with Google',
  active: true,
  issuer: 'https://accounts.google.com',
  authorizationEndpoint: 'https://accounts.google.com/o/oauth2/v2/auth',
  tokenEndpoint: 'https://oauth2.googleapis.com/token',
  userInfoEndpoint: 'https://openidconnect.googleapis.com/v1/userinfo',
  jwksEndpoint: 'https://www.googleapis.com/oauth2/v3/certs',
  introspectionEndpoint: null,
  clientId: 'your-client-id.apps.googleusercontent.com',
  clientSecret: 'your-client-secret',
  redirectUri: 'https://api.example.com/oidc/callback',
  flowType: 'AUTHORIZATION_CODE',
  enablePKCE: true,
  scopes: ['openid', 'profile', 'email'],
  additionalAuthParams: { prompt: 'consent', client_secret: 'second-copy' },
  authenticationMode: 'EXTERNAL_ONLY',
  validateIdToken: true,
  validateAccessToken: false,
  validateJwtSignature: true,
  expectedJwtAuthSigningAlgs: ['RS256', 'RS384', 'RS512'],
  tokenCacheTimeoutSeconds: 3600,
  jwkCacheTimeoutSeconds: 3600,
  usernameClaimPath: 'sub',
  roleMappings: [{ claimPath: 'roles', claimValue: 'admin', roleName: 'ADMIN', required: false }],
  sessionCookieName: 'OIDC_SESSION',
  expectedAudience: [],
  customHeaders: { 'X-Api-Key': 'oidc-key', 'X-Trace': 'on' },
  userAgent: 'Apinizer-OIDC-Client/1.0',
  customClaimMappings: {},
  userinfoHeaderName: 'UserInfo',
});

const apiCall = (): Obj => ({
  type: 'policy-api-call',
  description: 'Call the token service',
  active: true,
  callType: 'SYNCHRONOUS',
  httpMethod: 'POST',
  url: 'https://auth.example.com/oauth/token',
  timeout: 5000,
  certificateEnabled: true,
  certificateName: 'client-cert',
  enumTestConsoleRequestBodyType: 'URL_ENCODED',
  urlEncodedList: [
    { key: 'grant_type', value: 'client_credentials', description: null },
    { key: 'client_id', value: 'gateway' },
    { key: 'client_secret', value: 'form-secret' },
  ],
  removeAllHeadersBeforeCall: true,
  headersToBeAddedBeforeCallList: [
    { name: 'Content-Type', valueSource: 'VALUE', value: 'application/x-www-form-urlencoded', prefix: null },
    { name: 'Authorization', valueSource: 'VALUE', value: 'dXNlcjpwYXNz', prefix: 'BASIC' },
    { name: 'X-Upstream-Auth', valueSource: 'VALUE', value: 'opaque-bearer', prefix: 'BEARER' },
    { name: 'X-Forwarded-Auth', valueSource: 'VARIABLE', variable: header('Authorization'), prefix: 'BEARER' },
    { name: 'Proxy-Authorization', valueSource: 'VALUE', value: 'Basic cHJveHk6cHc=', prefix: 'NONE' },
  ],
  parametersToBeAddedBeforeCallList: [
    { name: 'apiKey', valueSource: 'VALUE', value: 'k-123' },
    { name: 'format', valueSource: 'VALUE', value: 'json' },
  ],
  dataManipulationListBeforeCall: [
    { operation: 'ADD', targetName: 'access_token', sourceValueSource: 'VALUE', sourceValue: 'static-token' },
    { operation: 'ADD', targetName: 'X-Request-Source', sourceValueSource: 'VALUE', sourceValue: 'gateway' },
  ],
  enableCache: true,
  cacheBy: header('Authorization'),
  capacity: 1000,
  ttl: 3600,
  cacheStorageType: 'DISTRIBUTED',
  afterCallBodyOperationType: 'NOT_CHANGE_BODY',
});

interface Realistic {
  name: string;
  policy: () => Obj;
  masked: string[]; // paths findMaskedValues reports after masking
}

const REALISTIC: Realistic[] = [
  {
    name: 'policy-api-authentication items {username, password}',
    policy: apiAuthentication,
    masked: ['apiAuthCondExpressionList[0].password', 'apiAuthCondExpressionList[1].password'],
  },
  { name: 'policy-ws-security-username password', policy: wsSecurityUsername, masked: ['password'] },
  { name: 'policy-ws-security-to-target unPassword', policy: wsSecurityToTarget, masked: ['unPassword'] },
  {
    name: 'policy-oidc clientSecret (+ credential-named map entries)',
    policy: oidc,
    masked: ['clientSecret', 'additionalAuthParams.client_secret', 'customHeaders.X-Api-Key'],
  },
  {
    name: 'policy-api-call auth headers, parameters, form fields, data manipulation',
    policy: apiCall,
    masked: [
      'urlEncodedList[2].value',
      'headersToBeAddedBeforeCallList[1].value',
      'headersToBeAddedBeforeCallList[2].value',
      'headersToBeAddedBeforeCallList[4].value',
      'parametersToBeAddedBeforeCallList[0].value',
      'dataManipulationListBeforeCall[0].sourceValue',
    ],
  },
];

/** Expected masked paths for the valid policy of each case in validation/policy-types/*.cases.ts (others: none). */
const CASE_SECRETS: Record<string, string[]> = {
  'policy-api-authentication': ['apiAuthCondExpressionList[0].password'],
  'policy-ws-security-username': ['password'],
  'policy-api-call': ['parametersToBeAddedBeforeCallList[0].value'], // { name: 'apiKey', valueSource: 'VALUE', value: 'k' }
};
const ALL_CASES = [...TRAFFIC_CASES, ...SECURITY_CASES, ...MESSAGE_CASES];

/** `masked` equals `policy` except at `paths` (and those hold MASKED_VALUE). */
function expectOnlyMaskedAt(policy: Obj, masked: unknown, paths: string[]): void {
  expect(findMaskedValues(masked).sort()).toEqual([...paths].sort());
  const unmasked = copy(masked) as Obj;
  for (const path of paths) {
    const steps = path.match(/[^.[\]]+/g)!;
    const last = steps.pop()!;
    const parent = steps.reduce<any>((o, s) => o[s], unmasked);
    const origParent = steps.reduce<any>((o, s) => o[s], policy);
    parent[last] = origParent[last];
  }
  expect(unmasked).toEqual(policy);
}

describe('policy secrets', () => {
  it('MASKED_VALUE and isMaskedValue', () => {
    expect(MASKED_VALUE).toBe('********');
    expect(isMaskedValue('********')).toBe(true);
    expect(isMaskedValue('*******')).toBe(false);
    expect(isMaskedValue(null)).toBe(false);
    expect(isMaskedValue(undefined)).toBe(false);
  });

  describe('maskPolicySecrets', () => {
    it.each(REALISTIC.map((r) => [r.name, r] as const))('masks %s and nothing else', (_name, r) => {
      const policy = r.policy();
      expectOnlyMaskedAt(policy, maskPolicySecrets(policy), r.masked);
    });

    it.each(ALL_CASES.map((c) => [c.type, c] as const))('valid %s case: masks only its credentials', (type, c) => {
      expectOnlyMaskedAt(c.valid, maskPolicySecrets(c.valid), CASE_SECRETS[type] ?? []);
    });

    it('covers every type with documented secret fields', () => {
      const covered = new Set([...REALISTIC.map((r) => r.policy().type as string), 'policy-auth-clear-text', 'policy-auth-digest']);
      expect(Object.keys(DOCUMENTED_POLICY_SECRET_FIELDS).filter((t) => !covered.has(t))).toEqual([]);
    });

    it('keeps pointers: passwordVar / usernameVar / nonceVar Variables, keystore names, JWK and key ids', () => {
      const policies: Obj[] = [
        {
          type: 'policy-auth-clear-text',
          usernameVar: header('X-User'),
          checkPassword: true,
          passwordVar: header('X-Pass'),
          addUserToHeader: true,
          userHeaderName: 'X-User',
        },
        {
          type: 'policy-auth-digest',
          usernameVar: header('X-User'),
          passwordVar: { type: 'BODY', messageContentType: 'JSON', jsonPathValue: '$.password' },
          nonceVar: header('X-Nonce'),
          createdVar: header('X-Created'),
          clearAuth: true,
        },
        { type: 'policy-saml-validation', keyStoreName: 'saml-ks', clearSaml: true, clearSamlPath: '//Assertion' },
        { type: 'policy-ws-security-sign', sigSigAlgorithm: 'RSA_SHA256', sigC14n: 'EXCLUSIVE', sigDigAlgorithm: 'SHA256', sigKeyStoreName: 'sig-ks' },
        { type: 'policy-jose-validation', joseTarget: 'AUTHORIZATION_HEADER', jwkIdForValidationAndSign: 'jwk-1', jwkIdForDecryptionAndEncryption: 'jwk-2' },
        { type: 'policy-encryption', policyEncryptionDefList: [{ sourceVar: header('X-Card'), cryptoKeyInfoId: 'key-1', certificateId: 'cert-1' }] },
      ];
      for (const policy of policies) expect(maskPolicySecrets(policy)).toEqual(policy);
    });

    it('keeps settings about credentials (token lifetimes, endpoints, field names, types)', () => {
      const jwt: Obj = {
        type: 'policy-auth-jwt',
        tokenNeverExpires: false,
        tokenExpiresInAmount: 3600,
        tokenExpiresInUnit: 'SECONDS',
        refreshTokenAllowed: true,
        refreshTokenCount: 5,
        refreshTokenExpiresInAmount: 86400,
        refreshTokenExpiresInUnit: 'SECONDS',
        grantType: 'PASSWORD',
        jwtSignatureAlgorithm: 'HS256',
      };
      expect(maskPolicySecrets(jwt)).toEqual(jwt);
      const settings: Obj = {
        type: 'policy-something-new',
        tokenEndpoint: 'https://idp/token',
        tokenUrl: 'https://idp/token',
        tokenType: 'Bearer',
        tokenHeaderName: 'X-Token',
        passwordFieldName: 'pw',
        passwordInjectionPath: '$.password',
        passwordType: 'PasswordText',
        passwordHeader: 'X-Password',
        apiKeyVar: header('X-API-Key'),
        credentialName: 'ldap-bind',
        secretName: 'vault/path',
        keyStoreName: 'ks',
        publicKey: 'MIIBIjANBgkq',
        accessKeyId: 'AKIA...',
        key: 'client_secret',
        checkPassword: 'true',
        validateAccessToken: 'false',
      };
      expect(maskPolicySecrets(settings)).toEqual(settings);
    });

    it('generic rule on an unknown type and nested objects', () => {
      const policy: Obj = {
        type: 'policy-ldap-authentication',
        ldap: { url: 'ldaps://ldap', bindDn: 'cn=svc', bindPassword: 'bind-pw', tls: { keyStorePassword: 'ks-pw', trustStorePassword: '' } },
        hmac: { signingKey: 'k1', hmacSecret: 's1', algorithm: 'HS256' },
        privateKey: '-----BEGIN PRIVATE KEY-----',
        apiKey: 'abc',
        accessToken: 'at',
        refreshToken: 'rt',
        token: 'tk',
        credential: 'cr',
        client_secret: 'cs',
        passwd: 'pw',
        tokenValue: 'tv',
        password2: 'p2',
      };
      const masked = maskPolicySecrets(policy);
      expectOnlyMaskedAt(policy, masked, [
        'ldap.bindPassword',
        'ldap.tls.keyStorePassword',
        'hmac.signingKey',
        'hmac.hmacSecret',
        'privateKey',
        'apiKey',
        'accessToken',
        'refreshToken',
        'token',
        'credential',
        'client_secret',
        'passwd',
        'tokenValue',
        'password2',
      ]);
      expect((masked as Obj).ldap.tls.trustStorePassword).toBe(''); // empty stays: "not set"
    });

    it('masks numbers; leaves null, empty, booleans and objects under a secret name', () => {
      const policy: Obj = { type: 'x', pin: 1, password: 1234, secret: null, token: '', apiKey: true, clientSecret: { ref: 'vault' } };
      expect(maskPolicySecrets(policy)).toEqual({ ...policy, password: M });
    });

    it('masks arrays of credentials', () => {
      const policy: Obj = { type: 'x', passwords: ['a', 'b', '', null], apiKeys: [['k1'], ['k2']], tokens: [] };
      expect(maskPolicySecrets(policy)).toEqual({ type: 'x', passwords: [M, M, '', null], apiKeys: [[M], [M]], tokens: [] });
    });

    it('a primitive passwordVar is a literal password, not a pointer', () => {
      expect(maskPolicySecrets({ type: 'policy-auth-digest', usernameVar: header('X-User'), passwordVar: 'hunter2' })).toEqual({
        type: 'policy-auth-digest',
        usernameVar: header('X-User'),
        passwordVar: M,
      });
    });

    it('partial policy without type: every documented name plus the generic rule', () => {
      expect(maskPolicySecrets({ clientSecret: 'new' })).toEqual({ clientSecret: M });
      expect(maskPolicySecrets({ unPassword: 'x', passwordVar: 'lit' })).toEqual({ unPassword: M, passwordVar: M });
      expect(maskPolicySecrets({ apiAuthCondExpressionList: [{ username: 'u', password: 'p' }] })).toEqual({
        apiAuthCondExpressionList: [{ username: 'u', password: M }],
      });
      expect(maskPolicySecrets({ messageCountForInterval: 200 })).toEqual({ messageCountForInterval: 200 });
    });

    it('literal values compared with or written to a credential-named header (conditions, actions)', () => {
      const policy: Obj = {
        type: 'policy-business-rule',
        policyCondition: {
          conditionRuleList: [
            { conditionCriteria: 'VALUE', firstVariable: header('X-API-Key'), valueComparisonOperator: 'EQ', secondValueSource: 'VALUE', secondValue: 'k-1' },
            {
              conditionCriteria: 'VALUE',
              firstVariable: header('X-User-Type'),
              valueComparisonOperator: 'EQ',
              secondValueSource: 'VALUE',
              secondValue: 'PREMIUM',
            },
          ],
        },
        actionList: [
          { actionType: 'ADD', sourceVar: header('X-In'), targetValSource: 'VALUE', targetVal: 'Bearer abc', targetVar: header('Authorization') },
          { actionType: 'ADD', sourceVar: header('X-In'), targetValSource: 'VALUE', targetVal: '${NOW}', targetVar: header('X-Timestamp') },
          { actionType: 'MODIFY', sourceVar: { type: 'BODY', messageContentType: 'JSON', jsonPathValue: "$.auth['password']" }, targetVal: 'x' },
        ],
      };
      expectOnlyMaskedAt(policy, maskPolicySecrets(policy), [
        'policyCondition.conditionRuleList[0].secondValue',
        'actionList[0].targetVal',
        'actionList[2].targetVal',
      ]);
    });

    it('the policy name is not a location (a policy named api-token keeps its fields)', () => {
      const policy: Obj = { type: 'x', name: 'api-token', value: 'v', description: 'd' };
      expect(maskPolicySecrets(policy)).toEqual(policy);
    });

    it('does not mutate its input (frozen) and returns a deep copy', () => {
      const policy = deepFreeze(apiCall());
      const masked = maskPolicySecrets(policy) as Obj;
      expect(policy).toEqual(apiCall());
      expect(masked.headersToBeAddedBeforeCallList).not.toBe(policy.headersToBeAddedBeforeCallList);
      expect(masked.cacheBy).not.toBe(policy.cacheBy);
      expect(masked.cacheBy).toEqual(policy.cacheBy);
    });

    it('a JSON __proto__ key stays a plain key', () => {
      const policy = JSON.parse('{"type":"x","__proto__":{"password":"p","polluted":true}}') as Obj;
      const masked = maskPolicySecrets(policy) as Obj;
      expect(({} as Obj).polluted).toBeUndefined();
      expect(Object.getPrototypeOf(masked)).toBe(Object.prototype);
      expect(Object.getOwnPropertyDescriptor(masked, '__proto__')?.value).toEqual({ password: M, polluted: true });
    });

    it('non-objects pass through', () => {
      expect(maskPolicySecrets(null)).toBeNull();
      expect(maskPolicySecrets('password')).toBe('password');
      expect(maskPolicySecrets([{ password: 'p' }])).toEqual([{ password: M }]);
    });
  });

  describe('isCredentialName', () => {
    it.each([
      'password',
      'PASSWORD',
      'unPassword',
      'keyStorePassword',
      'clientSecret',
      'client_secret',
      'apiKey',
      'APIKey',
      'X-API-Key',
      'api_key',
      'apikey',
      'Ocp-Apim-Subscription-Key',
      'Authorization',
      'Proxy-Authorization',
      'X-Auth-Token',
      'access_token',
      'refreshToken',
      'privateKey',
      'credentials',
      'passphrase',
    ])('%s names a credential', (name) => expect(isCredentialName(name)).toBe(true));

    it.each([
      'tokenEndpoint',
      'tokenExpiresInAmount',
      'tokenNeverExpires',
      'tokenExpiresInUnit',
      'refreshTokenAllowed',
      'tokenCacheTimeoutSeconds',
      'passwordVar',
      'passwordType',
      'passwordFieldName',
      'passwordInjectionPath',
      'userHeaderName',
      'keyStoreName',
      'sigCustomKeyIdentifier',
      'jwkIdForValidationAndSign',
      'validateAccessToken',
      'checkPassword',
      'key',
      'publicKey',
      'Content-Type',
      'grant_type',
      'client_id',
      'username',
      'WWW-Authenticate',
      'ignoreWhenKeyIsEmpty',
    ])('%s does not', (name) => expect(isCredentialName(name)).toBe(false));
  });

  describe('maskApinizerChanges', () => {
    it('masks changes.policy and keeps the rest', () => {
      const changes = deepFreeze({ targetScope: 'ALL', targetPipeline: 'REQUEST', deploy: false, replacePolicy: true, policy: wsSecurityUsername() });
      expect(maskApinizerChanges(changes)).toEqual({ ...changes, policy: { ...wsSecurityUsername(), password: M } });
    });

    it('masks a partial changes.policy without type', () => {
      expect(maskApinizerChanges({ policy: { clientSecret: 'rotated', description: 'd' } })).toEqual({ policy: { clientSecret: M, description: 'd' } });
    });

    it('changes without a policy, or no object, come back as they are', () => {
      const changes = { targetScope: 'ALL', order: 2 };
      expect(maskApinizerChanges(changes)).toBe(changes);
      expect(maskApinizerChanges(undefined)).toBeUndefined();
    });
  });

  describe('restoreMaskedSecrets', () => {
    it.each(REALISTIC.map((r) => [r.name, r] as const))('round trip: %s', (_name, r) => {
      const original = deepFreeze(r.policy());
      const masked = deepFreeze(maskPolicySecrets(original));
      expect(restoreMaskedSecrets(masked, original)).toEqual(r.policy());
    });

    it.each(ALL_CASES.map((c) => [c.type, c] as const))('round trip: valid %s case', (_type, c) => {
      expect(restoreMaskedSecrets(maskPolicySecrets(c.valid), c.valid)).toEqual(c.valid);
    });

    it('a masked policy sent back with an edit keeps the secrets and takes the edit', () => {
      const original = oidc();
      const sent = { ...(maskPolicySecrets(original) as Obj), description: 'edited', clientId: 'new-client' };
      expect(restoreMaskedSecrets(sent, original)).toEqual({ ...original, description: 'edited', clientId: 'new-client' });
    });

    it('a new secret value replaces the old one', () => {
      const original = wsSecurityUsername();
      expect(restoreMaskedSecrets({ ...original, password: 'rotated' }, original)).toEqual({ ...original, password: 'rotated' });
    });

    it('a partial changes.policy is restored from the current full policy', () => {
      const current = wsSecurityToTarget();
      expect(restoreMaskedSecrets({ unPassword: M, tsTimeToLive: 60 }, current)).toEqual({ unPassword: 'mypassword', tsTimeToLive: 60 });
    });

    it('list items are matched by identity: reordered and shortened lists do not swap secrets', () => {
      const original = apiAuthentication();
      const masked = maskPolicySecrets(original) as Obj;
      const [first, second] = masked.apiAuthCondExpressionList;
      const reordered = restoreMaskedSecrets({ ...masked, apiAuthCondExpressionList: [second, first] }, original) as Obj;
      expect(reordered.apiAuthCondExpressionList.map((i: Obj) => i.password)).toEqual(['partner-password', 'api-password']);
      const shortened = restoreMaskedSecrets({ ...masked, apiAuthCondExpressionList: [second] }, original) as Obj;
      expect(shortened.apiAuthCondExpressionList[0].password).toBe('partner-password');
      // without ids, matched by username
      const noIds = (l: Obj[]) => l.map(({ id: _id, ...rest }) => rest);
      const byUsername = restoreMaskedSecrets(
        { ...masked, apiAuthCondExpressionList: noIds([second, first]) },
        { ...original, apiAuthCondExpressionList: noIds(original.apiAuthCondExpressionList) },
      ) as Obj;
      expect(byUsername.apiAuthCondExpressionList.map((i: Obj) => i.password)).toEqual(['partner-password', 'api-password']);
    });

    it('a masked value with nothing to take from stays masked, and findMaskedValues reports it', () => {
      const original = apiAuthentication();
      const masked = maskPolicySecrets(original) as Obj;
      const sent = { ...masked, apiAuthCondExpressionList: [...masked.apiAuthCondExpressionList, { id: 3, username: 'new', password: M }] };
      const restored = restoreMaskedSecrets(sent, original);
      expect(findMaskedValues(restored)).toEqual(['apiAuthCondExpressionList[2].password']);
      // Apinizer clears ws-security-username passwords in List answers: the gateway cannot know it
      const listed = { ...wsSecurityUsername(), password: null };
      expect(restoreMaskedSecrets({ ...listed, password: M }, listed)).toEqual({ ...listed, password: M });
      expect(restoreMaskedSecrets({ password: M }, undefined)).toEqual({ password: M });
    });

    it("a '********' a user wrote into a non-secret field stays theirs", () => {
      const original: Obj = {
        type: 'policy-business-rule',
        actionList: [{ actionType: 'MODIFY', sourceVar: header('X-Card'), operator: 'MASK', targetValSource: 'VALUE', targetVal: '****' }],
      };
      const sent = copy(original);
      sent.actionList[0].targetVal = M;
      expect(restoreMaskedSecrets(sent, original)).toEqual(sent);
    });

    it('a header renamed away from a credential name does not get the old secret', () => {
      const original = apiCall();
      const sent = maskPolicySecrets(original) as Obj;
      sent.headersToBeAddedBeforeCallList[4].name = 'X-Other';
      const restored = restoreMaskedSecrets(sent, original) as Obj;
      expect(restored.headersToBeAddedBeforeCallList[4].value).toBe(M);
      expect(restored.headersToBeAddedBeforeCallList[1].value).toBe('dXNlcjpwYXNz');
    });

    it('does not mutate its inputs', () => {
      const original = deepFreeze(apiCall());
      const masked = deepFreeze(maskPolicySecrets(original));
      const snapshot = copy(masked);
      restoreMaskedSecrets(masked, original);
      expect(masked).toEqual(snapshot);
      expect(original).toEqual(apiCall());
    });
  });

  it('findMaskedValues lists paths', () => {
    expect(findMaskedValues({ a: M, b: [{ c: M }, 'x'], d: { e: null } })).toEqual(['a', 'b[0].c']);
    expect(findMaskedValues(M)).toEqual(['']);
  });
});
