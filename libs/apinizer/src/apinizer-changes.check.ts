import type { ApinizerPolicyChangesDto, ApinizerPolicyTarget } from '@rpg/routing-policy';
import {
  NON_UPDATABLE_POLICY_TYPES,
  PolicyFieldError,
  isKnownPolicyType,
  requiredFieldsForReplacement,
  validateApinizerPolicy,
} from './validation/apinizer-policy-validator';

/**
 * Apinizer matches policy names case-insensitively (delete-policy.md), so a name that differs only in letter case names
 * the same policy: it is no rename, and the policy keeps the spelling stored in Apinizer.
 */
export function sameApinizerPolicyName(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/**
 * What can be decided from the request alone (no provider read), so it is refused before anything is stored: a rename
 * (Apinizer takes the name from the path and cannot rename), a type the Management API cannot update, and a
 * `replacePolicy: true` policy that is not complete. Paths are relative to the update (`changes.policy.name`).
 */
export function checkApinizerNameAndReplacement(target: ApinizerPolicyTarget, changes: ApinizerPolicyChangesDto): PolicyFieldError[] {
  const errors: PolicyFieldError[] = [];
  const policy = changes.policy;
  if (policy && 'name' in policy && policy.name !== undefined) {
    if (typeof policy.name !== 'string' || !sameApinizerPolicyName(policy.name, target.policyName)) {
      errors.push({
        path: 'changes.policy.name',
        message:
          `Apinizer cannot rename a policy (the name comes from the path): ` +
          `must equal target.policyName "${target.policyName}" (letter case aside) or be left out`,
      });
    }
  }
  const type = policy?.type;
  if (typeof type === 'string' && NON_UPDATABLE_POLICY_TYPES.has(type)) {
    errors.push({ path: 'changes.policy.type', message: `${type} cannot be updated through the Apinizer Management API` });
    return errors;
  }
  if (changes.replacePolicy !== true) return errors;

  if (!policy) {
    errors.push({ path: 'changes.policy', message: 'is required with replacePolicy: true (the complete policy, sent as it is)' });
    return errors;
  }
  if (typeof type !== 'string' || type === '') {
    errors.push({ path: 'changes.policy.type', message: 'is required with replacePolicy: true' });
    return errors;
  }
  if (!isKnownPolicyType(type)) {
    errors.push({ path: 'changes.policy.type', message: `${type} is not a documented Apinizer policy type: its required fields cannot be checked` });
    return errors;
  }
  const seen = new Set<string>();
  for (const e of validateApinizerPolicy(policy, 'changes.policy')) {
    seen.add(e.path);
    errors.push(e);
  }
  // fields one documented reading requires although another omits them (policy-script executionType): a policy written
  // from the request alone carries them
  for (const field of requiredFieldsForReplacement(type)) {
    const path = `changes.policy.${field}`;
    if ((policy[field] === undefined || policy[field] === null) && !seen.has(path)) {
      errors.push({ path, message: `is required for ${type} with replacePolicy: true` });
    }
  }
  return errors;
}
