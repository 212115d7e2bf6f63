import { FieldError, ProblemException } from '@rpg/common';
import { ProviderAdapterRegistry } from '@rpg/providers';
import { Update, validateUpdateRequest } from '@rpg/routing-policy';

/** Why updates that send an earlier state back are refused, in one sentence (a revert's 422, a compensation's skip). */
export const REVERT_REFUSED = 'The state before the change cannot be sent back as an update';

/**
 * The field errors of updates that send an earlier state back, held to every rule an update is: the request's
 * validation, then each adapter's checks. Empty when they pass. Used by a revert (all or nothing: a 422) and by a
 * rollout's compensation (per target: that target is left as it is).
 */
export function revertUpdateErrors(adapters: ProviderAdapterRegistry, updates: Update[]): FieldError[] {
  try {
    validateUpdateRequest({ updates });
  } catch (error) {
    if (!(error instanceof ProblemException)) throw error;
    return error.errors ?? [];
  }
  return adapters.refusedChanges(updates);
}
