import {
  NON_UPDATABLE_POLICY_TYPES,
  PolicyFieldError,
  isKnownPolicyType,
  requiredFieldsForPolicyType,
  validateApinizerPolicy,
  validateOperationMetadata,
} from './apinizer-policy-validator';

type Obj = Record<string, unknown>;

const BASE = 'updates[2].changes.policy';
const header = (headerName = 'X-API-Key'): Obj => ({ type: 'HEADER', headerName });

/** Deep copy of `policy` with `edit` applied (edit mutates the copy). */
function edited(policy: Obj, edit: (p: any) => void): Obj {
  const copy = JSON.parse(JSON.stringify(policy)) as Obj;
  edit(copy);
  return copy;
}

interface InvalidCase {
  name: string;
  edit: (p: any) => void;
  path: string; // relative to BASE
  message: string;
}
interface TypeCase {
  type: string;
  valid: Obj;
  alsoValid?: Array<{ name: string; edit: (p: any) => void }>;
  invalid: InvalidCase[];
}

const ONE_OF_INTERVALS = 'must be one of ONE_SECOND, ONE_MINUTE, ONE_HOUR, ONE_DAY';

const TYPE_CASES: TypeCase[] = [
  {
    type: 'policy-api-based-throttling',
    valid: {
      type: 'policy-api-based-throttling',
      name: 'throttling-policy',
      description: '100 per minute',
      active: true,
      policyCondition: { conditionRuleList: [] },
      targetVariableForIdentity: header(),
      messageCountForInterval: 100,
      throttlingInterval: 'ONE_MINUTE',
      intervalPeriodLength: 1,
      intervalWindowType: 'FIXED',
      cacheConnectionTimeoutInSeconds: 3,
      cacheErrorHandlingType: 'FAIL',
      showRateLimitStatisticsInResponseHeader: true,
      detailList: [{ targetValue: 'VIP', regexExpression: false, messageCountForInterval: 1000, intervalPeriodLength: 1, quotaInterval: 'ONE_MINUTE' }],
    },
    alsoValid: [
      { name: 'cacheErrorHandlingType ALLOW', edit: (p) => (p.cacheErrorHandlingType = 'ALLOW') },
      { name: 'cacheErrorHandlingType CONTINUE ([conflict])', edit: (p) => (p.cacheErrorHandlingType = 'CONTINUE') },
      { name: 'optional fields null', edit: (p) => ((p.detailList = null), (p.intervalWindowType = null)) },
    ],
    invalid: [
      {
        name: 'missing messageCountForInterval',
        edit: (p) => delete p.messageCountForInterval,
        path: 'messageCountForInterval',
        message: 'is required for policy-api-based-throttling',
      },
      { name: 'zero count', edit: (p) => (p.messageCountForInterval = 0), path: 'messageCountForInterval', message: 'must be an integer > 0' },
      { name: 'fractional count', edit: (p) => (p.messageCountForInterval = 1.5), path: 'messageCountForInterval', message: 'must be an integer > 0' },
      { name: 'string count', edit: (p) => (p.messageCountForInterval = '100'), path: 'messageCountForInterval', message: 'must be an integer > 0' },
      { name: 'bad interval', edit: (p) => (p.throttlingInterval = 'ONE_WEEK'), path: 'throttlingInterval', message: ONE_OF_INTERVALS },
      {
        name: 'missing identity variable',
        edit: (p) => delete p.targetVariableForIdentity,
        path: 'targetVariableForIdentity',
        message: 'is required for policy-api-based-throttling',
      },
      {
        name: 'identity HEADER without headerName',
        edit: (p) => delete p.targetVariableForIdentity.headerName,
        path: 'targetVariableForIdentity.headerName',
        message: 'is required when type is HEADER',
      },
      {
        name: 'bad cacheErrorHandlingType',
        edit: (p) => (p.cacheErrorHandlingType = 'IGNORE'),
        path: 'cacheErrorHandlingType',
        message: 'must be one of FAIL, ALLOW, CONTINUE',
      },
      { name: 'bad window type', edit: (p) => (p.intervalWindowType = 'ROLLING'), path: 'intervalWindowType', message: 'must be one of FIXED, SLIDING' },
      { name: 'detail without quotaInterval', edit: (p) => delete p.detailList[0].quotaInterval, path: 'detailList[0].quotaInterval', message: 'is required' },
      { name: 'detail without targetValue', edit: (p) => (p.detailList[0].targetValue = ''), path: 'detailList[0].targetValue', message: 'must not be empty' },
      { name: 'detailList not an array', edit: (p) => (p.detailList = {}), path: 'detailList', message: 'must be an array' },
    ],
  },
  {
    type: 'policy-api-based-quota',
    valid: {
      type: 'policy-api-based-quota',
      targetVariableForIdentity: { type: 'CONTEXT_VALUES', contextValue: 'REQUEST_REMOTE_ADDRESS' },
      messageCountForInterval: 10000,
      quotaInterval: 'ONE_MONTH',
      cacheErrorHandlingType: 'CONTINUE',
    },
    invalid: [
      {
        name: 'throttling-only interval',
        edit: (p) => (p.quotaInterval = 'ONE_MINUTE'),
        path: 'quotaInterval',
        message: 'must be one of ONE_HOUR, ONE_DAY, ONE_MONTH',
      },
      { name: 'missing quotaInterval', edit: (p) => delete p.quotaInterval, path: 'quotaInterval', message: 'is required for policy-api-based-quota' },
      {
        name: 'context variable without contextValue',
        edit: (p) => delete p.targetVariableForIdentity.contextValue,
        path: 'targetVariableForIdentity.contextValue',
        message: 'is required when type is CONTEXT_VALUES',
      },
    ],
  },
  {
    type: 'policy-black-ip',
    valid: {
      type: 'policy-black-ip',
      targetVariableForIP: null,
      ipList: ['192.168.1.100', '10.0.0.0/8', '203.0.113.0/24', '2001:db8::/32', '::1', '::ffff:192.0.2.1'],
    },
    invalid: [
      { name: 'empty ipList', edit: (p) => (p.ipList = []), path: 'ipList', message: 'must contain at least one item' },
      { name: 'bad octet', edit: (p) => (p.ipList[1] = '300.1.1.1'), path: 'ipList[1]', message: 'must be an IPv4/IPv6 address or CIDR range' },
      { name: 'bad prefix', edit: (p) => (p.ipList[1] = '10.0.0.0/33'), path: 'ipList[1]', message: 'must be an IPv4/IPv6 address or CIDR range' },
      { name: 'bad IPv6', edit: (p) => (p.ipList[0] = '2001:db8:::1'), path: 'ipList[0]', message: 'must be an IPv4/IPv6 address or CIDR range' },
      { name: 'non-string item', edit: (p) => (p.ipList[0] = 42), path: 'ipList[0]', message: 'must be a string' },
      { name: 'null item', edit: (p) => (p.ipList[0] = null), path: 'ipList[0]', message: 'must not be null' },
    ],
  },
  {
    type: 'policy-white-ip',
    valid: {
      type: 'policy-white-ip',
      targetVariableForIP: { type: 'CONTEXT', contextValue: 'CLIENT_IP' }, // per-page spelling accepted
      ipList: ['2001:db8::1'],
    },
    invalid: [
      { name: 'missing ipList', edit: (p) => delete p.ipList, path: 'ipList', message: 'is required for policy-white-ip' },
      {
        name: 'ip variable of unknown type',
        edit: (p) => (p.targetVariableForIP = { type: 'IP' }),
        path: 'targetVariableForIP.type',
        message: 'must be one of HEADER, PARAMETER, BODY, CONTEXT_VALUES, CUSTOM, CONTEXT, SCRIPT',
      },
    ],
  },
  {
    type: 'policy-script',
    valid: { type: 'policy-script', executionType: 'SYNC', scriptLanguage: 'GROOVY', scriptBody: 'return true' },
    alsoValid: [{ name: 'executionType omitted ([conflict])', edit: (p) => delete p.executionType }],
    invalid: [
      { name: 'bad language', edit: (p) => (p.scriptLanguage = 'PYTHON'), path: 'scriptLanguage', message: 'must be one of GROOVY, JAVASCRIPT' },
      { name: 'bad executionType', edit: (p) => (p.executionType = 'LATER'), path: 'executionType', message: 'must be one of SYNC, ASYNC' },
      { name: 'missing body', edit: (p) => delete p.scriptBody, path: 'scriptBody', message: 'is required for policy-script' },
      { name: 'blank body', edit: (p) => (p.scriptBody = '  '), path: 'scriptBody', message: 'must not be empty' },
    ],
  },
  {
    type: 'policy-json-schema-validation',
    valid: {
      type: 'policy-json-schema-validation',
      pathForBody: '$',
      schemaDefinitionList: [{ schemaBody: '{"type":"object"}', schemaNo: 0, rootSchema: true }],
    },
    invalid: [
      { name: 'empty schema list', edit: (p) => (p.schemaDefinitionList = []), path: 'schemaDefinitionList', message: 'must contain at least one item' },
      {
        name: 'schemaBody not JSON',
        edit: (p) => (p.schemaDefinitionList[0].schemaBody = '{not json'),
        path: 'schemaDefinitionList[0].schemaBody',
        message: 'must be valid JSON',
      },
      { name: 'missing schemaBody', edit: (p) => delete p.schemaDefinitionList[0].schemaBody, path: 'schemaDefinitionList[0].schemaBody', message: 'is required' },
      { name: 'missing pathForBody', edit: (p) => delete p.pathForBody, path: 'pathForBody', message: 'is required for policy-json-schema-validation' },
      { name: 'negative schemaNo', edit: (p) => (p.schemaDefinitionList[0].schemaNo = -1), path: 'schemaDefinitionList[0].schemaNo', message: 'must be an integer >= 0' },
    ],
  },
  {
    type: 'policy-max-message-size',
    valid: { type: 'policy-max-message-size', maxMessageSize: 1048576 },
    invalid: [
      { name: 'negative', edit: (p) => (p.maxMessageSize = -1), path: 'maxMessageSize', message: 'must be an integer > 0' },
      { name: 'missing', edit: (p) => delete p.maxMessageSize, path: 'maxMessageSize', message: 'is required for policy-max-message-size' },
    ],
  },
  {
    type: 'policy-min-message-size',
    valid: { type: 'policy-min-message-size', minMessageSize: 1 },
    invalid: [
      { name: 'zero', edit: (p) => (p.minMessageSize = 0), path: 'minMessageSize', message: 'must be an integer > 0' },
      { name: 'missing', edit: (p) => delete p.minMessageSize, path: 'minMessageSize', message: 'is required for policy-min-message-size' },
    ],
  },
  {
    type: 'policy-time-restriction',
    valid: {
      type: 'policy-time-restriction',
      actionType: 'ALLOW',
      zoneId: '+03:00',
      restrictionList: [
        {
          hourName: 'Business Hours',
          dayType: 'WEEK',
          enumWeekDayList: ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY'],
          wholeDay: false,
          startHour: 9,
          startMinute: 0,
          startSecond: 0,
          endHour: 18,
          endMinute: 0,
          endSecond: 0,
        },
        { hourName: 'Christmas', dayType: 'CUSTOM', day: 25, month: 12, wholeDay: true },
        { dayType: 'CUSTOM', day: 0, month: 0, wholeDay: true },
      ],
    },
    alsoValid: [{ name: 'actionType omitted (default RESTRICT)', edit: (p) => delete p.actionType }],
    invalid: [
      {
        name: 'WEEK without days',
        edit: (p) => delete p.restrictionList[0].enumWeekDayList,
        path: 'restrictionList[0].enumWeekDayList',
        message: 'is required when dayType is WEEK',
      },
      {
        name: 'WEEK with empty days',
        edit: (p) => (p.restrictionList[0].enumWeekDayList = []),
        path: 'restrictionList[0].enumWeekDayList',
        message: 'is required when dayType is WEEK',
      },
      {
        name: 'bad weekday',
        edit: (p) => (p.restrictionList[0].enumWeekDayList = ['FUNDAY']),
        path: 'restrictionList[0].enumWeekDayList[0]',
        message: 'must be one of MONDAY, TUESDAY, WEDNESDAY, THURSDAY, FRIDAY, SATURDAY, SUNDAY, ALL',
      },
      { name: 'CUSTOM day 32', edit: (p) => (p.restrictionList[1].day = 32), path: 'restrictionList[1].day', message: 'must be an integer between 0 and 31' },
      { name: 'CUSTOM month 13', edit: (p) => (p.restrictionList[1].month = 13), path: 'restrictionList[1].month', message: 'must be an integer between 0 and 12' },
      { name: 'CUSTOM without month', edit: (p) => delete p.restrictionList[1].month, path: 'restrictionList[1].month', message: 'is required when dayType is CUSTOM' },
      {
        name: 'wholeDay false without endSecond',
        edit: (p) => delete p.restrictionList[0].endSecond,
        path: 'restrictionList[0].endSecond',
        message: 'is required when wholeDay is false',
      },
      {
        name: 'wholeDay omitted (default false) without startHour',
        edit: (p) => (delete p.restrictionList[2].wholeDay, (p.restrictionList[2].startMinute = 0)),
        path: 'restrictionList[2].startHour',
        message: 'is required when wholeDay is false',
      },
      { name: 'hour 25', edit: (p) => (p.restrictionList[0].endHour = 25), path: 'restrictionList[0].endHour', message: 'must be an integer between 0 and 24' },
      { name: 'bad dayType', edit: (p) => (p.restrictionList[0].dayType = 'DAILY'), path: 'restrictionList[0].dayType', message: 'must be one of WEEK, CUSTOM' },
      { name: 'bad actionType', edit: (p) => (p.actionType = 'DENY'), path: 'actionType', message: 'must be one of ALLOW, RESTRICT' },
      { name: 'missing restrictionList', edit: (p) => delete p.restrictionList, path: 'restrictionList', message: 'is required for policy-time-restriction' },
    ],
  },
  {
    type: 'policy-client-ban',
    valid: {
      type: 'policy-client-ban',
      clientIdentityVariableList: [header(), { type: 'CONTEXT_VALUES', contextValue: 'REQUEST_REMOTE_ADDRESS' }],
      thresholdWindowInSeconds: 10,
      thresholdCountPerWindow: 5,
      thresholdCalculationType: 'COUNT',
      banTimeInSeconds: 300,
      enableRetryAfterHeader: true,
      ignoreWhenKeyIsEmpty: false,
      assertionCondition: {
        criteria: 'IF_ANY_MATCH',
        rules: [{ variable: { type: 'HTTP_STATUS_CODE' }, comparisonOperator: 'GREATER_THAN_OR_EQUAL', value: '400', valueSource: 'STATIC' }],
      },
    },
    alsoValid: [
      {
        name: 'assertionCondition as a policyCondition ([conflict])',
        edit: (p) =>
          (p.assertionCondition = {
            conditionRuleList: [
              {
                conditionCriteria: 'VALUE',
                firstVariable: { type: 'CONTEXT_VALUES', contextValue: 'RESPONSE_STATUS_CODE' },
                variableDataType: 'NUMERIC',
                valueComparisonOperator: 'GE',
                secondValueSource: 'VALUE',
                secondValue: '400',
              },
            ],
          }),
      },
      { name: 'ALWAYS with no rules', edit: (p) => (p.assertionCondition = { criteria: 'ALWAYS', rules: [] }) },
    ],
    invalid: [
      { name: 'empty identity list', edit: (p) => (p.clientIdentityVariableList = []), path: 'clientIdentityVariableList', message: 'must contain at least one item' },
      {
        name: 'identity item invalid',
        edit: (p) => (p.clientIdentityVariableList[0] = { type: 'PARAMETER', paramType: 'QUERY' }),
        path: 'clientIdentityVariableList[0].paramName',
        message: 'is required when type is PARAMETER',
      },
      {
        name: 'missing thresholdCalculationType',
        edit: (p) => delete p.thresholdCalculationType,
        path: 'thresholdCalculationType',
        message: 'is required for policy-client-ban',
      },
      { name: 'zero ban time', edit: (p) => (p.banTimeInSeconds = 0), path: 'banTimeInSeconds', message: 'must be an integer > 0' },
      { name: 'bad calc type', edit: (p) => (p.thresholdCalculationType = 'RATIO'), path: 'thresholdCalculationType', message: 'must be one of COUNT, PERCENT' },
      { name: 'missing assertionCondition', edit: (p) => delete p.assertionCondition, path: 'assertionCondition', message: 'is required for policy-client-ban' },
      {
        name: 'bad criteria',
        edit: (p) => (p.assertionCondition.criteria = 'SOMETIMES'),
        path: 'assertionCondition.criteria',
        message: 'must be one of ALWAYS, IF_ALL_MATCH, IF_ANY_MATCH, IF_NONE_MATCH',
      },
      {
        name: 'assertion rule without operator',
        edit: (p) => delete p.assertionCondition.rules[0].comparisonOperator,
        path: 'assertionCondition.rules[0].comparisonOperator',
        message: 'is required',
      },
      {
        name: 'assertion rule without value',
        edit: (p) => delete p.assertionCondition.rules[0].value,
        path: 'assertionCondition.rules[0].value',
        message: 'is required when comparisonOperator is GREATER_THAN_OR_EQUAL',
      },
      {
        name: 'policyCondition-shaped assertion with a bad rule',
        edit: (p) => (p.assertionCondition = { conditionRuleList: [{ conditionCriteria: 'MAYBE' }] }),
        path: 'assertionCondition.conditionRuleList[0].conditionCriteria',
        message: 'must be one of VALUE, NOT, AND, OR',
      },
    ],
  },
  {
    type: 'policy-api-call',
    valid: {
      type: 'policy-api-call',
      callType: 'SYNCHRONOUS',
      httpMethod: 'POST',
      url: 'https://api.example.com/validate',
      timeout: 5000,
      certificateEnabled: false,
      removeAllHeadersBeforeCall: true,
      headersToBeAddedBeforeCallList: [
        { name: 'Content-Type', valueSource: 'VALUE', value: 'application/json', prefix: null },
        { name: 'Authorization', valueSource: 'VARIABLE', variable: header('Authorization'), prefix: 'BEARER' },
      ],
      parametersToBeAddedBeforeCallList: [{ name: 'apiKey', valueSource: 'VALUE', value: 'k' }],
      dataManipulationListBeforeCall: [],
      enableCache: true,
      cacheBy: header('Authorization'),
      capacity: 1000,
      ttl: 3600,
      cacheStorageType: 'DISTRIBUTED',
      afterCallBodyOperationType: 'REPLACE_BODY',
      newBodyContentSourceType: null,
    },
    alsoValid: [
      { name: 'certificateName given', edit: (p) => ((p.certificateEnabled = true), (p.certificateName = 'client-cert')) },
      { name: 'certificateId given ([conflict])', edit: (p) => ((p.certificateEnabled = true), (p.certificateId = 'abc')) },
      { name: 'ONE_WAY without cache', edit: (p) => ((p.callType = 'ONE_WAY'), (p.enableCache = false), delete p.ttl) },
    ],
    invalid: [
      { name: 'cache without ttl', edit: (p) => delete p.ttl, path: 'ttl', message: 'is required when enableCache is true' },
      { name: 'cache with zero capacity', edit: (p) => (p.capacity = 0), path: 'capacity', message: 'must be an integer > 0' },
      { name: 'cache on ONE_WAY', edit: (p) => (p.callType = 'ONE_WAY'), path: 'callType', message: 'must be SYNCHRONOUS when enableCache is true' },
      {
        name: 'certificate without name',
        edit: (p) => (p.certificateEnabled = true),
        path: 'certificateName',
        message: 'is required when certificateEnabled is true',
      },
      {
        name: 'VARIABLE header without variable',
        edit: (p) => delete p.headersToBeAddedBeforeCallList[1].variable,
        path: 'headersToBeAddedBeforeCallList[1].variable',
        message: 'is required when valueSource is VARIABLE',
      },
      {
        name: 'bad header prefix',
        edit: (p) => (p.headersToBeAddedBeforeCallList[1].prefix = 'TOKEN'),
        path: 'headersToBeAddedBeforeCallList[1].prefix',
        message: 'must be one of NONE, BASIC, BEARER, DIGEST',
      },
      {
        name: 'bad httpMethod',
        edit: (p) => (p.httpMethod = 'FETCH'),
        path: 'httpMethod',
        message: 'must be one of GET, POST, PUT, DELETE, PATCH, OPTIONS, HEAD, TRACE',
      },
      { name: 'missing url', edit: (p) => delete p.url, path: 'url', message: 'is required for policy-api-call' },
      { name: 'bad callType', edit: (p) => (p.callType = 'ASYNC'), path: 'callType', message: 'must be one of SYNCHRONOUS, ONE_WAY' },
      {
        name: 'data manipulation without targetName',
        edit: (p) => (p.dataManipulationListBeforeCall = [{ operation: 'ADD' }]),
        path: 'dataManipulationListBeforeCall[0].targetName',
        message: 'is required',
      },
    ],
  },
  {
    type: 'policy-redaction',
    valid: {
      type: 'policy-redaction',
      redactionDefList: [
        {
          redactionType: 'KEY_EXISTENCE',
          keyValueVar: header('X-Credit-Card'),
          keyValueListStr: null,
          redactionDefDetailList: [
            { orderNum: 1, action: { actionType: 'DELETE', sourceVar: header('X-Credit-Card'), sourceDataType: 'STRING', operator: null } },
          ],
        },
        {
          redactionType: 'KEY_VALUE',
          keyValueVar: { type: 'BODY', bodyJsonPath: '$.creditCard' }, // per-page BODY shape
          keyValueListStr: '4111111111111111,5555555555554444',
          redactionDefDetailList: [
            {
              orderNum: 1,
              action: {
                actionType: 'MODIFY',
                sourceVar: { type: 'BODY', messageContentType: 'JSON', jsonPathValue: '$.creditCard' },
                sourceDataType: 'STRING',
                operator: 'MASK',
                maskFrom: 4,
                maskTo: 12,
                targetValSource: 'VALUE',
                targetVal: '****',
              },
            },
          ],
        },
        { redactionType: 'ROLE', redactionDefDetailList: [{ orderNum: 1, action: { actionType: 'DELETE', sourceVar: header('X-Secret') } }] },
      ],
    },
    invalid: [
      { name: 'empty def list', edit: (p) => (p.redactionDefList = []), path: 'redactionDefList', message: 'must contain at least one item' },
      {
        name: 'bad actionType',
        edit: (p) => (p.redactionDefList[0].redactionDefDetailList[0].action.actionType = 'HIDE'),
        path: 'redactionDefList[0].redactionDefDetailList[0].action.actionType',
        message: 'must be one of MODIFY, DELETE',
      },
      {
        name: 'MODIFY without operator',
        edit: (p) => delete p.redactionDefList[1].redactionDefDetailList[0].action.operator,
        path: 'redactionDefList[1].redactionDefDetailList[0].action.operator',
        message: 'is required when actionType is MODIFY',
      },
      {
        name: 'MODIFY VALUE without targetVal',
        edit: (p) => delete p.redactionDefList[1].redactionDefDetailList[0].action.targetVal,
        path: 'redactionDefList[1].redactionDefDetailList[0].action.targetVal',
        message: 'is required when targetValSource is VALUE',
      },
      {
        name: 'DELETE without sourceVar',
        edit: (p) => delete p.redactionDefList[0].redactionDefDetailList[0].action.sourceVar,
        path: 'redactionDefList[0].redactionDefDetailList[0].action.sourceVar',
        message: 'is required when actionType is DELETE',
      },
      {
        name: 'KEY_VALUE without keyValueListStr',
        edit: (p) => (p.redactionDefList[1].keyValueListStr = ''),
        path: 'redactionDefList[1].keyValueListStr',
        message: 'is required when redactionType is KEY_VALUE',
      },
      {
        name: 'KEY_EXISTENCE without keyValueVar',
        edit: (p) => delete p.redactionDefList[0].keyValueVar,
        path: 'redactionDefList[0].keyValueVar',
        message: 'is required when redactionType is KEY_EXISTENCE',
      },
      {
        name: 'empty detail list',
        edit: (p) => (p.redactionDefList[0].redactionDefDetailList = []),
        path: 'redactionDefList[0].redactionDefDetailList',
        message: 'must contain at least one item',
      },
      {
        name: 'orderNum 0',
        edit: (p) => (p.redactionDefList[0].redactionDefDetailList[0].orderNum = 0),
        path: 'redactionDefList[0].redactionDefDetailList[0].orderNum',
        message: 'must be an integer > 0',
      },
      {
        name: 'missing action',
        edit: (p) => delete p.redactionDefList[0].redactionDefDetailList[0].action,
        path: 'redactionDefList[0].redactionDefDetailList[0].action',
        message: 'is required',
      },
    ],
  },
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
    type: 'policy-content-filter',
    valid: {
      type: 'policy-content-filter',
      policyContentFilterDefList: [
        { name: 'sql', ruleValue: '(?i)select\\s', headerActive: false, bodyActive: true, paramActive: true, action: 'BLOCK', contentType: 'ALL_BODY' },
      ],
    },
    invalid: [
      {
        name: 'empty list',
        edit: (p) => (p.policyContentFilterDefList = []),
        path: 'policyContentFilterDefList',
        message: 'must contain at least one item',
      },
      {
        name: 'missing ruleValue',
        edit: (p) => delete p.policyContentFilterDefList[0].ruleValue,
        path: 'policyContentFilterDefList[0].ruleValue',
        message: 'is required',
      },
      {
        name: 'bad action',
        edit: (p) => (p.policyContentFilterDefList[0].action = 'ALLOW'),
        path: 'policyContentFilterDefList[0].action',
        message: 'must be one of BLOCK, DELETE',
      },
      {
        name: 'bad contentType',
        edit: (p) => (p.policyContentFilterDefList[0].contentType = 'YAML'),
        path: 'policyContentFilterDefList[0].contentType',
        message: 'must be one of XML, JSON, ALL_BODY',
      },
    ],
  },
  {
    type: 'policy-business-rule',
    valid: {
      type: 'policy-business-rule',
      actionList: [
        {
          actionType: 'ADD',
          sourceVar: { type: 'CONTEXT_VALUES', contextValue: 'NOW' },
          sourceDataType: 'STRING',
          targetValSource: 'VALUE',
          targetVal: '${NOW}',
          targetVar: header('X-Timestamp'),
        },
        {
          actionType: 'MODIFY',
          sourceVar: { type: 'BODY', bodyJsonPath: '$.creditCard' },
          sourceDataType: 'STRING',
          operator: 'MASK',
          maskFrom: 4,
          targetValSource: 'VALUE',
          targetVal: '',
        },
        { actionType: 'DELETE', sourceVar: header('X-Internal') },
        { actionType: 'STOP' },
      ],
    },
    invalid: [
      { name: 'empty actionList', edit: (p) => (p.actionList = []), path: 'actionList', message: 'must contain at least one item' },
      { name: 'ADD without targetVar', edit: (p) => delete p.actionList[0].targetVar, path: 'actionList[0].targetVar', message: 'is required when actionType is ADD' },
      {
        name: 'bad actionType',
        edit: (p) => (p.actionList[3].actionType = 'NOOP'),
        path: 'actionList[3].actionType',
        message: 'must be one of ADD, MODIFY, DELETE, STOP',
      },
      {
        name: 'MODIFY without sourceDataType',
        edit: (p) => delete p.actionList[1].sourceDataType,
        path: 'actionList[1].sourceDataType',
        message: 'is required when actionType is MODIFY',
      },
      {
        name: 'bad operator',
        edit: (p) => (p.actionList[1].operator = 'SCRAMBLE'),
        path: 'actionList[1].operator',
        message: expect.stringMatching(/^must be one of ADD, SUBTRACT, .*SUBTRACT_TEMPORAL$/) as unknown as string,
      },
      {
        name: 'VARIABLE source without targetVar',
        edit: (p) => ((p.actionList[1].targetValSource = 'VARIABLE'), delete p.actionList[1].targetVal),
        path: 'actionList[1].targetVar',
        message: 'is required when targetValSource is VARIABLE',
      },
      { name: 'DELETE without sourceVar', edit: (p) => delete p.actionList[2].sourceVar, path: 'actionList[2].sourceVar', message: 'is required when actionType is DELETE' },
    ],
  },
  {
    type: 'policy-json-transformation',
    valid: { type: 'policy-json-transformation', transformationType: 'JSON2JSON', joltValue: '[{"operation":"shift","spec":{"a":"b"}}]' },
    alsoValid: [{ name: 'JSON2XML without jolt', edit: (p) => ((p.transformationType = 'JSON2XML'), delete p.joltValue) }],
    invalid: [
      { name: 'JSON2JSON without jolt', edit: (p) => delete p.joltValue, path: 'joltValue', message: 'is required when transformationType is JSON2JSON' },
      {
        name: 'default type without jolt',
        edit: (p) => (delete p.transformationType, (p.joltValue = '')),
        path: 'joltValue',
        message: 'is required when transformationType is JSON2JSON',
      },
      { name: 'bad type', edit: (p) => (p.transformationType = 'XML2JSON'), path: 'transformationType', message: 'must be one of JSON2JSON, JSON2XML' },
    ],
  },
  // --- extra types from the reference table ---
  {
    type: 'policy-xml-schema-validation',
    valid: { type: 'policy-xml-schema-validation', validateAgainstSpec: true },
    invalid: [
      {
        name: 'no spec and no schemas',
        edit: (p) => (p.validateAgainstSpec = false),
        path: 'schemaDefinitionList',
        message: 'is required when validateAgainstSpec is false',
      },
    ],
  },
  {
    type: 'policy-auth-clear-text',
    valid: { type: 'policy-auth-clear-text', usernameVar: header('X-User'), passwordVar: header('X-Pass') },
    alsoValid: [{ name: 'no password check', edit: (p) => ((p.checkPassword = false), delete p.passwordVar) }],
    invalid: [{ name: 'checkPassword default without passwordVar', edit: (p) => delete p.passwordVar, path: 'passwordVar', message: 'is required when checkPassword is true' }],
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
      { name: 'item without password', edit: (p) => delete p.apiAuthCondExpressionList[0].password, path: 'apiAuthCondExpressionList[0].password', message: 'is required' },
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
    type: 'policy-xml-transformation',
    valid: { type: 'policy-xml-transformation', transformationType: 'XML2XML', xsltValue: '<xsl:stylesheet/>' },
    invalid: [{ name: 'XML2XML without xslt', edit: (p) => delete p.xsltValue, path: 'xsltValue', message: 'is required when transformationType is XML2XML' }],
  },
  {
    type: 'policy-ws-security-username',
    valid: { type: 'policy-ws-security-username', username: 'u', password: 'p', passwordType: 'PasswordDigest', nonce: true, created: true },
    invalid: [{ name: 'bad passwordType', edit: (p) => (p.passwordType = 'Plain'), path: 'passwordType', message: 'must be one of PasswordText, PasswordDigest' }],
  },
  {
    type: 'policy-ws-security-timestamp',
    valid: { type: 'policy-ws-security-timestamp', timeToLive: 0 },
    invalid: [{ name: 'negative ttl', edit: (p) => (p.timeToLive = -5), path: 'timeToLive', message: 'must be an integer >= 0' }],
  },
];

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

const at = (rel: string): string => `${BASE}.${rel}`;

describe('validateApinizerPolicy: per-type table', () => {
  it('covers each of the 19 required types with a valid and an invalid case', () => {
    for (const type of REQUIRED_19) {
      const c = TYPE_CASES.find((tc) => tc.type === type);
      expect(c).toBeDefined();
      expect(c?.invalid.length).toBeGreaterThan(0);
    }
  });

  describe.each(TYPE_CASES.map((c) => [c.type, c] as const))('%s', (_type, c) => {
    it('accepts the valid full policy', () => {
      expect(validateApinizerPolicy(c.valid, BASE)).toEqual([]);
    });

    if (c.alsoValid?.length) {
      it.each(c.alsoValid.map((v) => [v.name, v] as const))('accepts: %s', (_name, v) => {
        expect(validateApinizerPolicy(edited(c.valid, v.edit), BASE)).toEqual([]);
      });
    }

    it.each(c.invalid.map((v) => [v.name, v] as const))('rejects: %s', (_name, v) => {
      const errors = validateApinizerPolicy(edited(c.valid, v.edit), BASE);
      expect(errors).toContainEqual({ path: at(v.path), message: v.message });
    });
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
              { conditionCriteria: 'NOT', conditionRuleList: [leaf({ valueComparisonOperator: 'IS_EXISTS', secondValueSource: undefined, secondValue: undefined })] },
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
    ['unary operator without second value', { conditionRuleList: [leaf({ valueComparisonOperator: 'IS_NOT_EMPTY', secondValueSource: null, secondValue: null })] }],
    ['empty secondValue string', { conditionRuleList: [leaf({ secondValue: '' })] }],
    ['IN with list string', { conditionRuleList: [leaf({ valueComparisonOperator: 'IN', secondValue: 'A,B,C' })] }],
    [
      'VARIABLE second operand',
      { conditionRuleList: [leaf({ secondValueSource: 'VARIABLE', secondValue: undefined, secondVariable: { type: 'PARAMETER', paramType: 'QUERY', paramName: 'tier' } })] },
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
    ['VALUE without secondValue', { conditionRuleList: [leaf({ secondValue: undefined })] }, `${C}[0].secondValue`, 'is required when secondValueSource is VALUE'],
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
      { conditionRuleList: [{ conditionCriteria: 'AND', conditionRuleList: [leaf(), { conditionCriteria: 'OR', conditionRuleList: [leaf({ valueComparisonOperator: 'LIKE' })] }] }] },
      `${C}[0].conditionRuleList[1].conditionRuleList[0].valueComparisonOperator`,
      expect.stringMatching(/^must be one of LT, /) as unknown as string,
    ],
    ['nested list not an array', { conditionRuleList: [{ conditionCriteria: 'AND', conditionRuleList: 'x' }] }, `${C}[0].conditionRuleList`, 'must be an array'],
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
    [
      'unknown type',
      { type: 'COOKIE' },
      [[`${V}.type`, 'must be one of HEADER, PARAMETER, BODY, CONTEXT_VALUES, CUSTOM, CONTEXT, SCRIPT']],
    ],
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

// ------------------------------------------------------------------------------------------------
// operationMetadata (§2.1)
// ------------------------------------------------------------------------------------------------

describe('validateOperationMetadata', () => {
  const MB = 'updates[0].changes';

  const valid: Array<[string, Parameters<typeof validateOperationMetadata>[0]]> = [
    ['ALL / REQUEST', { targetScope: 'ALL', targetPipeline: 'REQUEST' }],
    ['ENDPOINT with endpoint and method', { targetScope: 'ENDPOINT', targetEndpoint: '/api/users', targetEndpointHTTPMethod: 'GET', targetPipeline: 'RESPONSE' }],
    ['ENDPOINT with method ALL', { targetScope: 'ENDPOINT', targetEndpoint: '/x', targetEndpointHTTPMethod: 'ALL', targetPipeline: 'ERROR' }],
    ['ENDPOINT with method TRACE', { targetScope: 'ENDPOINT', targetEndpoint: '/x', targetEndpointHTTPMethod: 'TRACE', targetPipeline: 'REQUEST' }],
    ['order null', { targetScope: 'ALL', targetPipeline: 'REQUEST', order: null }],
    ['order 1', { targetScope: 'ALL', targetPipeline: 'REQUEST', order: 1 }],
    ['order 7', { order: 7 }],
    ['partial change (nothing given)', {}],
  ];

  it.each(valid)('accepts %s', (_name, meta) => {
    expect(validateOperationMetadata(meta, MB)).toEqual([]);
  });

  const invalid: Array<[string, Parameters<typeof validateOperationMetadata>[0], Array<[string, string]>]> = [
    [
      'ENDPOINT without endpoint and method',
      { targetScope: 'ENDPOINT', targetPipeline: 'REQUEST' },
      [
        ['targetEndpoint', 'is required when targetScope is ENDPOINT'],
        ['targetEndpointHTTPMethod', 'is required when targetScope is ENDPOINT'],
      ],
    ],
    ['ENDPOINT with blank endpoint', { targetScope: 'ENDPOINT', targetEndpoint: '', targetEndpointHTTPMethod: 'GET' }, [['targetEndpoint', 'is required when targetScope is ENDPOINT']]],
    ['bad scope', { targetScope: 'GLOBAL' }, [['targetScope', 'must be one of ALL, ENDPOINT']]],
    ['API_PROXY scope from outlier pages', { targetScope: 'API_PROXY' }, [['targetScope', 'must be one of ALL, ENDPOINT']]],
    [
      'bad method',
      { targetScope: 'ENDPOINT', targetEndpoint: '/x', targetEndpointHTTPMethod: 'CONNECT' },
      [['targetEndpointHTTPMethod', 'must be one of GET, POST, PUT, DELETE, PATCH, OPTIONS, HEAD, TRACE, ALL']],
    ],
    ['bad pipeline', { targetPipeline: 'BOTH' }, [['targetPipeline', 'must be one of REQUEST, RESPONSE, ERROR']]],
    ['order 0', { order: 0 }, [['order', 'must be an integer >= 1 or null']]],
    ['order 1.5', { order: 1.5 }, [['order', 'must be an integer >= 1 or null']]],
    ['order as string', { order: '2' }, [['order', 'must be an integer >= 1 or null']]],
    ['targetEndpoint not a string', { targetEndpoint: 5 }, [['targetEndpoint', 'must be a string']]],
  ];

  it.each(invalid)('rejects %s', (_name, meta, expected) => {
    expect(validateOperationMetadata(meta, MB)).toEqual(expected.map(([field, message]) => ({ path: `${MB}.${field}`, message })));
  });

  it('requires targetScope and targetPipeline with { complete: true }', () => {
    expect(validateOperationMetadata({}, MB, { complete: true })).toEqual([
      { path: `${MB}.targetScope`, message: 'is required' },
      { path: `${MB}.targetPipeline`, message: 'is required' },
    ]);
    expect(validateOperationMetadata({ targetScope: 'ALL', targetPipeline: 'REQUEST' }, MB, { complete: true })).toEqual([]);
  });

  it('uses bare field names for an empty basePath', () => {
    expect(validateOperationMetadata({ targetScope: 'X' }, '')).toEqual([{ path: 'targetScope', message: 'must be one of ALL, ENDPOINT' }]);
  });
});

// ------------------------------------------------------------------------------------------------
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
