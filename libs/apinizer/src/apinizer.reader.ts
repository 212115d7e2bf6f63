import { ApinizerPolicyTarget, ERROR_CODES, ProviderError, ProviderReader, Target, TargetReading } from '@rpg/routing-policy';
import { ApinizerClient } from './apinizer.client';
import type { LocatedPolicy } from './apinizer.types';
import { maskPolicySecrets } from './policy-secrets';
import { findPolicy, listNamesEveryPolicy } from './list-policies.parser';

/** Where a policy stands in the proxy's List Policies answer: found, absent, or not identifiable (summaries without names). */
export type PolicyLocation = { found: true; located: LocatedPolicy } | { found: false } | { found: 'unnamed' };

/** Reads the proxy's policy list and finds the target's policy in it (a 404 of the proxy or project: absent). */
export async function locatePolicy(client: ApinizerClient, target: ApinizerPolicyTarget): Promise<PolicyLocation> {
  let proxy: Record<string, unknown>;
  try {
    proxy = await client.listPolicies(target);
  } catch (error) {
    if (error instanceof ProviderError && error.code === ERROR_CODES.targetNotFound) return { found: false };
    throw error;
  }
  const located = findPolicy(proxy, target.policyName);
  if (located) return { found: true, located };
  // a list whose items all carry names is complete; items without names may well hold the policy
  return listNamesEveryPolicy(proxy) ? { found: false } : { found: 'unnamed' };
}

/** Current state of an Apinizer policy (from List Policies), in unified fields. */
export class ApinizerReader implements ProviderReader {
  constructor(private readonly client: ApinizerClient) {}

  supports(target: Target): boolean {
    return target.provider === 'apinizer';
  }

  async read(target: Target): Promise<TargetReading> {
    const t = target as ApinizerPolicyTarget;
    const where = await locatePolicy(this.client, t);
    if (where.found === 'unnamed') {
      throw new ProviderError(
        ERROR_CODES.currentConfigUnknown,
        `Apinizer's policy list of ${t.apiProxyName} does not name its policies: whether ${t.policyName} exists cannot be read`,
        { providerStatus: 200 },
      );
    }
    if (!where.found) return { found: false };
    const { located } = where;
    const { name: _name, ...policy } = located.policy;
    return {
      found: true,
      current: {
        targetScope: located.scope,
        targetPipeline: located.pipeline,
        targetEndpoint: located.endpoint ?? null,
        targetEndpointHTTPMethod: located.method ?? null,
        order: located.index + 1,
        // credentials stay hidden here as in every answer (lookup is open to any policies.read key)
        policy: maskPolicySecrets(policy),
      },
      provider: maskPolicySecrets(located.policy),
    };
  }
}
