import type { ValidationIssue } from './errors';
import { type ApinizerEndpoint, type ApinizerPolicy, type ApinizerProxy, PIPELINE_LIST, type Pipeline, type TargetScope } from './model';

const SCOPES: readonly string[] = ['ALL', 'ENDPOINT'];
const PIPELINES: readonly string[] = ['REQUEST', 'RESPONSE', 'ERROR'];
const HTTP_METHODS: readonly string[] = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'TRACE', 'ALL'];

export const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A checked operationMetadata. */
export interface Target {
  scope: TargetScope;
  pipeline: Pipeline;
  endpoint: ApinizerEndpoint | null;
  order: number | null;
  deploy: boolean;
  envs: string[];
}

export function targetList(proxy: ApinizerProxy, t: Target): ApinizerPolicy[] {
  return (t.endpoint ?? proxy)[PIPELINE_LIST[t.pipeline]];
}

/** Checks operationMetadata against the proxy; adds issues and returns null when it is not usable. */
export function checkMetadata(input: unknown, proxy: ApinizerProxy, issues: ValidationIssue[]): Target | null {
  const f = (name: string): string => `operationMetadata.${name}`;
  if (!isObj(input)) {
    issues.push({ field: 'operationMetadata', message: 'operationMetadata is required' });
    return null;
  }
  const start = issues.length;
  const { targetScope, targetPipeline, targetEndpoint, targetEndpointHTTPMethod, order, deploy } = input;
  const envList = input.deployTargetEnvironmentNameList;
  if (typeof targetScope !== 'string' || !SCOPES.includes(targetScope)) {
    issues.push({ field: f('targetScope'), message: `targetScope must be one of ${SCOPES.join(', ')}` });
  }
  if (typeof targetPipeline !== 'string' || !PIPELINES.includes(targetPipeline)) {
    issues.push({ field: f('targetPipeline'), message: `targetPipeline must be one of ${PIPELINES.join(', ')}` });
  }
  let endpoint: ApinizerEndpoint | null = null;
  if (targetScope === 'ENDPOINT') {
    const pathOk = typeof targetEndpoint === 'string' && targetEndpoint.length > 0;
    const methodOk = typeof targetEndpointHTTPMethod === 'string' && HTTP_METHODS.includes(targetEndpointHTTPMethod);
    if (!pathOk) issues.push({ field: f('targetEndpoint'), message: 'targetEndpoint is required when targetScope is ENDPOINT' });
    if (!methodOk) {
      issues.push({
        field: f('targetEndpointHTTPMethod'),
        message: `targetEndpointHTTPMethod is required when targetScope is ENDPOINT (one of ${HTTP_METHODS.join(', ')})`,
      });
    }
    if (pathOk && methodOk) {
      endpoint = proxy.endpointList.find((e) => e.endpoint === targetEndpoint && e.httpMethod === targetEndpointHTTPMethod) ?? null;
      if (!endpoint) {
        issues.push({
          field: f('targetEndpoint'),
          message: `Endpoint (${String(targetEndpointHTTPMethod)} ${String(targetEndpoint)}) does not exist in ApiProxy (name: ${proxy.name})`,
        });
      }
    }
  }
  if (order !== undefined && order !== null && !(typeof order === 'number' && Number.isInteger(order) && order >= 1)) {
    issues.push({ field: f('order'), message: 'order must be an integer >= 1' });
  }
  if (deploy !== undefined && deploy !== null && typeof deploy !== 'boolean') {
    issues.push({ field: f('deploy'), message: 'deploy must be a boolean' });
  }
  if (envList !== undefined && envList !== null && !(Array.isArray(envList) && envList.every((x) => typeof x === 'string'))) {
    issues.push({ field: f('deployTargetEnvironmentNameList'), message: 'deployTargetEnvironmentNameList must be a list of names' });
  }
  if (issues.length > start) return null;
  return {
    scope: targetScope as TargetScope,
    pipeline: targetPipeline as Pipeline,
    endpoint,
    order: typeof order === 'number' ? order : null,
    deploy: typeof deploy === 'boolean' ? deploy : true,
    envs: Array.isArray(envList) ? (envList as string[]) : [],
  };
}

type FieldRule = (p: Record<string, unknown>) => ValidationIssue | null;

const required =
  (field: string): FieldRule =>
  (p) =>
    p[field] === undefined || p[field] === null || p[field] === '' ? { field: `policy.${field}`, message: `${field} is required` } : null;

const oneOf =
  (field: string, values: readonly string[]): FieldRule =>
  (p) =>
    p[field] === undefined || p[field] === null || values.includes(p[field] as string)
      ? null
      : { field: `policy.${field}`, message: `${field} must be one of ${values.join(', ')}` };

const variable =
  (field: string): FieldRule =>
  (p) =>
    p[field] === undefined || p[field] === null || isObj(p[field]) ? null : { field: `policy.${field}`, message: `${field} must be a variable object` };

const integer =
  (field: string): FieldRule =>
  (p) =>
    p[field] === undefined || p[field] === null || Number.isInteger(p[field]) ? null : { field: `policy.${field}`, message: `${field} must be an integer` };

const positive =
  (field: string): FieldRule =>
  (p) =>
    typeof p[field] === 'number' && p[field] > 0 ? null : { field: `policy.${field}`, message: `${field} must be greater than 0` };

const nonEmptyStrings =
  (field: string): FieldRule =>
  (p) => {
    const v = p[field];
    return Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string' && x.length > 0)
      ? null
      : { field: `policy.${field}`, message: `${field} must contain at least one entry` };
  };

const THROTTLING_INTERVALS = ['ONE_SECOND', 'ONE_MINUTE', 'ONE_HOUR', 'ONE_DAY'];
const QUOTA_INTERVALS = ['ONE_HOUR', 'ONE_DAY', 'ONE_MONTH'];

/** Type-specific required fields (from the reference's table). Types not listed are accepted as they are. */
const TYPE_RULES: Record<string, FieldRule[]> = {
  'policy-api-based-throttling': [
    required('targetVariableForIdentity'),
    variable('targetVariableForIdentity'),
    required('messageCountForInterval'),
    integer('messageCountForInterval'),
    required('throttlingInterval'),
    oneOf('throttlingInterval', THROTTLING_INTERVALS),
  ],
  'policy-api-based-quota': [
    required('targetVariableForIdentity'),
    variable('targetVariableForIdentity'),
    required('messageCountForInterval'),
    integer('messageCountForInterval'),
    required('quotaInterval'),
    oneOf('quotaInterval', QUOTA_INTERVALS),
  ],
  'policy-black-ip': [nonEmptyStrings('ipList')],
  'policy-white-ip': [nonEmptyStrings('ipList')],
  'policy-script': [
    required('scriptLanguage'),
    oneOf('scriptLanguage', ['GROOVY', 'JAVASCRIPT']),
    required('scriptBody'),
    oneOf('executionType', ['SYNC', 'ASYNC']),
  ],
  'policy-max-message-size': [positive('maxMessageSize')],
  'policy-min-message-size': [positive('minMessageSize')],
};

/** Required only outside strict mode: update-policy.md example 4 sends a policy-script without it (strict accepts that). */
const FRIENDLY_ONLY_RULES: Record<string, FieldRule[]> = {
  'policy-script': [required('executionType')],
};

/**
 * Checks the `policy` of an add/update body. `storedType` (update) must equal the given type.
 * Adds issues; returns the policy object when it is usable.
 */
export function checkPolicy(input: unknown, storedType: string | null, issues: ValidationIssue[], strict = false): Record<string, unknown> | null {
  if (!isObj(input)) {
    issues.push({ field: 'policy', message: 'policy is required' });
    return null;
  }
  const start = issues.length;
  const type = input.type;
  if (typeof type !== 'string' || type.length === 0) {
    issues.push({ field: 'policy.type', message: 'policy type is required' });
  } else if (storedType !== null && type !== storedType) {
    issues.push({ field: 'policy.type', message: `Policy type can not be changed (current: ${storedType}, given: ${type})` });
  } else {
    for (const rule of [...(TYPE_RULES[type] ?? []), ...(strict ? [] : (FRIENDLY_ONLY_RULES[type] ?? []))]) {
      const issue = rule(input);
      if (issue) issues.push(issue);
    }
  }
  if (input.active !== undefined && input.active !== null && typeof input.active !== 'boolean') {
    issues.push({ field: 'policy.active', message: 'active must be a boolean' });
  }
  if (input.policyCondition !== undefined && input.policyCondition !== null && !isObj(input.policyCondition)) {
    issues.push({ field: 'policy.policyCondition', message: 'policyCondition must be an object' });
  }
  return issues.length > start ? null : input;
}

/** The stored form of a policy: name from the path, documented defaults for `active` and `policyCondition`. */
export function storedPolicy(name: string, input: Record<string, unknown>): ApinizerPolicy {
  const { name: _ignored, ...rest } = input;
  return {
    name,
    type: rest.type as string,
    active: rest.active ?? true,
    policyCondition: rest.policyCondition ?? { conditionRuleList: [] },
    ...rest,
    ...(rest.active === null ? { active: true } : {}),
    ...(rest.policyCondition === null ? { policyCondition: { conditionRuleList: [] } } : {}),
  };
}
