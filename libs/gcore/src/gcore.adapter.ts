import {
  ApplyOutcome,
  GcoreL7PolicyChangesDto,
  GcoreL7PolicyTarget,
  GcoreLoadBalancerChangesDto,
  GcoreLoadBalancerTarget,
  ProviderAdapter,
  ProviderPlan,
  Target,
  TaskScope,
  Update,
} from '@rpg/routing-policy';
import { GcoreClient } from './gcore.client';
import { GcoreL7PolicyMerger } from './l7-policy.merger';
import { loadBalancerDiff, toLoadBalancerPatch } from './load-balancer.mapper';

/** Gcore L7 policies and load balancers behind the unified adapter interface. */
export class GcoreAdapter implements ProviderAdapter {
  private readonly merger = new GcoreL7PolicyMerger();

  constructor(private readonly client: GcoreClient) {}

  supports(target: Target): boolean {
    return target.provider === 'gcore';
  }

  async plan(update: Update, options: { withDiff?: boolean } = {}): Promise<ProviderPlan> {
    if (update.target.kind === 'l7policy') {
      const target = update.target;
      const changes = update.changes as GcoreL7PolicyChangesDto;
      // Gcore's PATCH needs action + its field: read the policy unless the caller sent both (a dry run always reads, for the diff)
      const needsRead = options.withDiff || this.echoesCurrent(changes);
      const current = needsRead ? await this.client.getL7Policy(target) : undefined;
      const { body, diff } = this.merger.merge(current, changes);
      // a locked policy is about to change: apply() reads it again once the lock is gone
      return { calls: [{ method: 'PATCH', path: GcoreClient.l7PolicyPath(target), body }], diff, context: { readWhileLocked: Boolean(current?.task_id) } };
    }
    const target = update.target as GcoreLoadBalancerTarget;
    const changes = update.changes as GcoreLoadBalancerChangesDto;
    const diff = options.withDiff ? loadBalancerDiff(await this.client.getLoadBalancer(target), changes) : [];
    return { calls: [{ method: 'PATCH', path: GcoreClient.loadBalancerPath(target), body: toLoadBalancerPatch(changes) }], diff };
  }

  async apply(update: Update, plan: ProviderPlan): Promise<ApplyOutcome> {
    const body = plan.calls[0].body;
    if (update.target.kind === 'l7policy') {
      const target = update.target;
      const changes = update.changes as GcoreL7PolicyChangesDto;
      // a body that echoes the current action/field is rebuilt from a fresh read after a lock wait (never re-sent stale)
      const rebuild = this.echoesCurrent(changes)
        ? async () => {
            const fresh = await this.client.getL7Policy(target);
            return fresh.task_id ? null : this.merger.merge(fresh, changes).body;
          }
        : undefined;
      const readWhileLocked = Boolean((plan.context as { readWhileLocked?: boolean } | undefined)?.readWhileLocked);
      // `tasks: []` (a PATCH that changes nothing) ends the target at once, with nothing to poll
      const taskIds = await this.client.patchL7Policy(target, body, { rebuild, readWhileLocked });
      return { detail: { gcore: { taskIds } }, waitForGcoreTasks: taskIds };
    }
    const target = update.target as GcoreLoadBalancerTarget;
    // v1 PATCH answers the load balancer at once; a non-null task_id (or a v2-style task list) is polled to the end
    const { taskIds } = await this.client.patchLoadBalancer(target, body);
    return { detail: { gcore: { taskIds } }, waitForGcoreTasks: taskIds };
  }

  taskScope(target: Target): TaskScope {
    const { projectId, regionId } = target as GcoreL7PolicyTarget | GcoreLoadBalancerTarget;
    return { projectId, regionId };
  }

  /** Whether the PATCH body takes action or its field from the current policy (so it must be read). */
  private echoesCurrent(changes: GcoreL7PolicyChangesDto): boolean {
    return !changes.action || (changes.action !== 'REJECT' && !this.hasActionField(changes));
  }

  private hasActionField(changes: GcoreL7PolicyChangesDto): boolean {
    return changes.redirectUrl !== undefined || changes.redirectPrefix !== undefined || changes.redirectPoolId !== undefined;
  }
}
