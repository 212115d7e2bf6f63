import {
  ApinizerPolicyChangesDto,
  ApinizerPolicyTarget,
  ApplyOutcome,
  ChangeFieldError,
  ERROR_CODES,
  ProviderAdapter,
  ProviderError,
  ProviderPlan,
  ResultDetail,
  Target,
  Update,
} from '@rpg/routing-policy';
import { checkApinizerNameAndReplacement } from './apinizer-changes.check';
import { ApinizerClient } from './apinizer.client';
import { ApinizerPolicyConfigStore } from './apinizer-policy-config.store';
import { ApinizerPolicyMerger, MergeBase, MergedApinizerPolicy } from './apinizer-policy.merger';
import { checkDeployment } from './deployment-result.parser';
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
    const merged = this.merger.merge(located, lastApplied, changes);
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
    };
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
      appliedAt: new Date().toISOString(),
    });
    const detail: ResultDetail = { apinizer: { status: result.status, deploymentResult: result.deploymentResult, ...mergeBase(merged) } };
    if (!meta.deploy) return { detail };
    const failure = checkDeployment(meta.deployTargetEnvironmentNameList, result.deploymentResult);
    if (failure) return { detail, failure: { ...failure, providerStatus: 200, providerBody: result.deploymentResult ?? result.body } };
    return { detail };
  }
}

function mergeBase(merged: MergedApinizerPolicy): { mergedFrom: MergeBase; lastAppliedAt?: string } {
  return { mergedFrom: merged.mergedFrom, ...(merged.lastAppliedAt ? { lastAppliedAt: merged.lastAppliedAt } : {}) };
}
