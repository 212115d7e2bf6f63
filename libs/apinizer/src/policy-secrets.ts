/**
 * Credential fields of Apinizer policies: masked wherever a policy is shown (`changes`, `before`, `applied`, events, logs,
 * the console), restored from the server-side original when a client sends a masked policy back.
 *
 * Sources: ../shared/reference/apinizer-api.md §4 (policy type table) and the per-policy pages of apinizer/management-api-docs
 * (HEAD 319c71d, `02-api-reference/05-policies/policies/policy-<type>.md`) that it summarises. What is a secret VALUE and what is
 * a POINTER to one:
 * - values (masked): passwords, client secrets, tokens and keys written into the policy itself. Apinizer itself treats the
 *   documented ones as secrets: it stores them encrypted and clears them in List answers.
 * - pointers (kept): Variable objects (§6) that say WHERE a credential is read from at run time (`usernameVar`, `passwordVar`,
 *   `nonceVar`, `cacheBy`, a header item's `variable`, ...); names and ids of keystores, certificates, JWKs and crypto keys
 *   (`keyStoreName`, `encKeyStoreName`, `certificateName`, `jwkIdForValidationAndSign`, `cryptoKeyInfoId`, ...): the key
 *   material lives in Apinizer, not in the policy; and settings about credentials (`tokenEndpoint`, `tokenExpiresInAmount`,
 *   `passwordFieldName`, `passwordInjectionPath`, `passwordType`, `userHeaderName`, ...). Masking those would hide real
 *   configuration drift and tell the user nothing.
 * Only non-empty strings and numbers are masked: null, '' and absent stay as they are, so "not set" is still visible.
 */

/** What a masked credential reads as. */
export const MASKED_VALUE = '********';

export function isMaskedValue(value: unknown): value is typeof MASKED_VALUE {
  return value === MASKED_VALUE;
}

/**
 * Documented credential fields per policy type, as paths from the policy root (`[]` = every item of a list). The generic
 * rule below also catches all but `passwordVar`; the list is what the reference promises, and each entry is tested.
 */
export const DOCUMENTED_POLICY_SECRET_FIELDS: Readonly<Record<string, readonly string[]>> = {
  // §4 "Items {username*, password*, policyCondition}"; the page: "password (encrypted)", "cleared in list operations".
  'policy-api-authentication': ['apiAuthCondExpressionList[].password'],
  // §4 ws-security row "username `username`, `password`, `passwordType`"; the page: "Password is cleared in list operations".
  'policy-ws-security-username': ['password'],
  // policy-ws-security-to-target.md field table: `unPassword` "UsernameToken password" (§4 only says "See the files").
  'policy-ws-security-to-target': ['unPassword'],
  // policy-oidc.md: `clientSecret` "OIDC Client Secret (encrypted)", "cleared in list operations" (§4: "dozens of optional fields").
  'policy-oidc': ['clientSecret'],
  // §4 / the pages: `passwordVar` is a Variable object ("Variable for extracting password"), i.e. a pointer, and an object is
  // never masked. Listed so that a bare string or number put there (not a valid Variable; the validator refuses it, but it
  // may still be echoed back in an error or logged) is treated as the literal password it probably is.
  'policy-auth-clear-text': ['passwordVar'],
  'policy-auth-digest': ['passwordVar'],
  // policy-api-call (§4: header/param items {name, valueSource, value | variable, prefix NONE/BASIC/BEARER/DIGEST}) has no fixed
  // secret field: its credentials are the literal `value`s of auth headers and parameters, found by the pair rule below.
  // No credential fields: policy-auth-basic (usernameVar only), policy-auth-jwt / policy-auth-oauth2 (token lifetime settings;
  // signing keys are not part of the policy), policy-auth-mtls, policy-saml-validation and the other ws-security types
  // (keystore names), policy-jose-* (JWK ids), policy-encryption/-decryption/-digital-sign* (cryptoKeyInfoId, certificateId).
};

const ALL_DOCUMENTED_FIELDS: ReadonlySet<string> = new Set(Object.values(DOCUMENTED_POLICY_SECRET_FIELDS).flat());

/* ---------------------------------------------------------------------------------------------------------------------- */
/* The generic rule: a field (or header, parameter, form key, map key) whose NAME says it holds a credential.               */
/* ---------------------------------------------------------------------------------------------------------------------- */

/** Head nouns that name a credential (compare lower case; a plural `s` is also accepted). */
const CREDENTIAL_WORDS: ReadonlySet<string> = new Set([
  'password',
  'passwd',
  'pwd',
  'pass',
  'passphrase',
  'secret',
  'token',
  'credential',
  'authorization',
  'bearer',
  // written as one word
  'apikey',
  'apitoken',
  'authtoken',
  'accesstoken',
  'refreshtoken',
  'idtoken',
  'accesskey',
  'secretkey',
  'privatekey',
  'signingkey',
  'clientsecret',
]);
/** `<qualifier> key` is a credential (`apiKey`, `privateKey`, `X-API-Key`, `Ocp-Apim-Subscription-Key`); a bare `key` is not. */
const KEY_QUALIFIERS: ReadonlySet<string> = new Set([
  'api',
  'private',
  'secret',
  'signing',
  'hmac',
  'access',
  'shared',
  'master',
  'encryption',
  'subscription',
  'auth',
]);
/** A name holding one of these words is a setting about a credential, not the credential (`tokenEndpoint`, `passwordFieldName`). */
const SETTING_WORDS: ReadonlySet<string> = new Set([
  'endpoint',
  'url',
  'uri',
  'expires',
  'expire',
  'expiry',
  'expiration',
  'unit',
  'type',
  'name',
  'header',
  'var',
  'variable',
  'path',
  'field',
]);
/** A name starting with one of these is a flag (`validateAccessToken`, `checkPassword`). */
const FLAG_PREFIXES: ReadonlySet<string> = new Set([
  'validate',
  'enable',
  'allow',
  'check',
  'clear',
  'require',
  'disable',
  'ignore',
  'is',
  'has',
  'use',
  'include',
]);

/** `keyStorePassword` → key, store, password; `X-API-Key` → x, api, key; `client_secret` → client, secret. */
function words(name: string): string[] {
  return (name.match(/[A-Z]+(?![a-z])|[A-Z]?[a-z]+/g) ?? []).map((w) => w.toLowerCase()); // digits dropped: password2
}

const inSet = (set: ReadonlySet<string>, word: string | undefined): boolean =>
  word !== undefined && (set.has(word) || (word.length > 1 && word.endsWith('s') && set.has(word.slice(0, -1))));

/**
 * True when a field, header, parameter or map key name says it holds a credential: its last word (the head noun) is one of
 * CREDENTIAL_WORDS, or `key` after a KEY_QUALIFIER, optionally followed by `value` (`tokenValue`); and no word marks a
 * setting (SETTING_WORDS) and it does not start as a flag (FLAG_PREFIXES).
 */
export function isCredentialName(name: string): boolean {
  const w = words(name);
  if (w.length === 0 || w.some((x) => inSet(SETTING_WORDS, x)) || (w.length > 1 && FLAG_PREFIXES.has(w[0]))) return false;
  if (w.length > 1 && (w[w.length - 1] === 'value' || w[w.length - 1] === 'values')) w.pop();
  const head = w[w.length - 1];
  if (inSet(CREDENTIAL_WORDS, head)) return true;
  return (head === 'key' || head === 'keys') && inSet(KEY_QUALIFIERS, w[w.length - 2]);
}

/* ---------------------------------------------------------------------------------------------------------------------- */
/* The pair rule: a literal value next to a location that names a credential.                                               */
/* ---------------------------------------------------------------------------------------------------------------------- */

/** Fields that name where a sibling literal goes (api-call header/param `name`, form `key`, data manipulation `targetName`). */
const LOCATION_NAME_KEYS = ['name', 'key', 'targetName'] as const;
/** Variables (§6) a sibling literal is written to or compared with (api-call item, condition rule, action, client-ban rule). */
const LOCATION_VARIABLE_KEYS = ['variable', 'firstVariable', 'sourceVar', 'targetVar'] as const;
/** Literal values that take the credential of their location. */
const LITERAL_KEYS: ReadonlySet<string> = new Set(['value', 'secondValue', 'sourceValue', 'targetValue', 'targetVal']);
/** api-call header item prefixes that make its value a credential (§4: prefix NONE/BASIC/BEARER/DIGEST). */
const CREDENTIAL_PREFIXES: ReadonlySet<string> = new Set(['BASIC', 'BEARER', 'DIGEST']);

type Obj = Record<string, unknown>;

function isPlainObject(value: unknown): value is Obj {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  // any realm's Object.prototype (its own prototype is null): structuredClone and vm contexts (Jest) hand out objects of another realm
  const proto = Object.getPrototypeOf(value) as object | null;
  return proto === null || Object.getPrototypeOf(proto) === null;
}

/** A Variable reads a credential-named header, parameter, form field or body node (last JSONPath / XPath step). */
function variableNamesCredential(variable: unknown): boolean {
  if (!isPlainObject(variable)) return false;
  const names = ['headerName', 'paramName', 'formName'].map((k) => variable[k]);
  for (const k of ['jsonPathValue', 'bodyJsonPath', 'xpathValue', 'bodyXPath']) {
    const path = variable[k];
    if (typeof path === 'string')
      names.push(
        path
          .split(/[.[\]/'"@:*]+/)
          .filter(Boolean)
          .pop(),
      );
  }
  return names.some((n) => typeof n === 'string' && isCredentialName(n));
}

/** True when `obj`'s literal values (LITERAL_KEYS) are credentials, by what its location fields or prefix say. */
function literalsAreCredentials(obj: Obj): boolean {
  if (typeof obj.prefix === 'string' && CREDENTIAL_PREFIXES.has(obj.prefix.toUpperCase())) return true;
  if (LOCATION_NAME_KEYS.some((k) => typeof obj[k] === 'string' && isCredentialName(obj[k]))) return true;
  return LOCATION_VARIABLE_KEYS.some((k) => variableNamesCredential(obj[k]));
}

/* ---------------------------------------------------------------------------------------------------------------------- */
/* Masking                                                                                                                  */
/* ---------------------------------------------------------------------------------------------------------------------- */

const isMaskable = (value: unknown): boolean => (typeof value === 'string' && value !== '') || (typeof value === 'number' && !Number.isNaN(value));

/** Sets a key on a fresh object without ever touching its prototype (a JSON `__proto__` key stays a plain key). */
function put(target: Obj, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * @param documented paths from the policy root of this policy's documented credential fields
 * @param secret     the value sits at a credential position: a primitive (or each primitive of a list) is masked, and an
 *                   object here (a Variable pointer, a `{value, valueType}` map entry) keeps its fields but has its literal
 *                   values (LITERAL_KEYS) masked
 */
function maskNode(value: unknown, path: string, documented: ReadonlySet<string>, secret: boolean): unknown {
  if (secret && isMaskable(value)) return MASKED_VALUE;
  if (Array.isArray(value)) return value.map((item) => maskNode(item, `${path}[]`, documented, secret));
  if (!isPlainObject(value)) return value;
  // the policy root's `name` is the policy's own name, not a location: the pair rule starts one level down
  const literals = path !== '' && (secret || literalsAreCredentials(value));
  const out: Obj = {};
  for (const [key, child] of Object.entries(value)) {
    const childPath = path === '' ? key : `${path}.${key}`;
    const childSecret = documented.has(childPath) || isCredentialName(key) || (literals && LITERAL_KEYS.has(key));
    put(out, key, maskNode(child, childPath, documented, childSecret));
  }
  return out;
}

function documentedFieldsFor(policy: unknown): ReadonlySet<string> {
  const type = isPlainObject(policy) ? policy.type : undefined;
  if (typeof type === 'string' && Object.prototype.hasOwnProperty.call(DOCUMENTED_POLICY_SECRET_FIELDS, type)) {
    return new Set(DOCUMENTED_POLICY_SECRET_FIELDS[type]);
  }
  // a partial policy without `type`, or a type with nothing documented or not known: every type's documented names apply
  return ALL_DOCUMENTED_FIELDS;
}

/**
 * A deep copy of `policy` (full, or a partial `changes.policy`) with every credential value replaced by MASKED_VALUE:
 * the documented fields of its type (every type's when `type` is absent or unknown), any field, header, parameter or map key
 * whose name says credential (isCredentialName), and the literal `value` / `secondValue` / `targetVal` / ... next to such a
 * name, a Variable reading such a header or parameter, or an api-call `prefix` BASIC/BEARER/DIGEST. The input is not changed.
 */
export function maskPolicySecrets(policy: unknown): unknown {
  return maskNode(policy, '', documentedFieldsFor(policy), false);
}

/** An Apinizer `changes` object (ApinizerPolicyChangesDto) with `changes.policy` masked; everything else as it is. */
export function maskApinizerChanges<T>(changes: T): T {
  if (!isPlainObject(changes) || changes.policy === undefined) return changes;
  const out: Obj = { ...changes };
  put(out, 'policy', maskPolicySecrets(changes.policy));
  return out as T;
}

/* ---------------------------------------------------------------------------------------------------------------------- */
/* Restoring                                                                                                                */
/* ---------------------------------------------------------------------------------------------------------------------- */

/** List items are matched by the first of these they carry (a reordered or shortened list must not swap secrets). */
const IDENTITY_KEYS = ['id', 'name', 'key', 'targetName', 'username'] as const;

/** Index in `originals` of the item that `items[i]` stands for, or undefined when that cannot be told. */
function counterpart(items: unknown[], i: number, originals: unknown[]): number | undefined {
  const item = items[i];
  if (isPlainObject(item)) {
    const idKey = IDENTITY_KEYS.find((k) => (typeof item[k] === 'string' || typeof item[k] === 'number') && !isMaskedValue(item[k]));
    if (idKey !== undefined) {
      const matches = originals.flatMap((o, j) => (isPlainObject(o) && o[idKey] === item[idKey] ? [j] : []));
      if (matches.length === 1) return matches[0];
      return matches.includes(i) ? i : undefined;
    }
  }
  return items.length === originals.length ? i : undefined;
}

function restoreNode(value: unknown, original: unknown, maskedOriginal: unknown): unknown {
  // only where the original held a credential that masking hid: a '********' a user typed into another field stays theirs
  if (isMaskedValue(value)) return isMaskedValue(maskedOriginal) && original !== undefined ? original : value;
  if (Array.isArray(value)) {
    const originals = Array.isArray(original) ? original : [];
    const maskedOriginals = Array.isArray(maskedOriginal) ? maskedOriginal : [];
    return value.map((item, i) => {
      const j = counterpart(value, i, originals);
      return j === undefined ? restoreNode(item, undefined, undefined) : restoreNode(item, originals[j], maskedOriginals[j]);
    });
  }
  if (!isPlainObject(value)) return value;
  const o = isPlainObject(original) ? original : {};
  const mo = isPlainObject(maskedOriginal) ? maskedOriginal : {};
  const out: Obj = {};
  for (const [key, child] of Object.entries(value)) {
    const has = Object.prototype.hasOwnProperty.call(o, key);
    put(out, key, restoreNode(child, has ? o[key] : undefined, has ? mo[key] : undefined));
  }
  return out;
}

/**
 * `masked` (a full policy or a partial `changes.policy` a client sent back) with each MASKED_VALUE that stands at a credential
 * position of `original` (the server-side policy) replaced by the original's value, by path. List items are matched by
 * id/name/key/targetName/username when they carry one, else by index when the lists have the same length. A MASKED_VALUE
 * with no original to take from stays (see findMaskedValues); neither input is changed.
 */
export function restoreMaskedSecrets(masked: unknown, original: unknown): unknown {
  return restoreNode(masked, original, maskPolicySecrets(original));
}

/** Paths (`a.b[0].c`) of MASKED_VALUEs left in `value`: a placeholder that must not be sent to Apinizer as a password. */
export function findMaskedValues(value: unknown, path = ''): string[] {
  if (isMaskedValue(value)) return [path];
  if (Array.isArray(value)) return value.flatMap((item, i) => findMaskedValues(item, `${path}[${i}]`));
  if (!isPlainObject(value)) return [];
  return Object.entries(value).flatMap(([key, child]) => findMaskedValues(child, path === '' ? key : `${path}.${key}`));
}
