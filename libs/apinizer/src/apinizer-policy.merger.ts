import { ApinizerPolicyChangesDto, ERROR_CODES, FieldDiff, ProviderError, applyMergePatch, diffFields } from '@rpg/routing-policy';
import type { AppliedPolicyConfig } from './apinizer-policy-config.store';
import type { ApinizerOperationMetadata, ApinizerPipeline, ApinizerPolicy, ApinizerScope, LocatedPolicy } from './apinizer.types';
import {
  NON_UPDATABLE_POLICY_TYPES,
  PolicyFieldError,
  requiredFieldsForPolicyType,
  validateApinizerPolicy,
  validateOperationMetadata,
} from './validation/apinizer-policy-validator';

const SUMMARY_FIELDS = new Set(['name', 'type', 'active', 'description', 'id']);

export type MergeBase = 'provider' | 'last-applied' | 'request';

export interface MergedApinizerPolicy {
  operationMetadata: ApinizerOperationMetadata;
  policy: ApinizerPolicy;
  diff: FieldDiff[];
  /** What the PUT body was built from: a full policy in the list, the last config this gateway applied, or the request alone. */
  mergedFrom: MergeBase;
  /** When the last-applied base was written (mergedFrom `last-applied` only). */
  lastAppliedAt?: string;
}

/** Where a policy sits in its proxy. */
interface Place {
  scope: ApinizerScope;
  pipeline: ApinizerPipeline;
  endpoint?: string;
  method?: string;
}

/** A list item is a summary when it lacks the type's required fields (or, for types without any, has only summary fields). */
export function isFullPolicy(policy: ApinizerPolicy): boolean {
  const required = requiredFieldsForPolicyType(policy.type);
  if (required.length > 0) return required.every((f) => policy[f] !== undefined && policy[f] !== null);
  return Object.keys(policy).some((k) => !SUMMARY_FIELDS.has(k));
}

/** A refusal decided before any write: INVALID_CHANGE or CURRENT_CONFIG_UNKNOWN, naming the fields. */
function refusal(
  code: typeof ERROR_CODES.invalidChange | typeof ERROR_CODES.currentConfigUnknown,
  message: string,
  fieldErrors: PolicyFieldError[],
): ProviderError {
  return new ProviderError(code, message, { fieldErrors });
}

const PLACE_HINT = 'changes.targetScope and changes.targetPipeline (plus targetEndpoint and targetEndpointHTTPMethod for ENDPOINT)';

/**
 * Builds the full PUT body. Apinizer's PUT replaces the whole policy, so a partial `changes.policy` is merged (JSON Merge
 * Patch) into a FULL current policy only: the one in the provider's list, else the last config this gateway applied. A
 * summary is never a base (its missing settings would be wiped): without a full base a partial change fails with
 * CURRENT_CONFIG_UNKNOWN, and `changes.replacePolicy: true` sends `changes.policy` as it is. Scope and pipeline stay
 * unless changed, and are never guessed; `order` omitted is sent as null (keeps the position).
 */
export class ApinizerPolicyMerger {
  merge(located: LocatedPolicy | undefined, lastApplied: AppliedPolicyConfig | undefined, changes: ApinizerPolicyChangesDto): MergedApinizerPolicy {
    const patch = changes.policy ?? {};
    const replace = changes.replacePolicy === true;
    // a last-applied config of another type is stale (the policy was re-created elsewhere): no base, no place
    const applied = lastApplied && (!located || lastApplied.policy.type === located.policy.type) ? lastApplied : undefined;
    const currentType = located?.policy.type ?? applied?.policy.type;
    if (typeof patch.type === 'string' && currentType && patch.type !== currentType) {
      throw refusal(ERROR_CODES.invalidChange, `policy.type cannot change (from ${currentType} to ${patch.type})`, [
        { path: 'changes.policy.type', message: `cannot change from ${currentType}` },
      ]);
    }
    const knownType = currentType ?? (typeof patch.type === 'string' ? patch.type : undefined);
    if (knownType && NON_UPDATABLE_POLICY_TYPES.has(knownType)) {
      throw refusal(ERROR_CODES.invalidChange, `${knownType} cannot be updated through the Apinizer Management API`, [
        { path: 'changes.policy.type', message: `${knownType} is not updatable` },
      ]);
    }

    const current = bestKnownPolicy(located, applied);
    const knownPlace: Place | undefined = located ?? (applied && placeOfApplied(applied));
    const placeErrors = knownPlace ? [] : missingPlace(changes);

    let policy: ApinizerPolicy;
    let mergedFrom: MergeBase;
    if (replace) {
      // patch is {} without changes.policy: no type either
      if (typeof patch.type !== 'string') {
        throw refusal(ERROR_CODES.invalidChange, 'replacePolicy: true needs the complete policy in changes.policy, with its type', [
          { path: 'changes.policy.type', message: 'is required with replacePolicy: true' },
        ]);
      }
      policy = structuredClone(patch) as ApinizerPolicy;
      mergedFrom = 'request';
      if (placeErrors.length) {
        throw refusal(
          ERROR_CODES.currentConfigUnknown,
          `Where Apinizer policy sits is not known (List Policies does not name its policies and this gateway never applied it): ` +
            `send ${PLACE_HINT} with the replacement, so it is not moved.`,
          placeErrors,
        );
      }
    } else if (current) {
      policy = applyMergePatch(current.policy, patch) as ApinizerPolicy;
      policy.type = current.policy.type;
      mergedFrom = current.from;
    } else {
      const listed = located ? 'List Policies returned only a summary of it' : 'List Policies does not name its policies, so it cannot be identified there';
      const own = lastApplied ? 'the config this gateway last applied is of another type' : 'this gateway has not applied it before';
      throw refusal(
        ERROR_CODES.currentConfigUnknown,
        `The current configuration of this Apinizer policy is not known (${listed}, and ${own}). ` +
          `Apinizer's PUT replaces the whole policy, so merging a partial change into what is known would wipe the settings it does not mention. ` +
          `To proceed, send the complete policy in changes.policy with changes.replacePolicy: true${placeErrors.length ? `, plus ${PLACE_HINT}` : ''}.`,
        [
          { path: 'changes.policy', message: 'cannot be merged: the current policy is not known; send the complete policy with changes.replacePolicy: true' },
          ...placeErrors,
        ],
      );
    }
    policy = withoutIdentity(policy); // the name comes from the path (Apinizer ignores it in the body)
    const type = policy.type;

    const missing = replace ? requiredFieldsForPolicyType(type).filter((f) => policy[f] === undefined || policy[f] === null) : [];
    if (missing.length) {
      throw refusal(
        ERROR_CODES.invalidChange,
        `replacePolicy: true sends changes.policy as it is: missing ${missing.join(', ')} required for ${type}`,
        missing.map((f) => ({ path: `changes.policy.${f}`, message: `is required for ${type}` })),
      );
    }
    const policyErrors = validateApinizerPolicy(policy, 'changes.policy');

    const scope = changes.targetScope ?? knownPlace?.scope ?? 'ALL'; // never defaulted: placeErrors above
    const wasEndpoint = knownPlace?.scope === 'ENDPOINT';
    const operationMetadata: ApinizerOperationMetadata = {
      targetScope: scope,
      targetPipeline: changes.targetPipeline ?? knownPlace?.pipeline ?? 'REQUEST',
      deploy: changes.deploy ?? false,
      deployTargetEnvironmentNameList: changes.deployTargetEnvironmentNameList ?? [],
      order: changes.order ?? null,
    };
    if (scope === 'ENDPOINT') {
      operationMetadata.targetEndpoint = changes.targetEndpoint ?? (wasEndpoint ? knownPlace?.endpoint : undefined);
      operationMetadata.targetEndpointHTTPMethod = changes.targetEndpointHTTPMethod ?? (wasEndpoint ? knownPlace?.method : undefined);
    }
    const errors = [...validateOperationMetadata(operationMetadata, 'changes', { complete: true }), ...policyErrors];
    if (errors.length) {
      throw refusal(ERROR_CODES.invalidChange, `The merged Apinizer policy is invalid: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}`, errors);
    }

    const before: Record<string, unknown> = withoutIdentity({
      ...(current?.policy ?? located?.policy ?? {}),
      ...(knownPlace
        ? {
            targetScope: knownPlace.scope,
            targetPipeline: knownPlace.pipeline,
            targetEndpoint: knownPlace.endpoint ?? null,
            targetEndpointHTTPMethod: knownPlace.method ?? null,
          }
        : {}),
    });
    const after = {
      ...policy,
      targetScope: scope,
      targetPipeline: operationMetadata.targetPipeline,
      targetEndpoint: operationMetadata.targetEndpoint ?? null,
      targetEndpointHTTPMethod: operationMetadata.targetEndpointHTTPMethod ?? null,
    };
    // prefixed by where a field comes from, not by its name: a policy's own `target...` field is still `policy.` (masking reads the prefix)
    const PLACE_FIELDS = new Set(['targetScope', 'targetPipeline', 'targetEndpoint', 'targetEndpointHTTPMethod']);
    const diff = diffFields(before, after).map((d) => ({ ...d, field: PLACE_FIELDS.has(d.field) ? d.field : `policy.${d.field}` }));
    if (changes.order !== undefined && (!located || located.index + 1 !== changes.order))
      diff.push({ field: 'order', from: located ? located.index + 1 : null, to: changes.order });
    return { operationMetadata, policy, diff, mergedFrom, ...(mergedFrom === 'last-applied' && applied ? { lastAppliedAt: applied.appliedAt } : {}) };
  }
}

/**
 * The best-known current policy: the full list item, else the last-applied config with what the summary says about
 * active/description (they reflect changes made elsewhere); undefined when neither is known.
 */
function bestKnownPolicy(
  located: LocatedPolicy | undefined,
  applied: AppliedPolicyConfig | undefined,
): { policy: ApinizerPolicy; from: MergeBase } | undefined {
  if (located && isFullPolicy(located.policy)) return { policy: located.policy, from: 'provider' };
  if (applied) return { policy: { ...applied.policy, ...pick(located?.policy, ['active', 'description']) }, from: 'last-applied' };
  return undefined;
}

function placeOfApplied({ operationMetadata: meta }: AppliedPolicyConfig): Place {
  return { scope: meta.targetScope, pipeline: meta.targetPipeline, endpoint: meta.targetEndpoint, method: meta.targetEndpointHTTPMethod };
}

/** A copy without `name` and `id`: Apinizer names a policy by its path, and neither is a setting to send or compare. */
function withoutIdentity<T extends Record<string, unknown>>(o: T): T {
  const { name: _name, id: _id, ...rest } = o;
  return rest as T;
}

/** The place fields a request must carry when the policy's place is unknown (guessing ALL/REQUEST would move it). */
function missingPlace(changes: ApinizerPolicyChangesDto): PolicyFieldError[] {
  const errors: PolicyFieldError[] = [];
  const need = (field: keyof ApinizerPolicyChangesDto, why: string) => {
    if (changes[field] === undefined || changes[field] === null) errors.push({ path: `changes.${field}`, message: `is required: ${why}` });
  };
  const unknown = 'where the policy sits is not known to the gateway';
  need('targetScope', unknown);
  need('targetPipeline', unknown);
  if (changes.targetScope === 'ENDPOINT') {
    need('targetEndpoint', `${unknown} (targetScope ENDPOINT)`);
    need('targetEndpointHTTPMethod', `${unknown} (targetScope ENDPOINT)`);
  }
  return errors;
}

function pick(obj: Record<string, unknown> | undefined, keys: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of keys) if (obj && obj[k] !== undefined) out[k] = obj[k];
  return out;
}
