import { ERROR_CODES, GcoreLoadBalancerTarget, ProviderError, ProviderReader, Target, TargetReading } from '@rpg/routing-policy';
import { GcoreClient } from './gcore.client';
import { unifiedL7Policy } from './l7-policy.merger';
import { unifiedLoadBalancer } from './load-balancer.mapper';

/** Current state of Gcore L7 policies and load balancers, in unified fields. */
export class GcoreReader implements ProviderReader {
  constructor(private readonly client: GcoreClient) {}

  supports(target: Target): boolean {
    return target.provider === 'gcore';
  }

  async read(target: Target): Promise<TargetReading> {
    try {
      if (target.kind === 'l7policy') {
        const policy = await this.client.getL7Policy(target);
        return {
          found: true,
          current: { ...unifiedL7Policy(policy), provisioningStatus: policy.provisioning_status ?? null, lockedByTask: policy.task_id ?? null },
          provider: policy,
        };
      }
      const lb = await this.client.getLoadBalancer(target as GcoreLoadBalancerTarget);
      return {
        found: true,
        current: { ...unifiedLoadBalancer(lb), provisioningStatus: lb.provisioning_status ?? null, lockedByTask: lb.task_id ?? null },
        provider: lb,
      };
    } catch (error) {
      if (error instanceof ProviderError && error.code === ERROR_CODES.targetNotFound) return { found: false };
      throw error;
    }
  }
}
