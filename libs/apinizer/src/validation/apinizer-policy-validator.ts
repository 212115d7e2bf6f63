/**
 * Client-side validation of Apinizer Management API policy objects (the `policy` part of
 * `PUT .../policies/{policyName}/`) and of policy operationMetadata fields.
 *
 * Pure TypeScript: no Nest, no I/O. Source: /work/shared/reference/apinizer-api.md (§2.1, §3–§6), checked
 * against apinizer/management-api-docs. Where the docs contradict each other ([conflict]) or are silent
 * ([unconfirmed]) the validator accepts every documented reading, so it never rejects something the live
 * server might accept for a documented reason. Notable leniencies:
 *   - variable `name` is never required (per-policy examples omit it); `{id}` alone is a valid reference;
 *   - variable types CONTEXT / SCRIPT (per-policy pages) are accepted next to CONTEXT_VALUES / CUSTOM;
 *   - BODY variables may use the per-page `bodyJsonPath` shape instead of messageContentType + jsonPathValue;
 *   - variableDataType accepts STRING | NUMBER | NUMERIC | DATE | BOOLEAN;
 *   - group condition rules (AND / OR / NOT) need no firstVariable / operator;
 *   - cacheErrorHandlingType accepts FAIL | ALLOW | CONTINUE for throttling and quota;
 *   - client-ban `assertionCondition` may be a policyCondition or the `{criteria, rules}` page shape;
 *   - api-call `certificateEnabled` is satisfied by `certificateName` or `certificateId`;
 *   - api-authentication accepts `authApiName` or `authApiId`;
 *   - policy-script `executionType` is optional (an update-policy.md example omits it);
 *   - `policy-throttling` (list-page spelling) is validated as `policy-api-based-throttling`;
 *   - null is treated like an absent field everywhere (the docs' examples send explicit nulls).
 *
 * The rules are data: one table of field specs per policy type plus a few conditional rules.
 */

export interface PolicyFieldError {
  path: string;
  message: string;
}

type Obj = Record<string, unknown>;
/** Extra check run on a present value whose base type is already right. */
type Check = (value: unknown, path: string) => PolicyFieldError[];
/** Cross-field rule on an object; `path` is the object's own path. */
type Rule = (obj: Obj, path: string) => PolicyFieldError[];

interface FieldSpecBase {
  required?: boolean;
  check?: Check;
}
type FieldSpec = FieldSpecBase &
  (
    | { kind: 'string' }
    | { kind: 'boolean' }
    | { kind: 'integer'; min?: number; max?: number }
    | { kind: 'enum'; values: readonly string[] }
    | { kind: 'variable' }
    | { kind: 'condition' }
    | { kind: 'array'; minItems: number; items?: FieldSpec }
    | { kind: 'object'; spec: ObjectSpec }
    | { kind: 'any' }
  );

interface ObjectSpec {
  readonly fields: Readonly<Record<string, FieldSpec>>;
  readonly rules?: readonly Rule[];
}

// ---------------------------------------------------------------------------------------------
// Enums
// ---------------------------------------------------------------------------------------------

const TARGET_SCOPES = ['ALL', 'ENDPOINT'] as const;
const TARGET_PIPELINES = ['REQUEST', 'RESPONSE', 'ERROR'] as const;
const ENDPOINT_HTTP_METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'TRACE', 'ALL'] as const;
const CALL_HTTP_METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'TRACE'] as const;

const VARIABLE_TYPES = ['HEADER', 'PARAMETER', 'BODY', 'CONTEXT_VALUES', 'CUSTOM', 'CONTEXT', 'SCRIPT'] as const;
const PARAM_TYPES = ['QUERY', 'PATH', 'FORM'] as const;
const BODY_CONTENT_TYPES = ['JSON', 'XML', 'ALL_BODY', 'FORM'] as const;
const SCRIPT_LANGUAGES = ['GROOVY', 'JAVASCRIPT'] as const;

const CONDITION_CRITERIA = ['VALUE', 'NOT', 'AND', 'OR'] as const;
const VARIABLE_DATA_TYPES = ['STRING', 'NUMBER', 'NUMERIC', 'DATE', 'BOOLEAN'] as const;
const COMPARISON_OPERATORS = [
  'LT', 'LE', 'GT', 'GE', 'EQ', 'NE', 'STARTS_WITH', 'ENDS_WITH', 'CONTAINS', 'NOT_CONTAINS',
  'IS_EMPTY', 'IS_NOT_EMPTY', 'IS_EXISTS', 'IS_NOT_EXISTS', 'IN', 'NOT_IN',
] as const;
const UNARY_OPERATORS: readonly string[] = ['IS_EMPTY', 'IS_NOT_EMPTY', 'IS_EXISTS', 'IS_NOT_EXISTS'];
const VALUE_SOURCES = ['VALUE', 'VARIABLE'] as const;

const THROTTLING_INTERVALS = ['ONE_SECOND', 'ONE_MINUTE', 'ONE_HOUR', 'ONE_DAY'] as const;
const QUOTA_INTERVALS = ['ONE_HOUR', 'ONE_DAY', 'ONE_MONTH'] as const;
const ANY_INTERVAL = ['ONE_SECOND', 'ONE_MINUTE', 'ONE_HOUR', 'ONE_DAY', 'ONE_MONTH'] as const;
const CACHE_ERROR_HANDLING = ['FAIL', 'ALLOW', 'CONTINUE'] as const; // [conflict] ALLOW vs CONTINUE

const WEEK_DAYS = ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY', 'SUNDAY', 'ALL'] as const;
const TOKEN_TIME_UNITS = ['MILLI_SECONDS', 'SECONDS', 'MINUTES', 'HOURS', 'DAYS', 'WEEKS', 'MONTHS', 'YEARS'] as const;
const ACTION_TIME_UNITS = ['MILLISECOND', 'SECOND', 'MINUTE', 'HOUR', 'DAY', 'WEEK', 'MONTH', 'YEAR'] as const;
const JWT_ALGORITHMS = ['HS256', 'HS384', 'HS512', 'RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512'] as const;
const MODIFY_OPERATORS = [
  'ADD', 'SUBTRACT', 'MULTIPLY', 'DIVIDE', 'MODULUS', 'POWER',
  'CONCAT', 'REPLACE_IN', 'REPLACE_WITH', 'REPLACE_FIRST', 'SUBSTRING', 'MASK', 'FORMAT', 'TRANSFORM', 'INSERT',
  'TRIM', 'ENCODE', 'DECODE', 'URL_ENCODE', 'URL_DECODE', 'EXTRACT_JWT_HEADER_CLAIM', 'EXTRACT_JWT_BODY_CLAIM',
  'ADD_TEMPORAL', 'SUBTRACT_TEMPORAL',
] as const;

// ---------------------------------------------------------------------------------------------
// Generic helpers
// ---------------------------------------------------------------------------------------------

const err = (path: string, message: string): PolicyFieldError => ({ path, message });
const join = (base: string, key: string): string => (base ? `${base}.${key}` : key);
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isMissing = (v: unknown): boolean => v === undefined || v === null;
const oneOfMessage = (values: readonly string[]): string => `must be one of ${values.join(', ')}`;

/** Absent for a conditional requirement: null/undefined, blank string (unless allowed), empty array. */
function isBlank(v: unknown, allowEmptyString = false): boolean {
  if (isMissing(v)) return true;
  if (typeof v === 'string') return !allowEmptyString && v.trim() === '';
  return Array.isArray(v) && v.length === 0;
}

function integerMessage(min?: number, max?: number): string {
  if (min !== undefined && max !== undefined) return `must be an integer between ${min} and ${max}`;
  if (min === 1) return 'must be an integer > 0';
  if (min !== undefined) return `must be an integer >= ${min}`;
  if (max !== undefined) return `must be an integer <= ${max}`;
  return 'must be an integer';
}

// Spec builders ---------------------------------------------------------------------------------

const req = (spec: FieldSpec): FieldSpec => ({ ...spec, required: true });
const str = (check?: Check): FieldSpec => ({ kind: 'string', check });
const bool = (): FieldSpec => ({ kind: 'boolean' });
const int = (min?: number, max?: number): FieldSpec => ({ kind: 'integer', min, max });
const oneOf = (values: readonly string[]): FieldSpec => ({ kind: 'enum', values });
const variable = (): FieldSpec => ({ kind: 'variable' });
const condition = (): FieldSpec => ({ kind: 'condition' });
const list = (items?: FieldSpec, minItems = 0): FieldSpec => ({ kind: 'array', items, minItems });
const nonEmptyList = (items?: FieldSpec): FieldSpec => list(items, 1);
const obj = (fields: Record<string, FieldSpec>, ...rules: Rule[]): FieldSpec => ({ kind: 'object', spec: { fields, rules } });
const custom = (check: Check): FieldSpec => ({ kind: 'any', check });

// Rule builders ---------------------------------------------------------------------------------

const is =
  (field: string, value: unknown) =>
  (o: Obj): boolean =>
    o[field] === value;

/** When `when(o)` holds, every field in `fields` must be present (type checks stay with the field specs). */
function requireWhen(
  when: (o: Obj) => boolean,
  label: string | ((o: Obj) => string),
  fields: readonly string[],
  opts: { allowEmptyString?: boolean } = {},
): Rule {
  return (o, path) => {
    if (!when(o)) return [];
    const why = typeof label === 'string' ? label : label(o);
    return fields
      .filter((f) => isBlank(o[f], opts.allowEmptyString))
      .map((f) => err(join(path, f), `is required when ${why}`));
  };
}

/** When `when(o)` holds, validate `o` against a further spec (e.g. leaf-only condition fields). */
function applyWhen(when: (o: Obj) => boolean, spec: ObjectSpec): Rule {
  return (o, path) => (when(o) ? validateObject(o, spec, path, 'is required') : []);
}

// Core walkers ----------------------------------------------------------------------------------

function validateField(value: unknown, spec: FieldSpec, path: string, requiredMessage: string): PolicyFieldError[] {
  if (isMissing(value)) return spec.required ? [err(path, requiredMessage)] : [];
  const base = validateKind(value, spec, path);
  if (base.length > 0 || !spec.check) return base;
  return spec.check(value, path);
}

function validateKind(value: unknown, spec: FieldSpec, path: string): PolicyFieldError[] {
  switch (spec.kind) {
    case 'string':
      if (typeof value !== 'string') return [err(path, 'must be a string')];
      return spec.required && value.trim() === '' ? [err(path, 'must not be empty')] : [];
    case 'boolean':
      return typeof value === 'boolean' ? [] : [err(path, 'must be a boolean')];
    case 'integer': {
      const ok =
        typeof value === 'number' &&
        Number.isInteger(value) &&
        (spec.min === undefined || value >= spec.min) &&
        (spec.max === undefined || value <= spec.max);
      return ok ? [] : [err(path, integerMessage(spec.min, spec.max))];
    }
    case 'enum':
      return typeof value === 'string' && spec.values.includes(value) ? [] : [err(path, oneOfMessage(spec.values))];
    case 'variable':
      return validateVariable(value, path);
    case 'condition':
      return validatePolicyCondition(value, path);
    case 'array': {
      if (!Array.isArray(value)) return [err(path, 'must be an array')];
      if (value.length < spec.minItems) return [err(path, 'must contain at least one item')];
      const items = spec.items;
      if (!items) return [];
      return value.flatMap((item, i) => validateField(item, { ...items, required: true }, `${path}[${i}]`, 'must not be null'));
    }
    case 'object':
      return isObj(value) ? validateObject(value, spec.spec, path, 'is required') : [err(path, 'must be an object')];
    case 'any':
      return [];
  }
}

function validateObject(o: Obj, spec: ObjectSpec, path: string, requiredMessage: string): PolicyFieldError[] {
  const errors: PolicyFieldError[] = [];
  for (const [key, fieldSpec] of Object.entries(spec.fields)) {
    errors.push(...validateField(o[key], fieldSpec, join(path, key), requiredMessage));
  }
  for (const rule of spec.rules ?? []) errors.push(...rule(o, path));
  return errors;
}

// ---------------------------------------------------------------------------------------------
// Variable object (§6) and policyCondition (§5)
// ---------------------------------------------------------------------------------------------

const VARIABLE_SPEC: ObjectSpec = {
  fields: {
    name: str(), // required by the appendix unless `id` is given, but per-policy examples omit it: not enforced
    type: oneOf(VARIABLE_TYPES),
    headerName: str(),
    paramType: oneOf(PARAM_TYPES),
    paramName: str(),
    paramPath: str(),
    messageContentType: oneOf(BODY_CONTENT_TYPES),
    jsonPathValue: str(),
    xpathValue: str(),
    contextValue: str(), // the context value lists conflict: any string
    initWithScript: bool(),
    scriptLanguage: oneOf(SCRIPT_LANGUAGES),
    scriptBody: str(),
  },
  rules: [
    requireWhen((o) => isMissing(o.id), 'no id is given', ['type']),
    requireWhen(is('type', 'HEADER'), 'type is HEADER', ['headerName']),
    requireWhen(is('type', 'PARAMETER'), 'type is PARAMETER', ['paramType', 'paramName']),
    requireWhen((o) => o.type === 'PARAMETER' && o.paramType === 'PATH', 'paramType is PATH', ['paramPath']),
    // Per-policy pages use `{type: BODY, bodyJsonPath}` without messageContentType: accepted.
    requireWhen((o) => o.type === 'BODY' && isBlank(o.bodyJsonPath), 'type is BODY', ['messageContentType']),
    requireWhen(
      (o) => o.type === 'BODY' && o.messageContentType === 'JSON' && isBlank(o.bodyJsonPath),
      'messageContentType is JSON',
      ['jsonPathValue'],
    ),
    requireWhen((o) => o.type === 'BODY' && o.messageContentType === 'XML', 'messageContentType is XML', ['xpathValue']),
    requireWhen((o) => o.type === 'CONTEXT_VALUES' || o.type === 'CONTEXT', (o) => `type is ${String(o.type)}`, ['contextValue']),
    requireWhen(
      (o) => (o.type === 'CUSTOM' || o.type === 'SCRIPT') && o.initWithScript === true,
      'initWithScript is true',
      ['scriptLanguage', 'scriptBody'],
    ),
  ],
};

function validateVariable(value: unknown, path: string): PolicyFieldError[] {
  return isObj(value) ? validateObject(value, VARIABLE_SPEC, path, 'is required') : [err(path, 'must be a variable object')];
}

const MAX_CONDITION_DEPTH = 32;

const CONDITION_LEAF_SPEC: ObjectSpec = {
  fields: {
    firstVariable: req(variable()),
    variableDataType: req(oneOf(VARIABLE_DATA_TYPES)),
    dateFormat: str(),
    valueComparisonOperator: req(oneOf(COMPARISON_OPERATORS)),
    secondValueSource: oneOf(VALUE_SOURCES),
    secondValue: str(),
    secondVariable: variable(),
  },
  rules: [
    requireWhen(is('variableDataType', 'DATE'), 'variableDataType is DATE', ['dateFormat']),
    requireWhen(isBinaryComparison, (o) => `valueComparisonOperator is ${String(o.valueComparisonOperator)}`, ['secondValueSource']),
    requireWhen((o) => isBinaryComparison(o) && o.secondValueSource === 'VALUE', 'secondValueSource is VALUE', ['secondValue'], {
      allowEmptyString: true,
    }),
    requireWhen((o) => isBinaryComparison(o) && o.secondValueSource === 'VARIABLE', 'secondValueSource is VARIABLE', [
      'secondVariable',
    ]),
  ],
};

function isBinaryComparison(o: Obj): boolean {
  const op = o.valueComparisonOperator;
  return typeof op === 'string' && (COMPARISON_OPERATORS as readonly string[]).includes(op) && !UNARY_OPERATORS.includes(op);
}

const CONDITION_RULE_SPEC: ObjectSpec = {
  fields: {
    conditionCriteria: req(oneOf(CONDITION_CRITERIA)),
    conditionRuleList: list(custom(validateConditionRule)),
  },
  // Leaf fields are checked only on VALUE rules; group nodes (AND/OR/NOT) may omit them [unconfirmed].
  rules: [applyWhen(is('conditionCriteria', 'VALUE'), CONDITION_LEAF_SPEC)],
};

const POLICY_CONDITION_SPEC: ObjectSpec = {
  fields: { conditionRuleList: list(custom(validateConditionRule)) },
};

function validateConditionRule(value: unknown, path: string): PolicyFieldError[] {
  if (!isObj(value)) return [err(path, 'must be an object')];
  if ((path.match(/conditionRuleList\[/g) ?? []).length > MAX_CONDITION_DEPTH) return [err(path, 'is nested too deeply')];
  return validateObject(value, CONDITION_RULE_SPEC, path, 'is required');
}

function validatePolicyCondition(value: unknown, path: string): PolicyFieldError[] {
  return isObj(value) ? validateObject(value, POLICY_CONDITION_SPEC, path, 'is required') : [err(path, 'must be an object')];
}

/** client-ban page shape: `{criteria, rules[{variable, comparisonOperator, value, valueSource}]}` [conflict]. */
const ASSERTION_CRITERIA_SPEC: ObjectSpec = {
  fields: {
    criteria: req(oneOf(['ALWAYS', 'IF_ALL_MATCH', 'IF_ANY_MATCH', 'IF_NONE_MATCH'])),
    rules: list(
      obj(
        {
          variable: req(obj({})), // that page uses variable types outside §6 (HTTP_STATUS_CODE, ...)
          comparisonOperator: req(str()),
          value: str(),
          valueSource: str(),
        },
        requireWhen(
          (o) => typeof o.comparisonOperator === 'string' && !UNARY_OPERATORS.includes(o.comparisonOperator),
          (o) => `comparisonOperator is ${String(o.comparisonOperator)}`,
          ['value'],
          { allowEmptyString: true },
        ),
      ),
    ),
  },
};

function validateAssertionCondition(value: unknown, path: string): PolicyFieldError[] {
  if (!isObj(value)) return [err(path, 'must be an object')];
  const criteriaShape = 'criteria' in value && !('conditionRuleList' in value);
  return criteriaShape
    ? validateObject(value, ASSERTION_CRITERIA_SPEC, path, 'is required')
    : validatePolicyCondition(value, path);
}

// ---------------------------------------------------------------------------------------------
// Value checks
// ---------------------------------------------------------------------------------------------

function isIPv4(s: string): boolean {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  return m !== null && m.slice(1).every((octet) => Number(octet) <= 255);
}

function isIPv6(s: string): boolean {
  let body = s;
  if (s.includes('.')) {
    const lastColon = s.lastIndexOf(':');
    if (lastColon < 0 || !isIPv4(s.slice(lastColon + 1))) return false;
    body = `${s.slice(0, lastColon + 1)}0:0`; // embedded IPv4 counts as two groups
  }
  const halves = body.split('::');
  if (halves.length > 2) return false;
  const groups = (h: string): string[] => (h === '' ? [] : h.split(':'));
  const head = groups(halves[0] ?? '');
  const tail = halves.length === 2 ? groups(halves[1] ?? '') : [];
  if (![...head, ...tail].every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) return false;
  const count = head.length + tail.length;
  return halves.length === 2 ? count <= 7 : count === 8;
}

/** IPv4 / IPv6 address, optionally with a CIDR prefix (the formats the ip-list pages document). */
const ipOrCidr: Check = (value, path) => {
  const [address = '', prefix, ...rest] = String(value).trim().split('/');
  const v4 = isIPv4(address);
  const v6 = !v4 && isIPv6(address);
  const prefixOk = prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (v4 ? 32 : 128));
  return (v4 || v6) && prefixOk && rest.length === 0 ? [] : [err(path, 'must be an IPv4/IPv6 address or CIDR range')];
};

const jsonText: Check = (value, path) => {
  try {
    JSON.parse(String(value));
    return [];
  } catch {
    return [err(path, 'must be valid JSON')];
  }
};

// ---------------------------------------------------------------------------------------------
// Shared field groups
// ---------------------------------------------------------------------------------------------

const RATE_LIMIT_FIELDS: Record<string, FieldSpec> = {
  targetVariableForIdentity: req(variable()),
  messageCountForInterval: req(int(1)),
  intervalPeriodLength: int(1),
  intervalWindowType: oneOf(['FIXED', 'SLIDING']),
  cacheConnectionTimeoutInSeconds: int(0),
  cacheErrorHandlingType: oneOf(CACHE_ERROR_HANDLING),
  showRateLimitStatisticsInResponseHeader: bool(),
  detailList: list(
    obj({
      targetValue: req(str()),
      regexExpression: bool(),
      messageCountForInterval: req(int(1)),
      intervalPeriodLength: int(1),
      quotaInterval: req(oneOf(ANY_INTERVAL)),
    }),
  ),
};

const IP_LIST_FIELDS: Record<string, FieldSpec> = {
  ipList: req(nonEmptyList(req(str(ipOrCidr)))),
  targetVariableForIP: variable(),
};

const SCHEMA_DEFINITION = (schemaBodyCheck?: Check): FieldSpec =>
  obj({
    schemaBody: req(str(schemaBodyCheck)),
    schemaNo: int(0),
    systemId: str(),
    targetNamespace: str(),
    rootSchema: bool(),
  });

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
const TOKEN_EXPIRY_RULE = requireWhen(is('tokenNeverExpires', false), 'tokenNeverExpires is false', [
  'tokenExpiresInAmount',
  'tokenExpiresInUnit',
]);

/** Action fields shared by redaction actions and business-rule actions. */
const ACTION_FIELDS: Record<string, FieldSpec> = {
  sourceVar: variable(),
  sourceVarBodyInjectionFieldName: str(),
  sourceDataType: oneOf(['STRING', 'NUMERIC', 'TEMPORAL']),
  sourceTemporalFormat: str(),
  operator: oneOf(MODIFY_OPERATORS),
  substringFrom: int(),
  substringTo: int(),
  maskFrom: int(),
  maskTo: int(),
  insertOffset: int(),
  temporalOperatorTimeUnit: oneOf(ACTION_TIME_UNITS),
  targetValSource: oneOf(VALUE_SOURCES),
  targetVal: str(),
  targetVar: variable(),
  transformationContentType: oneOf(['XSLT', 'JOLT', 'XML2JSON', 'JSON2XML']),
};

/** Action spec: `needs` maps an actionType to the fields it requires. */
function actionSpec(actionTypes: readonly string[], needs: Record<string, readonly string[]>): FieldSpec {
  const producesValue = (o: Obj): boolean => o.actionType === 'ADD' || o.actionType === 'MODIFY';
  return obj(
    { actionType: req(oneOf(actionTypes)), ...ACTION_FIELDS },
    ...Object.entries(needs).map(([type, fields]) => requireWhen(is('actionType', type), `actionType is ${type}`, fields)),
    requireWhen((o) => producesValue(o) && o.targetValSource === 'VALUE', 'targetValSource is VALUE', ['targetVal'], {
      allowEmptyString: true,
    }),
    requireWhen((o) => producesValue(o) && o.targetValSource === 'VARIABLE', 'targetValSource is VARIABLE', ['targetVar']),
  );
}

/** api-call header / parameter to add. */
const NAME_VALUE_ITEM = obj(
  {
    name: req(str()),
    description: str(),
    valueSource: req(oneOf(VALUE_SOURCES)),
    value: str(),
    variable: variable(),
    prefix: oneOf(['NONE', 'BASIC', 'BEARER', 'DIGEST']),
  },
  requireWhen(is('valueSource', 'VALUE'), 'valueSource is VALUE', ['value'], { allowEmptyString: true }),
  requireWhen(is('valueSource', 'VARIABLE'), 'valueSource is VARIABLE', ['variable']),
);

const DATA_MANIPULATION_ITEM = obj({
  operation: req(oneOf(['ADD', 'ADD_OR_EDIT', 'DELETE'])),
  targetName: req(str()),
  sourceValueSource: oneOf(VALUE_SOURCES),
  sourceVar: variable(),
  sourceValue: str(),
  targetValueSource: oneOf(VALUE_SOURCES),
  targetVar: variable(),
  targetValue: str(),
});

// ---------------------------------------------------------------------------------------------
// Per-type table (§4)
// ---------------------------------------------------------------------------------------------

const policy = (fields: Record<string, FieldSpec>, ...rules: Rule[]): ObjectSpec => ({ fields, rules });

const POLICY_SPECS: Readonly<Record<string, ObjectSpec>> = {
  'policy-api-based-throttling': policy({
    ...RATE_LIMIT_FIELDS,
    throttlingInterval: req(oneOf(THROTTLING_INTERVALS)),
  }),

  'policy-api-based-quota': policy({
    ...RATE_LIMIT_FIELDS,
    quotaInterval: req(oneOf(QUOTA_INTERVALS)),
  }),

  'policy-black-ip': policy(IP_LIST_FIELDS),
  'policy-white-ip': policy(IP_LIST_FIELDS),

  'policy-script': policy({
    executionType: oneOf(['SYNC', 'ASYNC']), // [conflict] an update example omits it
    scriptLanguage: req(oneOf(SCRIPT_LANGUAGES)),
    scriptBody: req(str()),
  }),

  'policy-json-schema-validation': policy({
    pathForBody: req(str()),
    schemaDefinitionList: req(nonEmptyList(SCHEMA_DEFINITION(jsonText))),
  }),

  'policy-xml-schema-validation': policy(
    {
      validateAgainstSpec: bool(),
      schemaDefinitionList: list(SCHEMA_DEFINITION()),
    },
    requireWhen(is('validateAgainstSpec', false), 'validateAgainstSpec is false', ['schemaDefinitionList']),
  ),

  'policy-max-message-size': policy({ maxMessageSize: req(int(1)) }),
  'policy-min-message-size': policy({ minMessageSize: req(int(1)) }),

  'policy-time-restriction': policy({
    actionType: oneOf(['ALLOW', 'RESTRICT']), // default RESTRICT
    zoneId: str(),
    restrictionList: req(
      nonEmptyList(
        obj(
          {
            dayType: req(oneOf(['WEEK', 'CUSTOM'])),
            enumWeekDayList: list(oneOf(WEEK_DAYS)),
            day: int(0, 31),
            month: int(0, 12),
            wholeDay: bool(),
            startHour: int(0, 24),
            startMinute: int(0, 60),
            startSecond: int(0, 60),
            endHour: int(0, 24),
            endMinute: int(0, 60),
            endSecond: int(0, 60),
            hourName: str(),
            description: str(),
          },
          requireWhen(is('dayType', 'WEEK'), 'dayType is WEEK', ['enumWeekDayList']),
          requireWhen(is('dayType', 'CUSTOM'), 'dayType is CUSTOM', ['day', 'month']),
          requireWhen((o) => o.wholeDay !== true, 'wholeDay is false', [
            'startHour',
            'startMinute',
            'startSecond',
            'endHour',
            'endMinute',
            'endSecond',
          ]),
        ),
      ),
    ),
  }),

  'policy-client-ban': policy({
    clientIdentityVariableList: req(nonEmptyList(variable())),
    thresholdWindowInSeconds: int(1), // default 10
    thresholdCountPerWindow: int(1), // default 1
    thresholdCalculationType: req(oneOf(['COUNT', 'PERCENT'])),
    banTimeInSeconds: int(1), // default 10
    enableRetryAfterHeader: bool(),
    ignoreWhenKeyIsEmpty: bool(),
    assertionCondition: req(custom(validateAssertionCondition)),
  }),

  'policy-api-call': policy(
    {
      callType: req(oneOf(['SYNCHRONOUS', 'ONE_WAY'])),
      httpMethod: req(oneOf(CALL_HTTP_METHODS)),
      url: req(str()),
      timeout: int(0),
      certificateEnabled: bool(),
      certificateName: str(),
      certificateId: str(),
      enableCache: bool(),
      cacheBy: variable(),
      capacity: int(1),
      ttl: int(1),
      cacheNullResponses: bool(),
      cacheStorageType: oneOf(['LOCAL', 'DISTRIBUTED']),
      afterCallBodyOperationType: oneOf(['NOT_CHANGE_BODY', 'REPLACE_BODY', 'CLEAR_BODY']),
      clearBodyBeforeCall: bool(),
      useMessageTemplateBeforeCall: bool(),
      useMessageTemplateAfterCall: bool(),
      removeAllHeadersBeforeCall: bool(),
      removeAllParametersBeforeCall: bool(),
      removeAllHeadersAfterCall: bool(),
      removeAllParametersAfterCall: bool(),
      headersToBeAddedBeforeCallList: list(NAME_VALUE_ITEM),
      headersToBeAddedAfterCallList: list(NAME_VALUE_ITEM),
      parametersToBeAddedBeforeCallList: list(NAME_VALUE_ITEM),
      parametersToBeAddedAfterCallList: list(NAME_VALUE_ITEM),
      headersToBeDeletedBeforeCallList: list(),
      headersToBeDeletedAfterCallList: list(),
      parametersToBeDeletedBeforeCallList: list(),
      parametersToBeDeletedAfterCallList: list(),
      urlEncodedList: list(obj({ key: req(str()), value: str(), description: str() })),
      dataManipulationListBeforeCall: list(DATA_MANIPULATION_ITEM),
      dataManipulationListAfterCall: list(DATA_MANIPULATION_ITEM),
    },
    requireWhen(is('enableCache', true), 'enableCache is true', ['capacity', 'ttl']),
    (o, path) =>
      o.enableCache === true && typeof o.callType === 'string' && o.callType !== 'SYNCHRONOUS'
        ? [err(join(path, 'callType'), 'must be SYNCHRONOUS when enableCache is true')]
        : [],
    // The reference says certificateName, the api-call page says certificateId [conflict]: either will do.
    (o, path) =>
      o.certificateEnabled === true && isBlank(o.certificateName) && isBlank(o.certificateId)
        ? [err(join(path, 'certificateName'), 'is required when certificateEnabled is true')]
        : [],
  ),

  'policy-redaction': policy({
    redactionDefList: req(
      nonEmptyList(
        obj(
          {
            redactionType: req(oneOf(['KEY_EXISTENCE', 'KEY_VALUE', 'USER', 'ROLE'])),
            keyValueVar: variable(),
            keyValueListStr: str(),
            redactionDefDetailList: req(
              nonEmptyList(
                obj({
                  orderNum: req(int(1)),
                  action: req(
                    actionSpec(['MODIFY', 'DELETE'], {
                      MODIFY: ['sourceVar', 'sourceDataType', 'operator', 'targetValSource'],
                      DELETE: ['sourceVar'],
                    }),
                  ),
                }),
              ),
            ),
          },
          requireWhen(
            (o) => o.redactionType === 'KEY_EXISTENCE' || o.redactionType === 'KEY_VALUE',
            (o) => `redactionType is ${String(o.redactionType)}`,
            ['keyValueVar'],
          ),
          requireWhen(is('redactionType', 'KEY_VALUE'), 'redactionType is KEY_VALUE', ['keyValueListStr']),
        ),
      ),
    ),
  }),

  'policy-auth-basic': policy(
    { usernameVar: req(variable()), clearAuth: bool(), ...USER_HEADER_FIELDS },
    USER_HEADER_RULE,
  ),

  'policy-auth-clear-text': policy(
    { usernameVar: req(variable()), checkPassword: bool(), passwordVar: variable(), ...USER_HEADER_FIELDS },
    requireWhen((o) => o.checkPassword !== false, 'checkPassword is true', ['passwordVar']),
    USER_HEADER_RULE,
  ),

  'policy-auth-digest': policy(
    { usernameVar: req(variable()), passwordVar: req(variable()), ...USER_HEADER_FIELDS },
    USER_HEADER_RULE,
  ),

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

  'policy-content-filter': policy({
    policyContentFilterDefList: req(
      nonEmptyList(
        obj({
          name: req(str()),
          ruleValue: req(str()),
          headerActive: bool(),
          bodyActive: bool(),
          paramActive: bool(),
          action: oneOf(['BLOCK', 'DELETE']),
          contentType: oneOf(['XML', 'JSON', 'ALL_BODY']),
        }),
      ),
    ),
  }),

  'policy-business-rule': policy({
    actionList: req(
      nonEmptyList(
        actionSpec(['ADD', 'MODIFY', 'DELETE', 'STOP'], {
          ADD: ['sourceVar', 'targetValSource', 'targetVar'],
          MODIFY: ['sourceVar', 'sourceDataType', 'operator', 'targetValSource'],
          DELETE: ['sourceVar'],
        }),
      ),
    ),
  }),

  'policy-json-transformation': policy(
    { transformationType: oneOf(['JSON2JSON', 'JSON2XML']), joltValue: str() },
    requireWhen((o) => isMissing(o.transformationType) || o.transformationType === 'JSON2JSON', 'transformationType is JSON2JSON', [
      'joltValue',
    ]),
  ),

  'policy-xml-transformation': policy(
    { transformationType: oneOf(['XML2XML', 'XML2JSON']), xsltValue: str() },
    requireWhen((o) => isMissing(o.transformationType) || o.transformationType === 'XML2XML', 'transformationType is XML2XML', [
      'xsltValue',
    ]),
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

/** Other spellings seen in the docs [conflict]: the crud list page says `policy-throttling`. */
const POLICY_TYPE_ALIASES: Readonly<Record<string, string>> = {
  'policy-throttling': 'policy-api-based-throttling',
};

const NOT_IMPLEMENTED_TYPES = [
  'policy-encryption',
  'policy-decryption',
  'policy-digital-sign',
  'policy-digital-sign-verification',
  'policy-group',
] as const;
const SYSTEM_MANAGED_TYPES = ['policy-request-protocol-transformation', 'policy-response-protocol-transformation'] as const;

/** Types the Management API cannot update: not implemented and system-managed. */
export const NON_UPDATABLE_POLICY_TYPES: ReadonlySet<string> = new Set<string>([...NOT_IMPLEMENTED_TYPES, ...SYSTEM_MANAGED_TYPES]);

const COMMON_SPEC: ObjectSpec = {
  fields: {
    type: req(str()),
    description: str(),
    active: bool(),
    policyCondition: condition(),
    errorMessageList: list(), // item schema undocumented
  },
};

function specFor(type: string): ObjectSpec | undefined {
  const canonical = POLICY_TYPE_ALIASES[type] ?? type;
  return Object.prototype.hasOwnProperty.call(POLICY_SPECS, canonical) ? POLICY_SPECS[canonical] : undefined;
}

// ---------------------------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------------------------

/**
 * Validate a FULL (merged) Apinizer policy object about to be PUT. basePath is prefixed to every path, e.g.
 * 'updates[2].changes.policy' → 'updates[2].changes.policy.messageCountForInterval'. Returns [] when valid.
 * Unknown types get the common checks only; non-updatable types get an error on `type`.
 */
export function validateApinizerPolicy(policy: Record<string, unknown>, basePath: string): PolicyFieldError[] {
  if (!isObj(policy)) return [err(basePath, 'must be an object')];
  const errors = validateObject(policy, COMMON_SPEC, basePath, 'is required');
  const type = policy.type;
  if (typeof type !== 'string' || type.trim() === '') return errors;

  if (NON_UPDATABLE_POLICY_TYPES.has(type)) {
    const reason = (SYSTEM_MANAGED_TYPES as readonly string[]).includes(type) ? 'system-managed' : 'not implemented';
    errors.push(err(join(basePath, 'type'), `cannot be updated through the Management API (${reason})`));
    return errors;
  }
  const spec = specFor(type);
  if (spec) errors.push(...validateObject(policy, spec, basePath, `is required for ${type}`));
  return errors;
}

/** Top-level required fields for a type (for '422 missing fields' messages when no current config is known); [] for unknown types. */
export function requiredFieldsForPolicyType(type: string): string[] {
  const spec = specFor(type);
  if (!spec) return [];
  return Object.entries(spec.fields)
    .filter(([, fieldSpec]) => fieldSpec.required === true)
    .map(([name]) => name);
}

/**
 * Fields a policy must carry when the gateway sends it as the caller wrote it (`replacePolicy: true`): the required ones
 * plus those the type page requires although another page's example omits them ([conflict], e.g. policy-script
 * `executionType`). A policy read from Apinizer without them is still accepted (the other reading) and never given one.
 */
const REQUIRED_ON_REPLACEMENT: Readonly<Record<string, readonly string[]>> = {
  'policy-script': ['executionType'],
};

export function requiredFieldsForReplacement(type: string): string[] {
  const canonical = POLICY_TYPE_ALIASES[type] ?? type;
  return [...requiredFieldsForPolicyType(type), ...(REQUIRED_ON_REPLACEMENT[canonical] ?? [])];
}

/** True for every policy type the reference documents (updatable or not), including known alias spellings. */
export function isKnownPolicyType(type: string): boolean {
  return specFor(type) !== undefined || NON_UPDATABLE_POLICY_TYPES.has(type);
}

/**
 * Validate operationMetadata-like fields: targetScope ALL|ENDPOINT, ENDPOINT needs targetEndpoint +
 * targetEndpointHTTPMethod (GET POST PUT DELETE PATCH OPTIONS HEAD TRACE ALL), targetPipeline
 * REQUEST|RESPONSE|ERROR, order integer >= 1 or null. basePath + field names as given, e.g.
 * 'updates[0].changes.targetEndpoint'.
 *
 * Absent fields are fine by default (partial changes); pass `{ complete: true }` for a full
 * operationMetadata, where targetScope and targetPipeline are required.
 */
export function validateOperationMetadata(
  meta: {
    targetScope?: unknown;
    targetEndpoint?: unknown;
    targetEndpointHTTPMethod?: unknown;
    targetPipeline?: unknown;
    order?: unknown;
  },
  basePath: string,
  opts: { complete?: boolean } = {},
): PolicyFieldError[] {
  if (!isObj(meta)) return [err(basePath, 'must be an object')];
  const required = opts.complete === true;
  const spec: ObjectSpec = {
    fields: {
      targetScope: { ...oneOf(TARGET_SCOPES), required },
      targetEndpoint: str(),
      targetEndpointHTTPMethod: oneOf(ENDPOINT_HTTP_METHODS),
      targetPipeline: { ...oneOf(TARGET_PIPELINES), required },
    },
    rules: [
      requireWhen(is('targetScope', 'ENDPOINT'), 'targetScope is ENDPOINT', ['targetEndpoint', 'targetEndpointHTTPMethod']),
      (o, path) =>
        isMissing(o.order) || (typeof o.order === 'number' && Number.isInteger(o.order) && o.order >= 1)
          ? []
          : [err(join(path, 'order'), 'must be an integer >= 1 or null')],
    ],
  };
  return validateObject(meta, spec, basePath, 'is required');
}
