import {
  ApinizerPolicyChangesDto,
  ApinizerPolicyTarget,
  ApplyOutcome,
  ChangeFieldError,
  CurrentState,
  DriftField,
  ERROR_CODES,
  ProviderAdapter,
  ProviderError,
  ProviderPlan,
  OperationResult,
  ResultDetail,
  Target,
  TargetState,
  Update,
  driftFields,
} from '@rpg/routing-policy';
import { maskApinizerResult } from './apinizer-result-masking';
import { APINIZER_PROVIDER_FILLED_FIELDS, apinizerRevertChanges, stateBefore, stateOfListed, stateWritten } from './apinizer-policy-state';
import { checkApinizerNameAndReplacement } from './apinizer-changes.check';
import { ApinizerClient } from './apinizer.client';
import { ApinizerPolicyConfigStore } from './apinizer-policy-config.store';
import { ApinizerPolicyMerger, MergeBase, MergedApinizerPolicy, isFullPolicy } from './apinizer-policy.merger';
import type { AppliedPolicyConfig } from './apinizer-policy-config.store';
import type { LocatedPolicy } from './apinizer.types';
import { findMaskedValues, restoreMaskedSecrets } from './policy-secrets';
import { checkDeployment } from './deployment-result.parser';
import { locatePolicy } from './apinizer.reader';
import { findPolicy, listNamesEveryPolicy } from './list-policies.parser';

/** The plan's private context: the merged policy and the name it is stored under in Apinizer. */
interface ApinizerPlanContext extends MergedApinizerPolicy {
  policyName: string;
}

/** Apinizer API-proxy policies behind the unified adapter interface. */
export class ApinizerAdapter implements ProviderAdapter {
  private readonly merger = new ApinizerPolicyMerger();

  constructor(
    private readonly client: ApinizerClient,
    private readonly configs: ApinizerPolicyConfigStore,
  ) {}

  supports(target: Target): boolean {
    return target.provider === 'apinizer';
  }

  checkChanges(update: Update): ChangeFieldError[] {
    return checkApinizerNameAndReplacement(update.target as ApinizerPolicyTarget, (update.changes ?? {}) as ApinizerPolicyChangesDto);
  }

  async plan(update: Update): Promise<ProviderPlan> {
    const target = update.target as ApinizerPolicyTarget;
    const changes = update.changes as ApinizerPolicyChangesDto;
    // the accept-time checks again: an operation stored before they existed must not slip past them
    const refused = this.checkChanges(update);
    if (refused.length) {
      throw new ProviderError(ERROR_CODES.invalidChange, refused.map((e) => `${e.path} ${e.message}`).join('; '), { fieldErrors: refused });
    }
    const [proxy, lastApplied] = await Promise.all([this.client.listPolicies(target), this.configs.get(target)]);
    const located = findPolicy(proxy, target.policyName);
    // a list whose items all carry names is complete: a name missing from it does not exist (PUT cannot create). Items
    // without a name may be the policy: then it is merely unidentified (the merger needs last-applied or replacePolicy)
    if (!located && listNamesEveryPolicy(proxy)) {
      throw new ProviderError(
        ERROR_CODES.targetNotFound,
        `Apinizer policy ${target.policyName} does not exist in API proxy ${target.apiProxyName} of project ${target.projectName}`,
      );
    }
    const merged = withSecretsRestored(this.merger.merge(located, lastApplied, changes), located, lastApplied);
    // names match case-insensitively: write under the stored spelling
    const policyName = typeof located?.policy.name === 'string' ? located.policy.name : target.policyName;
    const context: ApinizerPlanContext = { ...merged, policyName };
    return {
      calls: [
        {
          method: 'PUT',
          path: ApinizerClient.policyPath({ ...target, policyName }),
          body: { operationMetadata: merged.operationMetadata, policy: merged.policy },
        },
      ],
      diff: merged.diff,
      context,
      detail: { apinizer: mergeBase(merged) },
      ...stateBefore(located, lastApplied),
    };
  }

  async currentState(target: Target): Promise<CurrentState> {
    const where = await locatePolicy(this.client, target as ApinizerPolicyTarget);
    if (where.found === false) return { found: false };
    if (where.found === 'unnamed') {
      return { found: 'unknown', reason: "Apinizer's policy list does not name its policies: the policy's current state cannot be read." };
    }
    const state = stateOfListed(where.located);
    return state ? { found: true, state } : { found: 'unknown', reason: 'Apinizer listed only a summary of this policy: its current settings cannot be read.' };
  }

  /** Read back where the list shows full policies; else what was written (the PUT replaced the whole policy). */
  async appliedState(update: Update, plan?: ProviderPlan): Promise<TargetState | undefined> {
    const current = await this.currentState(update.target).catch(() => undefined);
    if (current?.found === true) return current.state;
    const merged = plan?.context as ApinizerPlanContext | undefined;
    return merged && stateWritten(merged.policy, merged.operationMetadata, plan?.before);
  }

  driftDiff(applied: TargetState, current: TargetState): DriftField[] {
    return driftFields(applied, current, APINIZER_PROVIDER_FILLED_FIELDS);
  }

  maskSecrets(result: OperationResult): OperationResult {
    return maskApinizerResult(result);
  }

  revertChanges(_target: Target, before: TargetState, _current: TargetState | undefined, original: Update): Update['changes'] {
    return apinizerRevertChanges(before, original);
  }

  async apply(update: Update, plan: ProviderPlan): Promise<ApplyOutcome> {
    const target = update.target as ApinizerPolicyTarget;
    const merged = plan.context as ApinizerPlanContext;
    const meta = merged.operationMetadata;
    const result = await this.client.putPolicy({ ...target, policyName: merged.policyName }, meta, merged.policy);
    // the policy is saved even when a deployment failed: remember it as the last full config either way
    const { targetScope, targetEndpoint, targetEndpointHTTPMethod, targetPipeline } = meta;
    await this.configs.save(target, {
      policy: merged.policy,
      operationMetadata: { targetScope, targetEndpoint, targetEndpointHTTPMethod, targetPipeline },
      ...orderAfter(meta.order, plan.before),
      appliedAt: new Date().toISOString(),
    });
    const detail: ResultDetail = { apinizer: { status: result.status, deploymentResult: result.deploymentResult, ...mergeBase(merged) } };
    if (!meta.deploy) return { detail };
    const failure = checkDeployment(meta.deployTargetEnvironmentNameList, result.deploymentResult);
    if (failure) return { detail, failure: { ...failure, providerStatus: 200, providerBody: result.deploymentResult ?? result.body } };
    return { detail };
  }
}

/**
 * A policy sent back as the API showed it holds `********` where a credential was: those take the value the policy has
 * now (or had when this gateway last applied it). One without a known value is refused: it would become the password.
 */
function withSecretsRestored(
  merged: MergedApinizerPolicy,
  located: LocatedPolicy | undefined,
  lastApplied: AppliedPolicyConfig | undefined,
): MergedApinizerPolicy {
  if (findMaskedValues(merged.policy).length === 0) return merged;
  const base = located && isFullPolicy(located.policy) ? located.policy : lastApplied?.policy;
  const policy = restoreMaskedSecrets(merged.policy, base) as MergedApinizerPolicy['policy'];
  const left = findMaskedValues(policy);
  if (left.length) {
    const fieldErrors = left.map((path) => ({
      path: `changes.policy.${path}`,
      message: 'is the masked placeholder and no earlier value is known: send the credential itself',
    }));
    throw new ProviderError(ERROR_CODES.invalidChange, fieldErrors.map((e) => `${e.path} ${e.message}`).join('; '), { fieldErrors });
  }
  return { ...merged, policy };
}

/** The order a PUT leaves: the one sent, else (null keeps the position) the one known before. */
function orderAfter(sent: number | null, before: TargetState | undefined): { order?: number } {
  const order = sent ?? before?.order;
  return typeof order === 'number' ? { order } : {};
}

function mergeBase(merged: MergedApinizerPolicy): { mergedFrom: MergeBase; lastAppliedAt?: string } {
  return { mergedFrom: merged.mergedFrom, ...(merged.lastAppliedAt ? { lastAppliedAt: merged.lastAppliedAt } : {}) };
}
