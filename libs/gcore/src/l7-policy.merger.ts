import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import { ERROR_CODES, FieldDiff, GcoreL7PolicyChangesDto, L7_ACTIONS_WITH_HTTP_CODE, L7_ACTION_FIELD, ProviderError, diffFields } from '@rpg/routing-policy';
import type { GcoreL7Policy } from './gcore.types';
import l7UpdateSchema from './schema/l7-update.schema.json';

const ajv = new Ajv({ allErrors: true, strict: false });
const validateL7Patch = ajv.compile(l7UpdateSchema);
/** One variant per action: a failing body is explained against the variant of its own action, not the first oneOf branch. */
const VARIANT_OF: Record<string, string> = {
  REDIRECT_TO_URL: 'UpdateL7PolicyRedirectToUrlSerializer',
  REDIRECT_PREFIX: 'UpdateL7PolicyRedirectPrefixSerializer',
  REDIRECT_TO_POOL: 'UpdateL7PolicyRedirectToPoolSerializer',
  REJECT: 'UpdateL7PolicyRejectSerializer',
};
const validateVariant = (action: unknown): ValidateFunction | undefined =>
  typeof action === 'string' && VARIANT_OF[action] ? ajv.getSchema(`${l7UpdateSchema.$id}#/definitions/${VARIANT_OF[action]}`) : undefined;

const SNAKE: Record<string, string> = {
  redirectUrl: 'redirect_url',
  redirectPrefix: 'redirect_prefix',
  redirectPoolId: 'redirect_pool_id',
  redirectHttpCode: 'redirect_http_code',
};
const CAMEL = Object.fromEntries(Object.entries(SNAKE).map(([k, v]) => [v, k]));

/** The unified view of an L7 policy (our field names). */
export function unifiedL7Policy(p: GcoreL7Policy): Record<string, unknown> {
  return {
    action: p.action,
    name: p.name,
    position: p.position,
    redirectUrl: p.redirect_url ?? null,
    redirectPrefix: p.redirect_prefix ?? null,
    redirectPoolId: p.redirect_pool_id ?? null,
    redirectHttpCode: p.redirect_http_code ?? null,
    tags: p.tags ?? [],
  };
}

/**
 * Builds Gcore's PATCH body from a partial change. Gcore requires `action` and the action's target field in every body:
 * when the caller omits them they come from the current policy, so a caller can change only name, position or tags.
 * The merged body is checked against the published schema (+ the 301/302/303/307/308 rule) before anything is sent.
 */
export class GcoreL7PolicyMerger {
  merge(current: GcoreL7Policy | undefined, changes: GcoreL7PolicyChangesDto): { body: Record<string, unknown>; diff: FieldDiff[] } {
    const action = changes.action ?? current?.action;
    if (!action) {
      throw this.invalid('action', 'is required: the current policy could not be read to fill it');
    }
    const body: Record<string, unknown> = { action };
    const field = L7_ACTION_FIELD[action];
    for (const f of ['redirectUrl', 'redirectPrefix', 'redirectPoolId'] as const) {
      if (changes[f] !== undefined && f !== field) {
        throw this.invalid(f, `does not belong to action ${action}${changes.action ? '' : ' (the current action of the policy)'}`);
      }
    }
    if (field) {
      const value = changes[field] ?? (current && current.action === action ? current[SNAKE[field] as keyof GcoreL7Policy] : undefined);
      if (value === undefined || value === null) throw this.invalid(field, `is required when action is ${action}`);
      body[SNAKE[field]] = value;
    }
    if (changes.redirectHttpCode !== undefined) {
      if (!L7_ACTIONS_WITH_HTTP_CODE.has(action)) {
        throw this.invalid('redirectHttpCode', `is only allowed with action REDIRECT_TO_URL or REDIRECT_PREFIX, not ${action}`);
      }
      body.redirect_http_code = changes.redirectHttpCode;
    }
    if (changes.name !== undefined) body.name = changes.name;
    if (changes.position !== undefined) body.position = changes.position;
    if (changes.tags !== undefined) body.tags = changes.tags;

    this.check(body);
    const before = current ? unifiedL7Policy(current) : {};
    const after: Record<string, unknown> = { ...before };
    for (const [k, v] of Object.entries(body)) after[CAMEL[k] ?? k] = v;
    if (current && action !== current.action) {
      for (const f of ['redirectUrl', 'redirectPrefix', 'redirectPoolId'] as const) if (f !== field) after[f] = null;
      if (!L7_ACTIONS_WITH_HTTP_CODE.has(action)) after.redirectHttpCode = null;
    }
    return { body, diff: current ? diffFields(before, after) : [] };
  }

  /** The seed schema plus the redirect code rule the schema only describes. */
  check(body: Record<string, unknown>): void {
    const code = body.redirect_http_code;
    if (code !== undefined && ![301, 302, 303, 307, 308].includes(code as number)) {
      throw this.invalid('redirectHttpCode', 'must be one of 301, 302, 303, 307, 308');
    }
    const action = body.action;
    if (!validateL7Patch(body)) {
      const variant = validateVariant(action);
      if (!variant) throw this.invalid('action', 'must be one of REDIRECT_TO_URL, REDIRECT_PREFIX, REDIRECT_TO_POOL, REJECT');
      variant(body);
      const first = (variant.errors ?? [])[0];
      throw this.invalid(first ? this.fieldOf(first) : 'action', first?.message ?? 'is not valid for Gcore');
    }
  }

  /** An ajv error of the snake_case body → our field path (`tags[1]`, `redirectUrl`, ...). */
  private fieldOf(error: ErrorObject): string {
    const segments = error.instancePath.split('/').slice(1);
    const params = error.params as { missingProperty?: string; additionalProperty?: string };
    const extra = params.missingProperty ?? params.additionalProperty;
    if (extra !== undefined) segments.push(extra);
    if (segments.length === 0) return 'action';
    const [head, ...rest] = segments;
    return (CAMEL[head] ?? head) + rest.map((s) => (/^\d+$/.test(s) ? `[${s}]` : `.${s}`)).join('');
  }

  private invalid(field: string, message: string): ProviderError {
    return new ProviderError(ERROR_CODES.invalidChange, `${field} ${message}`, { fieldErrors: [{ path: `changes.${field}`, message }] });
  }
}
