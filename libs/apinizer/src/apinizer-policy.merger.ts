import { ApinizerPolicyChangesDto, ERROR_CODES, FieldDiff, ProviderError, applyMergePatch, diffFields } from '@rpg/routing-policy';
import type { AppliedPolicyConfig } from './apinizer-policy-config.store';
import type { ApinizerOperationMetadata, ApinizerPolicy, LocatedPolicy } from './apinizer.types';
import {
  NON_UPDATABLE_POLICY_TYPES,
  isKnownPolicyType,
  requiredFieldsForPolicyType,
  validateApinizerPolicy,
  validateOperationMetadata,
} from './validation/apinizer-policy-validator';

const SUMMARY_FIELDS = new Set(['name', 'type', 'active', 'description', 'id']);

export interface MergedApinizerPolicy {
  operationMetadata: ApinizerOperationMetadata;
  policy: ApinizerPolicy;
  diff: FieldDiff[];
  /** Where the unchanged fields came from. */
  source: 'provider' | 'last-applied' | 'request';
}

/** A list item is a summary when it lacks the type's required fields (or, for unknown types, has only summary fields). */
export function isFullPolicy(policy: ApinizerPolicy): boolean {
  const required = requiredFieldsForPolicyType(policy.type);
  if (required.length > 0) return required.every((f) => policy[f] !== undefined && policy[f] !== null);
  if (isKnownPolicyType(policy.type)) return Object.keys(policy).some((k) => !SUMMARY_FIELDS.has(k));
  return Object.keys(policy).some((k) => !SUMMARY_FIELDS.has(k));
}

function unprocessable(message: string, fieldErrors: { path: string; message: string }[]): ProviderError {
  return new ProviderError(ERROR_CODES.invalidChange, message, undefined, undefined, false, fieldErrors);
}

/**
 * Builds the full PUT body from partial changes. Apinizer's PUT replaces the whole policy, so unchanged fields come
 * from the provider's list (when it holds the full policy) or from the last config this gateway applied; `changes.policy`
 * is merged in as JSON Merge Patch. Scope and pipeline stay unless changed; `order` omitted is sent as null (keeps position).
 */
export class ApinizerPolicyMerger {
  merge(located: LocatedPolicy | undefined, lastApplied: AppliedPolicyConfig | undefined, changes: ApinizerPolicyChangesDto): MergedApinizerPolicy {
    const patch = changes.policy ?? {};
    const currentType = located?.policy.type ?? lastApplied?.policy.type;
    if (typeof patch.type === 'string' && currentType && patch.type !== currentType) {
      throw unprocessable(`policy.type cannot change (from ${currentType} to ${patch.type})`, [{ path: 'changes.policy.type', message: `cannot change from ${currentType}` }]);
    }
    const type = currentType ?? (typeof patch.type === 'string' ? patch.type : undefined);
    if (!type) {
      throw unprocessable('policy.type is required: the current policy is unknown', [{ path: 'changes.policy.type', message: 'is required when the current policy is unknown' }]);
    }
    if (NON_UPDATABLE_POLICY_TYPES.has(type)) {
      throw unprocessable(`${type} cannot be updated through the Apinizer Management API`, [{ path: 'changes.policy.type', message: `${type} is not updatable` }]);
    }

    let base: ApinizerPolicy;
    let source: MergedApinizerPolicy['source'];
    if (located && isFullPolicy(located.policy)) {
      base = located.policy;
      source = 'provider';
    } else if (lastApplied && lastApplied.policy.type === type) {
      // keep what the summary says about active/description: it reflects changes made elsewhere
      base = { ...lastApplied.policy, ...pick(located?.policy, ['active', 'description']) };
      source = 'last-applied';
    } else {
      base = { type, ...pick(located?.policy, ['active', 'description']) };
      source = 'request';
    }
    const policy = applyMergePatch(base, { ...patch, type }) as ApinizerPolicy;
    delete policy.name; // the name comes from the path (Apinizer ignores it in the body)
    delete policy.id;

    if (source === 'request') {
      const missing = requiredFieldsForPolicyType(type).filter((f) => policy[f] === undefined || policy[f] === null);
      if (missing.length) {
        throw unprocessable(
          `The current ${type} policy is not known (the provider returned a summary and this gateway never applied it): changes.policy must be complete; missing ${missing.join(', ')}`,
          missing.map((f) => ({ path: `changes.policy.${f}`, message: `is required for ${type}` })),
        );
      }
    }
    const policyErrors = validateApinizerPolicy(policy, 'changes.policy');

    const scope = changes.targetScope ?? located?.scope ?? lastApplied?.operationMetadata.targetScope ?? 'ALL';
    const wasEndpoint = (located?.scope ?? lastApplied?.operationMetadata.targetScope) === 'ENDPOINT';
    const operationMetadata: ApinizerOperationMetadata = {
      targetScope: scope,
      targetPipeline: changes.targetPipeline ?? located?.pipeline ?? lastApplied?.operationMetadata.targetPipeline ?? 'REQUEST',
      deploy: changes.deploy ?? false,
      deployTargetEnvironmentNameList: changes.deployTargetEnvironmentNameList ?? [],
      order: changes.order ?? null,
    };
    if (scope === 'ENDPOINT') {
      operationMetadata.targetEndpoint = changes.targetEndpoint ?? (wasEndpoint ? (located?.endpoint ?? lastApplied?.operationMetadata.targetEndpoint) : undefined);
      operationMetadata.targetEndpointHTTPMethod =
        changes.targetEndpointHTTPMethod ?? (wasEndpoint ? (located?.method ?? lastApplied?.operationMetadata.targetEndpointHTTPMethod) : undefined);
    }
    const metaErrors = validateOperationMetadata(operationMetadata, 'changes', { complete: true });
    const errors = [...metaErrors, ...policyErrors];
    if (errors.length) {
      throw unprocessable(`The merged Apinizer policy is invalid: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}`, errors);
    }

    const before = located ? { ...located.policy, targetScope: located.scope, targetPipeline: located.pipeline, targetEndpoint: located.endpoint ?? null, targetEndpointHTTPMethod: located.method ?? null } : {};
    delete (before as Record<string, unknown>).name;
    const after = { ...policy, targetScope: scope, targetPipeline: operationMetadata.targetPipeline, targetEndpoint: operationMetadata.targetEndpoint ?? null, targetEndpointHTTPMethod: operationMetadata.targetEndpointHTTPMethod ?? null };
    const diff = diffFields(before as Record<string, unknown>, after).map((d) => ({ ...d, field: d.field.startsWith('target') ? d.field : `policy.${d.field}` }));
    if (changes.order !== undefined && (!located || located.index + 1 !== changes.order)) diff.push({ field: 'order', from: located ? located.index + 1 : null, to: changes.order });
    return { operationMetadata, policy, diff, source };
  }
}

function pick(obj: Record<string, unknown> | undefined, keys: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of keys) if (obj && obj[k] !== undefined) out[k] = obj[k];
  return out;
}
