import { DtoValidator, FieldError, ProblemException, compileDto, jsonPath } from '@rpg/common';
import {
  ApinizerPolicyChangesDto,
  ApinizerPolicyTargetDto,
  GcoreL7PolicyChangesDto,
  GcoreL7PolicyTargetDto,
  GcoreLoadBalancerChangesDto,
  GcoreLoadBalancerTargetDto,
  L7Action,
  RoutingPolicyUpdateRequestDto,
} from './dtos';
import { RolloutPlan, Update, ValidatedUpdateRequest } from './model';
import { validateRollout } from './rollout-plan';

export const MAX_UPDATES = 50;

/** A kind's DTOs, compiled once at startup (compileDto throws here if a decorator cannot be compiled exactly). */
interface KindSpec {
  target: DtoValidator<object>;
  changes: DtoValidator<object>;
  crossCheck?: (changes: never, path: string) => FieldError[];
}

/** The field each L7 action needs, and the fields that belong to other actions. */
export const L7_ACTION_FIELD: Record<L7Action, 'redirectUrl' | 'redirectPrefix' | 'redirectPoolId' | null> = {
  REDIRECT_TO_URL: 'redirectUrl',
  REDIRECT_PREFIX: 'redirectPrefix',
  REDIRECT_TO_POOL: 'redirectPoolId',
  REJECT: null,
};
const L7_TARGET_FIELDS = ['redirectUrl', 'redirectPrefix', 'redirectPoolId'] as const;
export const L7_ACTIONS_WITH_HTTP_CODE: ReadonlySet<string> = new Set(['REDIRECT_TO_URL', 'REDIRECT_PREFIX']);

/** Seed-schema rules that need more than one field: checked at accept time as far as the request alone tells. */
function checkL7Changes(changes: GcoreL7PolicyChangesDto, path: string): FieldError[] {
  const errors: FieldError[] = [];
  const sent = L7_TARGET_FIELDS.filter((f) => changes[f] !== undefined);
  if (changes.action) {
    const needed = L7_ACTION_FIELD[changes.action];
    if (needed && changes[needed] === undefined) {
      errors.push({ path: `${path}.${needed}`, message: `is required when action is ${changes.action}` });
    }
    for (const field of sent) {
      if (field !== needed) errors.push({ path: `${path}.${field}`, message: `is not allowed with action ${changes.action}` });
    }
    if (changes.redirectHttpCode !== undefined && !L7_ACTIONS_WITH_HTTP_CODE.has(changes.action)) {
      errors.push({ path: `${path}.redirectHttpCode`, message: `is only allowed with action REDIRECT_TO_URL or REDIRECT_PREFIX, not ${changes.action}` });
    }
  } else {
    if (sent.length > 1) {
      errors.push({ path: `${path}.${sent[1]}`, message: `cannot be sent with ${sent[0]}: they belong to different actions` });
    }
    if (changes.redirectHttpCode !== undefined && changes.redirectPoolId !== undefined) {
      errors.push({ path: `${path}.redirectHttpCode`, message: 'is only allowed with action REDIRECT_TO_URL or REDIRECT_PREFIX' });
    }
  }
  return errors;
}

function checkLoadBalancerChanges(changes: GcoreLoadBalancerChangesDto, path: string): FieldError[] {
  const errors: FieldError[] = [];
  if (changes.tags && typeof changes.tags === 'object') {
    const entries = Object.entries(changes.tags);
    if (entries.length > 100) errors.push({ path: `${path}.tags`, message: 'must hold at most 100 keys' });
    for (const [key, value] of entries.slice(0, 101)) {
      const at = jsonPath(`${path}.tags`, key);
      if (key.length < 1 || key.length > 255) errors.push({ path: at, message: 'key must be 1-255 characters' });
      if (value !== null && (typeof value !== 'string' || value.length > 255)) {
        errors.push({ path: at, message: 'must be a string of at most 255 characters, or null to delete the tag' });
      }
    }
  }
  return errors;
}

function checkApinizerChanges(changes: ApinizerPolicyChangesDto, path: string): FieldError[] {
  const errors: FieldError[] = [];
  if (changes.targetScope === 'ALL') {
    if (changes.targetEndpoint !== undefined) errors.push({ path: `${path}.targetEndpoint`, message: 'is only allowed with targetScope ENDPOINT' });
    if (changes.targetEndpointHTTPMethod !== undefined)
      errors.push({ path: `${path}.targetEndpointHTTPMethod`, message: 'is only allowed with targetScope ENDPOINT' });
  }
  if (changes.deploy === true && !changes.deployTargetEnvironmentNameList?.length) {
    errors.push({
      path: `${path}.deployTargetEnvironmentNameList`,
      message: "is required with deploy: true (Apinizer's behaviour with an empty list is undocumented): name the environments to deploy to",
    });
  }
  if (changes.policy) {
    if ('type' in changes.policy && (typeof changes.policy.type !== 'string' || changes.policy.type.length === 0)) {
      errors.push({ path: `${path}.policy.type`, message: 'must be a non-empty string' });
    }
    if (JSON.stringify(changes.policy).length > 512 * 1024) errors.push({ path: `${path}.policy`, message: 'must be at most 512 KiB' });
  }
  return errors;
}

const KINDS: Record<string, KindSpec> = {
  'gcore/l7policy': { target: compileDto(GcoreL7PolicyTargetDto), changes: compileDto(GcoreL7PolicyChangesDto), crossCheck: checkL7Changes },
  'gcore/loadbalancer': {
    target: compileDto(GcoreLoadBalancerTargetDto),
    changes: compileDto(GcoreLoadBalancerChangesDto),
    crossCheck: checkLoadBalancerChanges,
  },
  'apinizer/policy': { target: compileDto(ApinizerPolicyTargetDto), changes: compileDto(ApinizerPolicyChangesDto), crossCheck: checkApinizerChanges },
};
const validateTopLevel = compileDto(RoutingPolicyUpdateRequestDto);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function validateUpdate(raw: unknown, path: string): { update?: Update; errors: FieldError[] } {
  if (!isPlainObject(raw)) return { errors: [{ path, message: 'must be an object with target and changes' }] };
  const errors: FieldError[] = [];
  for (const key of Object.keys(raw)) {
    if (key !== 'target' && key !== 'changes') errors.push({ path: `${path}.${key}`, message: 'is not allowed' });
  }
  const target = raw.target;
  if (!isPlainObject(target)) return { errors: [...errors, { path: `${path}.target`, message: 'must be an object' }] };
  const spec = KINDS[`${String(target.provider)}/${String(target.kind)}`];
  if (!spec) {
    const field = target.provider === 'gcore' || target.provider === 'apinizer' ? 'kind' : 'provider';
    const message =
      field === 'provider' ? 'must be one of gcore, apinizer' : target.provider === 'gcore' ? 'must be one of l7policy, loadbalancer' : 'must be policy';
    return { errors: [...errors, { path: `${path}.target.${field}`, message }] };
  }
  const t = spec.target(target, `${path}.target`);
  const c = spec.changes(raw.changes, `${path}.changes`);
  errors.push(...t.errors, ...c.errors);
  if (c.value) {
    if (Object.keys(raw.changes as object).length === 0) errors.push({ path: `${path}.changes`, message: 'must contain at least one field' });
    errors.push(...(spec.crossCheck?.(c.value as never, `${path}.changes`) ?? []));
  }
  if (errors.length) return { errors };
  // keep the caller's plain values (class instances would carry prototype baggage into JSON)
  return { update: { target: target as never, changes: raw.changes as never }, errors: [] };
}

/** Validates one target (any kind) at `path`; returns the field errors. */
export function validateTarget(raw: unknown, path: string): FieldError[] {
  if (!isPlainObject(raw)) return [{ path, message: 'must be an object' }];
  const spec = KINDS[`${String(raw.provider)}/${String(raw.kind)}`];
  if (!spec) {
    const field = raw.provider === 'gcore' || raw.provider === 'apinizer' ? 'kind' : 'provider';
    return [
      {
        path: `${path}.${field}`,
        message:
          field === 'provider' ? 'must be one of gcore, apinizer' : raw.provider === 'gcore' ? 'must be one of l7policy, loadbalancer' : 'must be policy',
      },
    ];
  }
  return spec.target(raw, path).errors;
}

/** Validates a §3 request body; throws a 400 problem listing every field error with its path. */
export function validateUpdateRequest(body: unknown): ValidatedUpdateRequest {
  if (!isPlainObject(body)) throw ProblemException.validation([{ path: '(body)', message: 'must be a JSON object' }]);
  // the top level alone (each update is validated below): the DTO checks only that `updates` is an array
  const top = validateTopLevel(body, '');
  const errors = [...top.errors];
  const updates: Update[] = [];
  let count: number | undefined;
  if (Array.isArray(body.updates)) {
    if (body.updates.length < 1 || body.updates.length > MAX_UPDATES) {
      errors.push({ path: 'updates', message: `must hold 1 to ${MAX_UPDATES} updates` });
    } else {
      count = body.updates.length;
      body.updates.forEach((raw, i) => {
        const result = validateUpdate(raw, `updates[${i}]`);
        if (result.update) updates.push(result.update);
        errors.push(...result.errors);
      });
    }
  } else if (!errors.some((e) => e.path === 'updates')) {
    errors.push({ path: 'updates', message: 'must be an array' });
  }
  let rollout: RolloutPlan | undefined;
  // null and non-objects are refused by the top-level DTO (IsOptionalNonNull, IsObject); the fields need the count
  if (body.rollout !== undefined && !errors.some((e) => e.path === 'rollout')) {
    const result = validateRollout(body.rollout, count);
    rollout = result.plan;
    errors.push(...result.errors);
  }
  if (errors.length) throw ProblemException.validation(errors.slice(0, 100));
  return {
    updates,
    dryRun: body.dryRun === true,
    callbackUrl: typeof body.callbackUrl === 'string' ? body.callbackUrl : undefined,
    reference: typeof body.reference === 'string' ? body.reference : undefined,
    ...(rollout && { rollout }),
  };
}
