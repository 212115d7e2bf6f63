import { PolicyFieldError, validateApinizerPolicy } from './apinizer-policy-validator';
import { BASE, Obj, at } from './testing/policy-type-cases';

// ------------------------------------------------------------------------------------------------
// policyCondition (§5)
// ------------------------------------------------------------------------------------------------

const leaf = (over: Obj = {}): Obj => ({
  conditionCriteria: 'VALUE',
  firstVariable: { name: 'userTypeHeader', type: 'HEADER', headerName: 'X-User-Type' },
  variableDataType: 'STRING',
  valueComparisonOperator: 'EQ',
  secondValueSource: 'VALUE',
  secondValue: 'PREMIUM',
  ...over,
});
const withCondition = (policyCondition: unknown): Obj => ({ type: 'policy-log', policyCondition });
const C = 'policyCondition.conditionRuleList';

describe('policyCondition', () => {
  const validConditions: Array<[string, unknown]> = [
    ['null', null],
    ['empty object', {}],
    ['empty rule list', { conditionRuleList: [] }],
    ['single VALUE leaf', { conditionRuleList: [leaf()] }],
    [
      'nested AND / OR / NOT groups without leaf fields',
      {
        conditionRuleList: [
          {
            conditionCriteria: 'AND',
            conditionRuleList: [
              leaf(),
              {
                conditionCriteria: 'NOT',
                conditionRuleList: [leaf({ valueComparisonOperator: 'IS_EXISTS', secondValueSource: undefined, secondValue: undefined })],
              },
              { conditionCriteria: 'OR', conditionRuleList: [] },
            ],
          },
        ],
      },
    ],
    ['group node carrying a firstVariable', { conditionRuleList: [{ conditionCriteria: 'OR', firstVariable: null, conditionRuleList: [leaf()] }] }],
    ['NUMBER data type', { conditionRuleList: [leaf({ variableDataType: 'NUMBER', valueComparisonOperator: 'GT', secondValue: '5' })] }],
    ['NUMERIC data type ([conflict])', { conditionRuleList: [leaf({ variableDataType: 'NUMERIC' })] }],
    ['BOOLEAN data type', { conditionRuleList: [leaf({ variableDataType: 'BOOLEAN', secondValue: 'true' })] }],
    ['DATE with dateFormat', { conditionRuleList: [leaf({ variableDataType: 'DATE', dateFormat: 'yyyy-MM-dd', valueComparisonOperator: 'LT' })] }],
    [
      'unary operator without second value',
      { conditionRuleList: [leaf({ valueComparisonOperator: 'IS_NOT_EMPTY', secondValueSource: null, secondValue: null })] },
    ],
    ['empty secondValue string', { conditionRuleList: [leaf({ secondValue: '' })] }],
    ['IN with list string', { conditionRuleList: [leaf({ valueComparisonOperator: 'IN', secondValue: 'A,B,C' })] }],
    [
      'VARIABLE second operand',
      {
        conditionRuleList: [
          leaf({ secondValueSource: 'VARIABLE', secondValue: undefined, secondVariable: { type: 'PARAMETER', paramType: 'QUERY', paramName: 'tier' } }),
        ],
      },
    ],
    ['second variable by id', { conditionRuleList: [leaf({ secondValueSource: 'VARIABLE', secondVariable: { id: 'var-1' } })] }],
  ];

  it.each(validConditions)('accepts %s', (_name, condition) => {
    expect(validateApinizerPolicy(withCondition(condition), BASE)).toEqual([]);
  });

  const invalidConditions: Array<[string, unknown, string, string]> = [
    ['rule list not an array', { conditionRuleList: {} }, 'policyCondition.conditionRuleList', 'must be an array'],
    ['rule not an object', { conditionRuleList: ['x'] }, `${C}[0]`, 'must be an object'],
    ['missing conditionCriteria', { conditionRuleList: [{ ...leaf(), conditionCriteria: undefined }] }, `${C}[0].conditionCriteria`, 'is required'],
    ['bad conditionCriteria', { conditionRuleList: [leaf({ conditionCriteria: 'XOR' })] }, `${C}[0].conditionCriteria`, 'must be one of VALUE, NOT, AND, OR'],
    ['leaf without firstVariable', { conditionRuleList: [leaf({ firstVariable: undefined })] }, `${C}[0].firstVariable`, 'is required'],
    [
      'firstVariable HEADER without headerName',
      { conditionRuleList: [leaf({ firstVariable: { type: 'HEADER' } })] },
      `${C}[0].firstVariable.headerName`,
      'is required when type is HEADER',
    ],
    [
      'bad variableDataType',
      { conditionRuleList: [leaf({ variableDataType: 'TEXT' })] },
      `${C}[0].variableDataType`,
      'must be one of STRING, NUMBER, NUMERIC, DATE, BOOLEAN',
    ],
    ['leaf without variableDataType', { conditionRuleList: [leaf({ variableDataType: undefined })] }, `${C}[0].variableDataType`, 'is required'],
    ['DATE without dateFormat', { conditionRuleList: [leaf({ variableDataType: 'DATE' })] }, `${C}[0].dateFormat`, 'is required when variableDataType is DATE'],
    [
      'bad operator',
      { conditionRuleList: [leaf({ valueComparisonOperator: 'LIKE' })] },
      `${C}[0].valueComparisonOperator`,
      'must be one of LT, LE, GT, GE, EQ, NE, STARTS_WITH, ENDS_WITH, CONTAINS, NOT_CONTAINS, IS_EMPTY, IS_NOT_EMPTY, IS_EXISTS, IS_NOT_EXISTS, IN, NOT_IN',
    ],
    [
      'binary operator without secondValueSource',
      { conditionRuleList: [leaf({ secondValueSource: undefined })] },
      `${C}[0].secondValueSource`,
      'is required when valueComparisonOperator is EQ',
    ],
    ['bad secondValueSource', { conditionRuleList: [leaf({ secondValueSource: 'CONSTANT' })] }, `${C}[0].secondValueSource`, 'must be one of VALUE, VARIABLE'],
    [
      'VALUE without secondValue',
      { conditionRuleList: [leaf({ secondValue: undefined })] },
      `${C}[0].secondValue`,
      'is required when secondValueSource is VALUE',
    ],
    ['secondValue not a string', { conditionRuleList: [leaf({ secondValue: 5 })] }, `${C}[0].secondValue`, 'must be a string'],
    [
      'VARIABLE without secondVariable',
      { conditionRuleList: [leaf({ secondValueSource: 'VARIABLE' })] },
      `${C}[0].secondVariable`,
      'is required when secondValueSource is VARIABLE',
    ],
    [
      'invalid secondVariable',
      { conditionRuleList: [leaf({ secondValueSource: 'VARIABLE', secondVariable: { type: 'PARAMETER', paramType: 'PATH', paramName: 'id' } })] },
      `${C}[0].secondVariable.paramPath`,
      'is required when paramType is PATH',
    ],
    [
      'error deep inside nested groups',
      {
        conditionRuleList: [
          {
            conditionCriteria: 'AND',
            conditionRuleList: [leaf(), { conditionCriteria: 'OR', conditionRuleList: [leaf({ valueComparisonOperator: 'LIKE' })] }],
          },
        ],
      },
      `${C}[0].conditionRuleList[1].conditionRuleList[0].valueComparisonOperator`,
      expect.stringMatching(/^must be one of LT, /),
    ],
    [
      'nested list not an array',
      { conditionRuleList: [{ conditionCriteria: 'AND', conditionRuleList: 'x' }] },
      `${C}[0].conditionRuleList`,
      'must be an array',
    ],
  ];

  it.each(invalidConditions)('rejects %s', (_name, condition, path, message) => {
    expect(validateApinizerPolicy(withCondition(condition), BASE)).toContainEqual({ path: at(path), message });
  });

  it('validates conditions nested in api-authentication items', () => {
    const errors = validateApinizerPolicy(
      {
        type: 'policy-api-authentication',
        authType: 'BASIC',
        sendType: 'HEADER',
        apiAuthCondExpressionList: [{ username: 'u', password: 'p', policyCondition: { conditionRuleList: [leaf({ firstVariable: {} })] } }],
      },
      BASE,
    );
    expect(errors).toEqual([
      { path: at('apiAuthCondExpressionList[0].policyCondition.conditionRuleList[0].firstVariable.type'), message: 'is required when no id is given' },
    ]);
  });

  it('stops at absurd nesting depth', () => {
    let rule: Obj = leaf();
    for (let i = 0; i < 40; i++) rule = { conditionCriteria: 'AND', conditionRuleList: [rule] };
    const errors: PolicyFieldError[] = validateApinizerPolicy(withCondition({ conditionRuleList: [rule] }), BASE);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.message).toBe('is nested too deeply');
  });
});

// ------------------------------------------------------------------------------------------------
// Variable object (§6), exercised through policy-auth-basic.usernameVar
// ------------------------------------------------------------------------------------------------

describe('variable object', () => {
  const withVar = (usernameVar: unknown): Obj => ({ type: 'policy-auth-basic', usernameVar });
  const V = 'usernameVar';

  const valid: Array<[string, unknown]> = [
    ['reference by id only', { id: 'abc123' }],
    ['id with projectId', { id: 'abc123', projectId: 'p1' }],
    ['HEADER without name', { type: 'HEADER', headerName: 'Authorization' }],
    ['HEADER with name', { name: 'authHeader', type: 'HEADER', headerName: 'Authorization', description: 'd' }],
    ['PARAMETER QUERY', { type: 'PARAMETER', paramType: 'QUERY', paramName: 'user' }],
    ['PARAMETER PATH', { type: 'PARAMETER', paramType: 'PATH', paramName: 'orderId', paramPath: '/orders/{orderId}' }],
    ['PARAMETER FORM', { type: 'PARAMETER', paramType: 'FORM', paramName: 'user', formName: 'f' }],
    ['BODY JSON', { type: 'BODY', messageContentType: 'JSON', jsonPathValue: '$.user' }],
    ['BODY XML', { type: 'BODY', messageContentType: 'XML', xpathValue: '//user' }],
    ['BODY ALL_BODY', { type: 'BODY', messageContentType: 'ALL_BODY' }],
    ['BODY FORM ([conflict])', { type: 'BODY', messageContentType: 'FORM' }],
    ['BODY with per-page bodyJsonPath', { type: 'BODY', bodyJsonPath: '$.user' }],
    ['CONTEXT_VALUES', { type: 'CONTEXT_VALUES', contextValue: 'REQUEST_REMOTE_ADDRESS' }],
    ['CONTEXT_VALUES with zoneId', { type: 'CONTEXT_VALUES', contextValue: 'DATETIME_FORMATTED_TEXT', zoneId: 'UTC' }],
    ['CONTEXT (per-page spelling) with CLIENT_IP', { type: 'CONTEXT', contextValue: 'CLIENT_IP' }],
    ['CUSTOM without script', { type: 'CUSTOM', initWithScript: false }],
    ['CUSTOM with script', { type: 'CUSTOM', initWithScript: true, scriptLanguage: 'GROOVY', scriptBody: 'return 1' }],
    ['SCRIPT (per-page spelling) with script', { type: 'SCRIPT', initWithScript: true, scriptLanguage: 'JAVASCRIPT', scriptBody: '1' }],
  ];

  it.each(valid)('accepts %s', (_name, v) => {
    expect(validateApinizerPolicy(withVar(v), BASE)).toEqual([]);
  });

  const invalid: Array<[string, unknown, Array<[string, string]>]> = [
    ['a string', 'X-User', [[V, 'must be a variable object']]],
    ['an array', [], [[V, 'must be a variable object']]],
    ['empty object', {}, [[`${V}.type`, 'is required when no id is given']]],
    ['unknown type', { type: 'COOKIE' }, [[`${V}.type`, 'must be one of HEADER, PARAMETER, BODY, CONTEXT_VALUES, CUSTOM, CONTEXT, SCRIPT']]],
    ['name not a string', { name: 5, type: 'HEADER', headerName: 'h' }, [[`${V}.name`, 'must be a string']]],
    ['HEADER blank headerName', { type: 'HEADER', headerName: ' ' }, [[`${V}.headerName`, 'is required when type is HEADER']]],
    [
      'PARAMETER without paramType / paramName',
      { type: 'PARAMETER' },
      [
        [`${V}.paramType`, 'is required when type is PARAMETER'],
        [`${V}.paramName`, 'is required when type is PARAMETER'],
      ],
    ],
    ['PARAMETER bad paramType', { type: 'PARAMETER', paramType: 'HEADER', paramName: 'x' }, [[`${V}.paramType`, 'must be one of QUERY, PATH, FORM']]],
    ['PARAMETER PATH without paramPath', { type: 'PARAMETER', paramType: 'PATH', paramName: 'id' }, [[`${V}.paramPath`, 'is required when paramType is PATH']]],
    ['BODY without content type', { type: 'BODY' }, [[`${V}.messageContentType`, 'is required when type is BODY']]],
    ['BODY bad content type', { type: 'BODY', messageContentType: 'YAML' }, [[`${V}.messageContentType`, 'must be one of JSON, XML, ALL_BODY, FORM']]],
    ['BODY JSON without jsonPathValue', { type: 'BODY', messageContentType: 'JSON' }, [[`${V}.jsonPathValue`, 'is required when messageContentType is JSON']]],
    ['BODY XML without xpathValue', { type: 'BODY', messageContentType: 'XML' }, [[`${V}.xpathValue`, 'is required when messageContentType is XML']]],
    ['CONTEXT_VALUES without contextValue', { type: 'CONTEXT_VALUES' }, [[`${V}.contextValue`, 'is required when type is CONTEXT_VALUES']]],
    ['CONTEXT without contextValue', { type: 'CONTEXT' }, [[`${V}.contextValue`, 'is required when type is CONTEXT']]],
    [
      'CUSTOM initWithScript without script',
      { type: 'CUSTOM', initWithScript: true },
      [
        [`${V}.scriptLanguage`, 'is required when initWithScript is true'],
        [`${V}.scriptBody`, 'is required when initWithScript is true'],
      ],
    ],
    [
      'SCRIPT bad language',
      { type: 'SCRIPT', initWithScript: true, scriptLanguage: 'LUA', scriptBody: 'x' },
      [[`${V}.scriptLanguage`, 'must be one of GROOVY, JAVASCRIPT']],
    ],
    ['initWithScript not boolean', { type: 'CUSTOM', initWithScript: 'true' }, [[`${V}.initWithScript`, 'must be a boolean']]],
  ];

  it.each(invalid)('rejects %s', (_name, v, expected) => {
    expect(validateApinizerPolicy(withVar(v), BASE)).toEqual(expected.map(([path, message]) => ({ path: at(path), message })));
  });
});
