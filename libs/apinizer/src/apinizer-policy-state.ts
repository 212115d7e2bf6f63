import { ApinizerPolicyChangesDto, TargetState, Update } from '@rpg/routing-policy';
import type { AppliedPolicyConfig } from './apinizer-policy-config.store';
import { isFullPolicy } from './apinizer-policy.merger';
import type { ApinizerOperationMetadata, ApinizerPolicy, LocatedPolicy } from './apinizer.types';
import { MASKED_VALUE, isMaskedValue, maskPolicySecrets, restoreMaskedSecrets } from './policy-secrets';

/**
 * Fields Apinizer may fill or change by itself (ids, audit stamps, versions): never drift. The references name none of
 * them; these are the usual names of such fields, kept out so a console edit of nothing does not read as drift.
 */
export const APINIZER_PROVIDER_FILLED_FIELDS: ReadonlySet<string> = new Set([
  'id',
  '_id',
  'createdDate',
  'createdAt',
  'createdBy',
  'updatedDate',
  'updatedAt',
  'updatedBy',
  'lastModifiedDate',
  'lastUpdateDate',
  'modifiedBy',
  'version',
]);

/** The unified state of a policy: the full policy (without its name: the target names it) and its place in the proxy. */
function state(
  policy: ApinizerPolicy,
  place: Omit<ApinizerOperationMetadata, 'deploy' | 'deployTargetEnvironmentNameList' | 'order'>,
  order: number | null,
): TargetState {
  const { name: _name, ...rest } = policy;
  return {
    targetScope: place.targetScope,
    targetPipeline: place.targetPipeline,
    targetEndpoint: place.targetEndpoint ?? null,
    targetEndpointHTTPMethod: place.targetEndpointHTTPMethod ?? null,
    order,
    policy: rest,
  };
}

/** A listed policy's state, when the list shows it fully (a summary is not a state: its settings are unknown). */
export function stateOfListed(located: LocatedPolicy): TargetState | undefined {
  if (!isFullPolicy(located.policy)) return undefined;
  return state(
    located.policy,
    { targetScope: located.scope, targetPipeline: located.pipeline, targetEndpoint: located.endpoint, targetEndpointHTTPMethod: located.method },
    located.index + 1,
  );
}

/**
 * The state before a write: the full listed policy, else the last config this gateway applied (same type), else none
 * (with the reason, shown as `beforeUnavailable`).
 */
export function stateBefore(
  located: LocatedPolicy | undefined,
  lastApplied: AppliedPolicyConfig | undefined,
): { before?: TargetState; beforeUnavailable?: string } {
  const listed = located && stateOfListed(located);
  if (listed) {
    // Apinizer clears credentials in list answers: those slots take the value this gateway last applied (same type)
    const applied = lastApplied?.policy.type === located?.policy.type ? lastApplied?.policy : undefined;
    return { before: applied ? { ...listed, policy: withBlankCredentialsFilled(listed.policy, applied) } : listed };
  }
  if (lastApplied && (!located || lastApplied.policy.type === located.policy.type)) {
    return { before: state(lastApplied.policy, lastApplied.operationMetadata, located ? located.index + 1 : (lastApplied.order ?? null)) };
  }
  return {
    beforeUnavailable:
      'Apinizer listed only a summary of this policy and this gateway has applied no full config to it yet: its full state before the change is unknown.',
  };
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `listed` with a placeholder wherever `known` (masked) holds a credential and `listed` holds nothing. */
function placeholdersForBlanks(listed: unknown, maskedKnown: unknown): unknown {
  if (isMaskedValue(maskedKnown) && (listed === null || listed === undefined || listed === '')) return MASKED_VALUE;
  if (Array.isArray(listed) && Array.isArray(maskedKnown)) return listed.map((item, i) => placeholdersForBlanks(item, maskedKnown[i]));
  if (isObj(listed) && isObj(maskedKnown)) {
    const out: Record<string, unknown> = { ...listed };
    for (const key of Object.keys(maskedKnown))
      if (key in listed || isMaskedValue(maskedKnown[key])) out[key] = placeholdersForBlanks(listed[key], maskedKnown[key]);
    return out;
  }
  return listed;
}

/** The listed policy with its blanked credential slots filled from a config known to hold them. */
function withBlankCredentialsFilled(listed: unknown, known: ApinizerPolicy): unknown {
  return restoreMaskedSecrets(placeholdersForBlanks(listed, maskPolicySecrets(known)), known);
}

/** The state a PUT left, as sent (used where the list cannot show it back fully). */
export function stateWritten(policy: ApinizerPolicy, meta: ApinizerOperationMetadata, before: TargetState | undefined): TargetState {
  return state(policy, meta, meta.order ?? (before?.order as number | null | undefined) ?? null);
}

/**
 * The changes that put `before` back: the complete earlier policy (`replacePolicy`) at its earlier place and order,
 * deployed to the environments the original change deployed to.
 */
export function apinizerRevertChanges(before: TargetState, original: Update): ApinizerPolicyChangesDto {
  const asked = original.changes as ApinizerPolicyChangesDto;
  const endpoint = before.targetScope === 'ENDPOINT';
  return {
    replacePolicy: true,
    policy: before.policy as Record<string, unknown>,
    targetScope: before.targetScope as ApinizerPolicyChangesDto['targetScope'],
    targetPipeline: before.targetPipeline as ApinizerPolicyChangesDto['targetPipeline'],
    ...(endpoint ? { targetEndpoint: before.targetEndpoint as string, targetEndpointHTTPMethod: before.targetEndpointHTTPMethod as string } : {}),
    ...(typeof before.order === 'number' ? { order: before.order } : {}),
    ...(asked.deploy ? { deploy: true, deployTargetEnvironmentNameList: asked.deployTargetEnvironmentNameList } : {}),
  };
}
