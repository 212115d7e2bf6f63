/** Valid and invalid policies of the traffic policy types (./traffic.table.ts). */
import { TypeCase, header } from '../testing/policy-type-cases';

const ONE_OF_INTERVALS = 'must be one of ONE_SECOND, ONE_MINUTE, ONE_HOUR, ONE_DAY';

export const TRAFFIC_CASES: TypeCase[] = [
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
      {
        name: 'CUSTOM month 13',
        edit: (p) => (p.restrictionList[1].month = 13),
        path: 'restrictionList[1].month',
        message: 'must be an integer between 0 and 12',
      },
      {
        name: 'CUSTOM without month',
        edit: (p) => delete p.restrictionList[1].month,
        path: 'restrictionList[1].month',
        message: 'is required when dayType is CUSTOM',
      },
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
      {
        name: 'bad dayType',
        edit: (p) => (p.restrictionList[0].dayType = 'DAILY'),
        path: 'restrictionList[0].dayType',
        message: 'must be one of WEEK, CUSTOM',
      },
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
      {
        name: 'empty identity list',
        edit: (p) => (p.clientIdentityVariableList = []),
        path: 'clientIdentityVariableList',
        message: 'must contain at least one item',
      },
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
      {
        name: 'bad calc type',
        edit: (p) => (p.thresholdCalculationType = 'RATIO'),
        path: 'thresholdCalculationType',
        message: 'must be one of COUNT, PERCENT',
      },
      {
        name: 'missing assertionCondition',
        edit: (p) => delete p.assertionCondition,
        path: 'assertionCondition',
        message: 'is required for policy-client-ban',
      },
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
];
