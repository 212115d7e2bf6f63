/** Valid and invalid policies of the security policy types (./security.table.ts). */
import { TypeCase, header } from '../testing/policy-type-cases';

export const SECURITY_CASES: TypeCase[] = [
  {
    type: 'policy-auth-basic',
    valid: { type: 'policy-auth-basic', usernameVar: header('Authorization'), clearAuth: false, addUserToHeader: true, userHeaderName: 'X-User' },
    invalid: [
      { name: 'missing usernameVar', edit: (p) => delete p.usernameVar, path: 'usernameVar', message: 'is required for policy-auth-basic' },
      {
        name: 'addUserToHeader without userHeaderName',
        edit: (p) => delete p.userHeaderName,
        path: 'userHeaderName',
        message: 'is required when addUserToHeader is true',
      },
      { name: 'clearAuth not boolean', edit: (p) => (p.clearAuth = 'false'), path: 'clearAuth', message: 'must be a boolean' },
    ],
  },
  {
    type: 'policy-auth-jwt',
    valid: {
      type: 'policy-auth-jwt',
      tokenNeverExpires: false,
      tokenExpiresInAmount: 3600,
      tokenExpiresInUnit: 'SECONDS',
      refreshTokenAllowed: true,
      refreshTokenCount: 5,
      refreshTokenExpiresInAmount: 86400,
      refreshTokenExpiresInUnit: 'SECONDS',
      allowUrlParameters: false,
      managedFromThisPolicy: true,
      grantType: 'PASSWORD',
      jwtSignatureAlgorithm: 'HS256',
    },
    alsoValid: [{ name: 'never expires, no amount', edit: (p) => ((p.tokenNeverExpires = true), delete p.tokenExpiresInAmount, delete p.tokenExpiresInUnit) }],
    invalid: [
      {
        name: 'bad algorithm',
        edit: (p) => (p.jwtSignatureAlgorithm = 'none'),
        path: 'jwtSignatureAlgorithm',
        message: 'must be one of HS256, HS384, HS512, RS256, RS384, RS512, ES256, ES384, ES512',
      },
      { name: 'missing algorithm', edit: (p) => delete p.jwtSignatureAlgorithm, path: 'jwtSignatureAlgorithm', message: 'is required for policy-auth-jwt' },
      {
        name: 'expiring token without unit',
        edit: (p) => delete p.tokenExpiresInUnit,
        path: 'tokenExpiresInUnit',
        message: 'is required when tokenNeverExpires is false',
      },
      {
        name: 'bad unit',
        edit: (p) => (p.tokenExpiresInUnit = 'FORTNIGHTS'),
        path: 'tokenExpiresInUnit',
        message: 'must be one of MILLI_SECONDS, SECONDS, MINUTES, HOURS, DAYS, WEEKS, MONTHS, YEARS',
      },
      { name: 'bad grantType', edit: (p) => (p.grantType = 'IMPLICIT'), path: 'grantType', message: 'must be one of PASSWORD, CLIENT_CREDENTIALS' },
    ],
  },
  {
    type: 'policy-auth-oauth2',
    valid: { type: 'policy-auth-oauth2', tokenNeverExpires: true, deletePrevious: false },
    invalid: [
      {
        name: 'expiring token without amount',
        edit: (p) => ((p.tokenNeverExpires = false), (p.tokenExpiresInUnit = 'HOURS')),
        path: 'tokenExpiresInAmount',
        message: 'is required when tokenNeverExpires is false',
      },
      { name: 'deletePrevious not boolean', edit: (p) => (p.deletePrevious = 'yes'), path: 'deletePrevious', message: 'must be a boolean' },
    ],
  },
  {
    type: 'policy-oidc',
    valid: {
      type: 'policy-oidc',
      issuer: 'https://accounts.google.com',
      authorizationEndpoint: 'https://accounts.google.com/o/oauth2/v2/auth',
      tokenEndpoint: 'https://oauth2.googleapis.com/token',
      jwksEndpoint: 'https://www.googleapis.com/oauth2/v3/certs',
      clientId: 'client',
      clientSecret: null,
      redirectUri: 'https://api.example.com/oidc/callback',
      flowType: 'AUTHORIZATION_CODE',
      scopes: ['openid', 'profile', 'email'],
      authenticationMode: 'EXTERNAL_ONLY',
      validateJwtSignature: true,
      validateAudience: true,
      expectedAudience: ['client'],
      roleMappings: [{ claimPath: 'roles', roleName: 'ADMIN', required: false }],
      customHeaders: {},
    },
    alsoValid: [{ name: 'plain OAuth2 flow without openid', edit: (p) => ((p.flowType = 'OAUTH2_AUTHORIZATION_CODE'), (p.scopes = ['profile'])) }],
    invalid: [
      { name: 'scopes without openid', edit: (p) => (p.scopes = ['profile']), path: 'scopes', message: 'must include openid' },
      { name: 'empty scopes', edit: (p) => (p.scopes = []), path: 'scopes', message: 'must contain at least one item' },
      {
        name: 'signature validation without jwks',
        edit: (p) => delete p.jwksEndpoint,
        path: 'jwksEndpoint',
        message: 'is required when validateJwtSignature is true',
      },
      {
        name: 'audience validation with empty audience',
        edit: (p) => (p.expectedAudience = []),
        path: 'expectedAudience',
        message: 'is required when validateAudience is true',
      },
      { name: 'missing clientId', edit: (p) => delete p.clientId, path: 'clientId', message: 'is required for policy-oidc' },
      {
        name: 'bad flowType',
        edit: (p) => (p.flowType = 'DEVICE_CODE'),
        path: 'flowType',
        message: 'must be one of AUTHORIZATION_CODE, IMPLICIT, HYBRID, OAUTH2_AUTHORIZATION_CODE',
      },
      { name: 'role mapping without roleName', edit: (p) => delete p.roleMappings[0].roleName, path: 'roleMappings[0].roleName', message: 'is required' },
    ],
  },
  {
    type: 'policy-auth-clear-text',
    valid: { type: 'policy-auth-clear-text', usernameVar: header('X-User'), passwordVar: header('X-Pass') },
    alsoValid: [{ name: 'no password check', edit: (p) => ((p.checkPassword = false), delete p.passwordVar) }],
    invalid: [
      {
        name: 'checkPassword default without passwordVar',
        edit: (p) => delete p.passwordVar,
        path: 'passwordVar',
        message: 'is required when checkPassword is true',
      },
    ],
  },
  {
    type: 'policy-auth-digest',
    valid: { type: 'policy-auth-digest', usernameVar: header('X-User'), passwordVar: header('X-Pass') },
    invalid: [{ name: 'missing passwordVar', edit: (p) => delete p.passwordVar, path: 'passwordVar', message: 'is required for policy-auth-digest' }],
  },
  {
    type: 'policy-auth-mtls',
    valid: { type: 'policy-auth-mtls', validateCertificate: true, validateACLForIssuer: true },
    invalid: [{ name: 'non-boolean flag', edit: (p) => (p.validateCertificate = 1), path: 'validateCertificate', message: 'must be a boolean' }],
  },
  {
    type: 'policy-api-authentication',
    valid: {
      type: 'policy-api-authentication',
      authType: 'BASIC',
      sendType: 'HEADER',
      usernameFieldName: 'X-Username',
      passwordFieldName: 'X-Password',
      apiAuthCondExpressionList: [{ id: 1, username: 'u', password: 'p', policyCondition: null }],
    },
    alsoValid: [
      { name: 'authApiName only', edit: (p) => (delete p.apiAuthCondExpressionList, delete p.authType, delete p.sendType, (p.authApiName = 'auth-api')) },
      { name: 'authApiId only ([conflict])', edit: (p) => (delete p.apiAuthCondExpressionList, (p.authApiId = 'id-1')) },
    ],
    invalid: [
      {
        name: 'neither authApiName nor list',
        edit: (p) => delete p.apiAuthCondExpressionList,
        path: 'apiAuthCondExpressionList',
        message: 'is required for policy-api-authentication unless authApiName is set',
      },
      { name: 'list without sendType', edit: (p) => delete p.sendType, path: 'sendType', message: 'is required when apiAuthCondExpressionList is used' },
      {
        name: 'item without password',
        edit: (p) => delete p.apiAuthCondExpressionList[0].password,
        path: 'apiAuthCondExpressionList[0].password',
        message: 'is required',
      },
      {
        name: 'BODY_INJECTION without paths',
        edit: (p) => (p.sendType = 'BODY_INJECTION'),
        path: 'usernameInjectionPath',
        message: 'is required when sendType is BODY_INJECTION',
      },
    ],
  },
  {
    type: 'policy-saml-validation',
    valid: { type: 'policy-saml-validation', keyStoreName: 'ks', clearSaml: true, clearSamlPath: '//Assertion' },
    invalid: [
      { name: 'missing keyStoreName', edit: (p) => delete p.keyStoreName, path: 'keyStoreName', message: 'is required for policy-saml-validation' },
      { name: 'clearSaml without path', edit: (p) => delete p.clearSamlPath, path: 'clearSamlPath', message: 'is required when clearSaml is true' },
    ],
  },
  {
    type: 'policy-ws-security-username',
    valid: { type: 'policy-ws-security-username', username: 'u', password: 'p', passwordType: 'PasswordDigest', nonce: true, created: true },
    invalid: [
      { name: 'bad passwordType', edit: (p) => (p.passwordType = 'Plain'), path: 'passwordType', message: 'must be one of PasswordText, PasswordDigest' },
    ],
  },
  {
    type: 'policy-ws-security-timestamp',
    valid: { type: 'policy-ws-security-timestamp', timeToLive: 0 },
    invalid: [{ name: 'negative ttl', edit: (p) => (p.timeToLive = -5), path: 'timeToLive', message: 'must be an integer >= 0' }],
  },
];
