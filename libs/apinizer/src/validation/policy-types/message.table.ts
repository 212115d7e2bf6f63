/** Policy types that read or rewrite a message (§4): scripts, schema validation, API calls, redaction, rules, transformations. */
import {
  Check,
  FieldSpec,
  Obj,
  ObjectSpec,
  bool,
  err,
  int,
  is,
  isBlank,
  isMissing,
  join,
  list,
  nonEmptyList,
  obj,
  oneOf,
  policy,
  req,
  requireWhen,
  str,
} from '../policy-spec.engine';
import { jsonText } from '../value-checks';
import { SCRIPT_LANGUAGES, VALUE_SOURCES, variable } from '../variable-and-condition';

const CALL_HTTP_METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'TRACE'] as const;
const ACTION_TIME_UNITS = ['MILLISECOND', 'SECOND', 'MINUTE', 'HOUR', 'DAY', 'WEEK', 'MONTH', 'YEAR'] as const;
const MODIFY_OPERATORS = [
  'ADD',
  'SUBTRACT',
  'MULTIPLY',
  'DIVIDE',
  'MODULUS',
  'POWER',
  'CONCAT',
  'REPLACE_IN',
  'REPLACE_WITH',
  'REPLACE_FIRST',
  'SUBSTRING',
  'MASK',
  'FORMAT',
  'TRANSFORM',
  'INSERT',
  'TRIM',
  'ENCODE',
  'DECODE',
  'URL_ENCODE',
  'URL_DECODE',
  'EXTRACT_JWT_HEADER_CLAIM',
  'EXTRACT_JWT_BODY_CLAIM',
  'ADD_TEMPORAL',
  'SUBTRACT_TEMPORAL',
] as const;

const SCHEMA_DEFINITION = (schemaBodyCheck?: Check): FieldSpec =>
  obj({
    schemaBody: req(str(schemaBodyCheck)),
    schemaNo: int(0),
    systemId: str(),
    targetNamespace: str(),
    rootSchema: bool(),
  });

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

export const MESSAGE_POLICY_SPECS: Readonly<Record<string, ObjectSpec>> = {
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
    requireWhen((o) => isMissing(o.transformationType) || o.transformationType === 'JSON2JSON', 'transformationType is JSON2JSON', ['joltValue']),
  ),

  'policy-xml-transformation': policy(
    { transformationType: oneOf(['XML2XML', 'XML2JSON']), xsltValue: str() },
    requireWhen((o) => isMissing(o.transformationType) || o.transformationType === 'XML2XML', 'transformationType is XML2XML', ['xsltValue']),
  ),
};
