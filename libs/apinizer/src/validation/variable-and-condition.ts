/**
 * The two shapes every policy type shares: the variable object (§6) and the policyCondition (§5), plus the value lists
 * they use. The per-type tables take them through `variable()`, `condition()` and `validatePolicyCondition`.
 */
import {
  FieldSpec,
  Obj,
  ObjectSpec,
  PolicyFieldError,
  applyWhen,
  bool,
  custom,
  err,
  is,
  isBlank,
  isMissing,
  isObj,
  list,
  objectOf,
  oneOf,
  req,
  requireWhen,
  str,
} from './policy-spec.engine';

const VARIABLE_TYPES = ['HEADER', 'PARAMETER', 'BODY', 'CONTEXT_VALUES', 'CUSTOM', 'CONTEXT', 'SCRIPT'] as const;
const PARAM_TYPES = ['QUERY', 'PATH', 'FORM'] as const;
const BODY_CONTENT_TYPES = ['JSON', 'XML', 'ALL_BODY', 'FORM'] as const;
export const SCRIPT_LANGUAGES = ['GROOVY', 'JAVASCRIPT'] as const;

const CONDITION_CRITERIA = ['VALUE', 'NOT', 'AND', 'OR'] as const;
const VARIABLE_DATA_TYPES = ['STRING', 'NUMBER', 'NUMERIC', 'DATE', 'BOOLEAN'] as const;
const COMPARISON_OPERATORS = [
  'LT',
  'LE',
  'GT',
  'GE',
  'EQ',
  'NE',
  'STARTS_WITH',
  'ENDS_WITH',
  'CONTAINS',
  'NOT_CONTAINS',
  'IS_EMPTY',
  'IS_NOT_EMPTY',
  'IS_EXISTS',
  'IS_NOT_EXISTS',
  'IN',
  'NOT_IN',
] as const;
export const UNARY_OPERATORS: readonly string[] = ['IS_EMPTY', 'IS_NOT_EMPTY', 'IS_EXISTS', 'IS_NOT_EXISTS'];
export const VALUE_SOURCES = ['VALUE', 'VARIABLE'] as const;

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
    requireWhen((o) => o.type === 'BODY' && o.messageContentType === 'JSON' && isBlank(o.bodyJsonPath), 'messageContentType is JSON', ['jsonPathValue']),
    requireWhen((o) => o.type === 'BODY' && o.messageContentType === 'XML', 'messageContentType is XML', ['xpathValue']),
    requireWhen(
      (o) => o.type === 'CONTEXT_VALUES' || o.type === 'CONTEXT',
      (o) => `type is ${String(o.type)}`,
      ['contextValue'],
    ),
    requireWhen((o) => (o.type === 'CUSTOM' || o.type === 'SCRIPT') && o.initWithScript === true, 'initWithScript is true', ['scriptLanguage', 'scriptBody']),
  ],
};

/** A variable object (§6). */
export const variable = (): FieldSpec => custom(objectOf(VARIABLE_SPEC, 'must be a variable object'));

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
    requireWhen((o) => isBinaryComparison(o) && o.secondValueSource === 'VARIABLE', 'secondValueSource is VARIABLE', ['secondVariable']),
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
  if (isObj(value) && (path.match(/conditionRuleList\[/g) ?? []).length > MAX_CONDITION_DEPTH) return [err(path, 'is nested too deeply')];
  return objectOf(CONDITION_RULE_SPEC)(value, path);
}

export function validatePolicyCondition(value: unknown, path: string): PolicyFieldError[] {
  return objectOf(POLICY_CONDITION_SPEC)(value, path);
}

/** A policyCondition (§5). */
export const condition = (): FieldSpec => custom(validatePolicyCondition);
