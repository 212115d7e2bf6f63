/** Policy types that limit traffic (§4): rate limits, quotas, IP lists, message sizes, time windows, client bans. */
import {
  FieldSpec,
  ObjectSpec,
  PolicyFieldError,
  bool,
  custom,
  err,
  int,
  is,
  isObj,
  list,
  nonEmptyList,
  obj,
  objectOf,
  oneOf,
  policy,
  req,
  requireWhen,
  str,
} from '../policy-spec.engine';
import { ipOrCidr } from '../value-checks';
import { UNARY_OPERATORS, validatePolicyCondition, variable } from '../variable-and-condition';

const THROTTLING_INTERVALS = ['ONE_SECOND', 'ONE_MINUTE', 'ONE_HOUR', 'ONE_DAY'] as const;
const QUOTA_INTERVALS = ['ONE_HOUR', 'ONE_DAY', 'ONE_MONTH'] as const;
const ANY_INTERVAL = ['ONE_SECOND', 'ONE_MINUTE', 'ONE_HOUR', 'ONE_DAY', 'ONE_MONTH'] as const;
const CACHE_ERROR_HANDLING = ['FAIL', 'ALLOW', 'CONTINUE'] as const; // [conflict] ALLOW vs CONTINUE

const WEEK_DAYS = ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY', 'SUNDAY', 'ALL'] as const;

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
  return criteriaShape ? objectOf(ASSERTION_CRITERIA_SPEC)(value, path) : validatePolicyCondition(value, path);
}

export const TRAFFIC_POLICY_SPECS: Readonly<Record<string, ObjectSpec>> = {
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
          requireWhen((o) => o.wholeDay !== true, 'wholeDay is false', ['startHour', 'startMinute', 'startSecond', 'endHour', 'endMinute', 'endSecond']),
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
};
