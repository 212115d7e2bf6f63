import { ApinizerPolicyChangesDto, ApinizerPolicyTarget, ApplyOutcome, ERROR_CODES, ProviderAdapter, ProviderPlan, Target, Update } from '@rpg/routing-policy';
import { ApinizerClient } from './apinizer.client';
import { ApinizerPolicyConfigStore } from './apinizer-policy-config.store';
import { ApinizerPolicyMerger, MergedApinizerPolicy } from './apinizer-policy.merger';
import { parseDeploymentResult } from './deployment-result.parser';
import { findPolicy } from './list-policies.parser';

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
    const merged = this.merger.merge(located, lastApplied, changes);
    return {
      calls: [{ method: 'PUT', path: ApinizerClient.policyPath(target), body: { operationMetadata: merged.operationMetadata, policy: merged.policy } }],
      diff: merged.diff,
      context: merged,
    };
  }

  async apply(update: Update, plan: ProviderPlan): Promise<ApplyOutcome> {
    const target = update.target as ApinizerPolicyTarget;
    const merged = plan.context as MergedApinizerPolicy;
    const result = await this.client.putPolicy(target, merged.operationMetadata, merged.policy);
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
