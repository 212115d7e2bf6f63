/**
 * Client-side validation of Apinizer Management API policy objects (the `policy` part of
 * `PUT .../policies/{policyName}/`) and of policy operationMetadata fields.
 *
 * Pure TypeScript: no Nest, no I/O. Source: /work/shared/reference/apinizer-api.md (§2.1, §3–§6), checked
 * against apinizer/management-api-docs. Where the docs contradict each other ([conflict]) or are silent
 * ([unconfirmed]) the validator accepts every documented reading, so it never rejects something the live
 * server might accept for a documented reason. Notable leniencies:
 *   - variable `name` is never required (per-policy examples omit it); `{id}` alone is a valid reference;
 *   - variable types CONTEXT / SCRIPT (per-policy pages) are accepted next to CONTEXT_VALUES / CUSTOM;
 *   - BODY variables may use the per-page `bodyJsonPath` shape instead of messageContentType + jsonPathValue;
 *   - variableDataType accepts STRING | NUMBER | NUMERIC | DATE | BOOLEAN;
 *   - group condition rules (AND / OR / NOT) need no firstVariable / operator;
 *   - cacheErrorHandlingType accepts FAIL | ALLOW | CONTINUE for throttling and quota;
 *   - client-ban `assertionCondition` may be a policyCondition or the `{criteria, rules}` page shape;
 *   - api-call `certificateEnabled` is satisfied by `certificateName` or `certificateId`;
 *   - api-authentication accepts `authApiName` or `authApiId`;
 *   - policy-script `executionType` is optional (an update-policy.md example omits it);
 *   - `policy-throttling` (list-page spelling) is validated as `policy-api-based-throttling`;
 *   - null is treated like an absent field everywhere (the docs' examples send explicit nulls).
 *
 * The rules are data: one table of field specs per policy type plus a few conditional rules. This file is the public face;
 * the parts live beside it: policy-spec.engine.ts (the generic field/rule walker), variable-and-condition.ts (§5, §6),
 * value-checks.ts, policy-types/*.table.ts (the per-type table by family), policy-type.catalogue.ts (the type catalogue)
 * and operation-metadata.validator.ts (§2.1).
 */

import { PolicyFieldError, err, isObj, join, validateObject } from './policy-spec.engine';
import { COMMON_SPEC, NON_UPDATABLE_POLICY_TYPES, SYSTEM_MANAGED_POLICY_TYPES, specFor } from './policy-type.catalogue';

export type { PolicyFieldError } from './policy-spec.engine';
export { validateOperationMetadata } from './operation-metadata.validator';
export { NON_UPDATABLE_POLICY_TYPES, isKnownPolicyType, requiredFieldsForPolicyType, requiredFieldsForReplacement } from './policy-type.catalogue';

/**
 * Validate a FULL (merged) Apinizer policy object about to be PUT. basePath is prefixed to every path, e.g.
 * 'updates[2].changes.policy' → 'updates[2].changes.policy.messageCountForInterval'. Returns [] when valid.
 * Unknown types get the common checks only; non-updatable types get an error on `type`.
 */
export function validateApinizerPolicy(policy: Record<string, unknown>, basePath: string): PolicyFieldError[] {
  if (!isObj(policy)) return [err(basePath, 'must be an object')];
  const errors = validateObject(policy, COMMON_SPEC, basePath, 'is required');
  const type = policy.type;
  if (typeof type !== 'string' || type.trim() === '') return errors;

  if (NON_UPDATABLE_POLICY_TYPES.has(type)) {
    const reason = SYSTEM_MANAGED_POLICY_TYPES.has(type) ? 'system-managed' : 'not implemented';
    errors.push(err(join(basePath, 'type'), `cannot be updated through the Management API (${reason})`));
    return errors;
  }
  const spec = specFor(type);
  if (spec) errors.push(...validateObject(policy, spec, basePath, `is required for ${type}`));
  return errors;
}
