import { ApinizerPolicyTarget, ERROR_CODES, ProviderError, ProviderReader, Target, TargetReading } from '@rpg/routing-policy';
import { ApinizerClient } from './apinizer.client';
import { findPolicy, listNamesEveryPolicy } from './list-policies.parser';

/** Current state of an Apinizer policy (from List Policies), in unified fields. */
export class ApinizerReader implements ProviderReader {
  constructor(private readonly client: ApinizerClient) {}

  supports(target: Target): boolean {
    return target.provider === 'apinizer';
  }

  async read(target: Target): Promise<TargetReading> {
    const t = target as ApinizerPolicyTarget;
    let proxy: Record<string, unknown>;
    try {
      proxy = await this.client.listPolicies(t);
    } catch (error) {
      if (error instanceof ProviderError && error.code === ERROR_CODES.targetNotFound) return { found: false };
      throw error;
    }
    const located = findPolicy(proxy, t.policyName);
    if (!located && !listNamesEveryPolicy(proxy)) {
      // summary items without names: the policy may well exist, the list just cannot tell
      throw new ProviderError(
        ERROR_CODES.currentConfigUnknown,
        `Apinizer's policy list of ${t.apiProxyName} does not name its policies: whether ${t.policyName} exists cannot be read`,
        { providerStatus: 200 },
      );
    }
    if (!located) return { found: false };
    const { name: _name, ...policy } = located.policy;
    return {
      found: true,
      current: {
        targetScope: located.scope,
        targetPipeline: located.pipeline,
        targetEndpoint: located.endpoint ?? null,
        targetEndpointHTTPMethod: located.method ?? null,
        order: located.index + 1,
        policy,
      },
      provider: located.policy,
    };
  }
}
