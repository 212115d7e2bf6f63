import { ApinizerPolicyChangesDto, ApinizerPolicyTarget, ApplyOutcome, ERROR_CODES, ProviderAdapter, ProviderError, ProviderPlan, Target, Update } from '@rpg/routing-policy';
import { ApinizerClient } from './apinizer.client';
import { ApinizerPolicyConfigStore } from './apinizer-policy-config.store';
import { ApinizerPolicyMerger, MergedApinizerPolicy } from './apinizer-policy.merger';
import { parseDeploymentResult } from './deployment-result.parser';
import { findPolicy, locatePolicies } from './list-policies.parser';

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

  async plan(update: Update): Promise<ProviderPlan> {
    const target = update.target as ApinizerPolicyTarget;
    const changes = update.changes as ApinizerPolicyChangesDto;
    const [proxy, lastApplied] = await Promise.all([this.client.listPolicies(target), this.configs.get(target)]);
    const located = findPolicy(proxy, target.policyName);
    // a list whose items carry names is complete: a name missing from it does not exist (PUT cannot create)
    if (!located && locatePolicies(proxy).every((p) => typeof p.policy.name === 'string')) {
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
      calls: [{ method: 'PUT', path: ApinizerClient.policyPath({ ...target, policyName }), body: { operationMetadata: merged.operationMetadata, policy: merged.policy } }],
      diff: merged.diff,
      context,
    };
  }

  async apply(update: Update, plan: ProviderPlan): Promise<ApplyOutcome> {
    const target = update.target as ApinizerPolicyTarget;
    const merged = plan.context as ApinizerPlanContext;
    const result = await this.client.putPolicy({ ...target, policyName: merged.policyName }, merged.operationMetadata, merged.policy);
    // the policy is saved even when a deployment failed: remember it as the last full config either way
    const { targetScope, targetEndpoint, targetEndpointHTTPMethod, targetPipeline } = merged.operationMetadata;
    await this.configs.save(target, {
      policy: merged.policy,
      operationMetadata: { targetScope, targetEndpoint, targetEndpointHTTPMethod, targetPipeline },
      appliedAt: new Date().toISOString(),
    });
    const detail = { apinizer: { status: result.status, deploymentResult: result.deploymentResult } };
    const deployment = parseDeploymentResult(result.deploymentResult);
    if (merged.operationMetadata.deploy && !deployment.success) {
      const failed = deployment.environments.filter((e) => !e.success);
      const names = failed.length ? failed.map((e) => e.environment + (e.message ? ` (${e.message})` : '')).join(', ') : 'unknown environments';
      return {
        detail,
        failure: {
          code: ERROR_CODES.deploymentFailed,
          message: `The policy change was saved in Apinizer but not deployed everywhere: deployment failed in ${names}.`,
          providerStatus: 200,
          providerBody: result.deploymentResult,
        },
      };
    }
    return { detail };
  }
}
