/** Policy types that authenticate or secure a message (§4): basic/digest/token auth, OIDC, mTLS, SAML, JOSE, WS-Security. */
import { FieldSpec, ObjectSpec, bool, err, int, is, isBlank, join, list, nonEmptyList, obj, oneOf, policy, req, requireWhen, str } from '../policy-spec.engine';
import { condition, variable } from '../variable-and-condition';

const TOKEN_TIME_UNITS = ['MILLI_SECONDS', 'SECONDS', 'MINUTES', 'HOURS', 'DAYS', 'WEEKS', 'MONTHS', 'YEARS'] as const;
const JWT_ALGORITHMS = ['HS256', 'HS384', 'HS512', 'RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512'] as const;

const USER_HEADER_FIELDS: Record<string, FieldSpec> = { addUserToHeader: bool(), userHeaderName: str() };
const USER_HEADER_RULE = requireWhen(is('addUserToHeader', true), 'addUserToHeader is true', ['userHeaderName']);

const TOKEN_FIELDS: Record<string, FieldSpec> = {
  tokenNeverExpires: bool(),
  tokenExpiresInAmount: int(1),
  tokenExpiresInUnit: oneOf(TOKEN_TIME_UNITS),
  grantType: oneOf(['PASSWORD', 'CLIENT_CREDENTIALS']),
  refreshTokenAllowed: bool(),
  refreshTokenCount: int(0),
  refreshTokenExpiresInAmount: int(1),
  refreshTokenExpiresInUnit: oneOf(TOKEN_TIME_UNITS),
  allowUrlParameters: bool(),
  managedFromThisPolicy: bool(),
  jwtSignatureAlgorithm: oneOf(JWT_ALGORITHMS),
};
const TOKEN_EXPIRY_RULE = requireWhen(is('tokenNeverExpires', false), 'tokenNeverExpires is false', ['tokenExpiresInAmount', 'tokenExpiresInUnit']);

export const SECURITY_POLICY_SPECS: Readonly<Record<string, ObjectSpec>> = {
  'policy-auth-basic': policy({ usernameVar: req(variable()), clearAuth: bool(), ...USER_HEADER_FIELDS }, USER_HEADER_RULE),

  'policy-auth-clear-text': policy(
    { usernameVar: req(variable()), checkPassword: bool(), passwordVar: variable(), ...USER_HEADER_FIELDS },
    requireWhen((o) => o.checkPassword !== false, 'checkPassword is true', ['passwordVar']),
    USER_HEADER_RULE,
  ),

  'policy-auth-digest': policy({ usernameVar: req(variable()), passwordVar: req(variable()), ...USER_HEADER_FIELDS }, USER_HEADER_RULE),

  'policy-auth-jwt': policy({ ...TOKEN_FIELDS, jwtSignatureAlgorithm: req(oneOf(JWT_ALGORITHMS)) }, TOKEN_EXPIRY_RULE),

  'policy-auth-oauth2': policy({ ...TOKEN_FIELDS, deletePrevious: bool() }, TOKEN_EXPIRY_RULE),

  'policy-oidc': policy(
    {
      issuer: req(str()),
      authorizationEndpoint: req(str()),
      tokenEndpoint: req(str()),
      clientId: req(str()),
      redirectUri: req(str()),
      scopes: req(nonEmptyList(req(str()))),
      clientSecret: str(),
      userInfoEndpoint: str(),
      jwksEndpoint: str(),
      introspectionEndpoint: str(),
      flowType: oneOf(['AUTHORIZATION_CODE', 'IMPLICIT', 'HYBRID', 'OAUTH2_AUTHORIZATION_CODE']),
      authenticationMode: oneOf(['EXTERNAL_ONLY', 'INTERNAL_ONLY', 'HYBRID']),
      enablePKCE: bool(),
      requireBothInHybrid: bool(),
      validateIdToken: bool(),
      validateAccessToken: bool(),
      validateJwtLocally: bool(),
      validateJwtSignature: bool(),
      validateIssuer: bool(),
      expectedIssuer: str(),
      validateAudience: bool(),
      expectedAudience: list(req(str())),
      expectedJwtAuthSigningAlgs: list(req(str())),
      roleMappings: list(obj({ claimPath: req(str()), claimValue: str(), roleName: req(str()), required: bool() })),
      tokenCacheTimeoutSeconds: int(0),
      jwkCacheTimeoutSeconds: int(0),
      sessionTimeoutMinutes: int(0),
      connectionTimeoutSeconds: int(0),
      readTimeoutSeconds: int(0),
      maxClockSkewSeconds: int(0),
    },
    // "must include openid for OIDC flows": the plain OAuth 2.0 flow is exempt.
    (o, path) =>
      Array.isArray(o.scopes) && o.scopes.length > 0 && o.flowType !== 'OAUTH2_AUTHORIZATION_CODE' && !o.scopes.includes('openid')
        ? [err(join(path, 'scopes'), 'must include openid')]
        : [],
    requireWhen(is('validateJwtSignature', true), 'validateJwtSignature is true', ['jwksEndpoint']),
    requireWhen(is('validateAudience', true), 'validateAudience is true', ['expectedAudience']),
  ),

  'policy-auth-mtls': policy({ validateCertificate: bool(), validateACLForIssuer: bool() }),

  'policy-api-authentication': policy(
    {
      authApiName: str(),
      authApiId: str(),
      authType: oneOf(['BASIC', 'BASE64', 'DIGEST', 'API']),
      sendType: oneOf(['HEADER', 'PARAM', 'BODY_MESSAGE', 'BODY_INJECTION']),
      messageContentType: oneOf(['XML', 'JSON', 'ALL_BODY']),
      apiAuthCondExpressionList: list(obj({ username: req(str()), password: req(str()), policyCondition: condition() })),
      bodyMessage: str(),
      bodyMessageInjectionPath: str(),
      usernameInjectionPath: str(),
      passwordInjectionPath: str(),
    },
    (o, path) =>
      isBlank(o.authApiName) && isBlank(o.authApiId) && isBlank(o.apiAuthCondExpressionList)
        ? [err(join(path, 'apiAuthCondExpressionList'), 'is required for policy-api-authentication unless authApiName is set')]
        : [],
    requireWhen((o) => !isBlank(o.apiAuthCondExpressionList), 'apiAuthCondExpressionList is used', ['authType', 'sendType']),
    requireWhen(is('sendType', 'BODY_MESSAGE'), 'sendType is BODY_MESSAGE', ['bodyMessage', 'bodyMessageInjectionPath']),
    requireWhen(is('sendType', 'BODY_INJECTION'), 'sendType is BODY_INJECTION', ['usernameInjectionPath', 'passwordInjectionPath']),
  ),

  'policy-saml-validation': policy(
    { keyStoreName: req(str()), clearSaml: bool(), clearSamlPath: str() },
    requireWhen(is('clearSaml', true), 'clearSaml is true', ['clearSamlPath']),
  ),

  'policy-jose-validation': policy({ joseTarget: str() }),
  'policy-jose-implementation': policy({ joseTarget: str() }),

  'policy-ws-security-encrypt': policy({ encKeyStoreName: req(str()) }),
  'policy-ws-security-decrypt': policy({ decKeyStoreName: req(str()) }),
  'policy-ws-security-sign': policy({
    sigSigAlgorithm: req(str()),
    sigC14n: req(str()),
    sigDigAlgorithm: req(str()),
    sigKeyStoreName: req(str()),
  }),
  'policy-ws-security-sign-validation': policy({ verKeyStoreName: req(str()) }),
  'policy-ws-security-username': policy({
    username: req(str()),
    password: req(str()),
    passwordType: req(oneOf(['PasswordText', 'PasswordDigest'])),
    mustUnderstand: bool(),
    nonce: bool(),
    created: bool(),
  }),
  'policy-ws-security-timestamp': policy({ timeToLive: req(int(0)) }),
  'policy-ws-security-from-target': policy({}),
  'policy-ws-security-to-target': policy({ wsSecurityEntryOrderList: req(list()) }),
};
