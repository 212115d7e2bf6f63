import {
  ApplyOutcome,
  CurrentState,
  DriftField,
  ERROR_CODES,
  GcoreL7PolicyChangesDto,
  GcoreL7PolicyTarget,
  GcoreLoadBalancerChangesDto,
  GcoreLoadBalancerTarget,
  ProviderAdapter,
  ProviderError,
  ProviderPlan,
  Target,
  TargetState,
  TaskScope,
  Update,
  driftFields,
} from '@rpg/routing-policy';
import { GcoreClient } from './gcore.client';
import { GcoreL7PolicyMerger, unifiedL7Policy } from './l7-policy.merger';
import { loadBalancerDiff, toLoadBalancerPatch, unifiedLoadBalancer } from './load-balancer.mapper';
import { l7PolicyRevertChanges, loadBalancerRevertChanges } from './gcore-revert';

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
      // always read: Gcore's PATCH needs action + its field (filled from here when omitted), and the state before the
      // write is what a revert restores
      const current = await this.client.getL7Policy(target);
      const { body, diff } = this.merger.merge(current, changes);
      // a locked policy is about to change: apply() reads it again once the lock is gone
      return {
        calls: [{ method: 'PATCH', path: GcoreClient.l7PolicyPath(target), body }],
        diff: options.withDiff ? diff : [],
        context: { readWhileLocked: Boolean(current.task_id) },
        before: unifiedL7Policy(current),
      };
    }
    const target = update.target as GcoreLoadBalancerTarget;
    const changes = update.changes as GcoreLoadBalancerChangesDto;
    const current = await this.client.getLoadBalancer(target);
    return {
      calls: [{ method: 'PATCH', path: GcoreClient.loadBalancerPath(target), body: toLoadBalancerPatch(changes) }],
      diff: options.withDiff ? loadBalancerDiff(current, changes) : [],
      before: unifiedLoadBalancer(current),
    };
  }

  async currentState(target: Target): Promise<CurrentState> {
    try {
      return { found: true, state: await this.read(target) };
    } catch (error) {
      if (error instanceof ProviderError && error.code === ERROR_CODES.targetNotFound) return { found: false };
      throw error;
    }
  }

  /** Read again once the tasks ended: what Gcore made of the change (e.g. positions renumbered), not what was sent. */
  async appliedState(update: Update): Promise<TargetState | undefined> {
    return this.read(update.target);
  }

  driftDiff(applied: TargetState, current: TargetState): DriftField[] {
    // the unified fields hold no provider-filled ones (statuses, task ids, timestamps and read-only tags are left out)
    return driftFields(applied, current);
  }

  revertChanges(target: Target, before: TargetState, current: TargetState | undefined): Update['changes'] {
    return target.kind === 'l7policy' ? l7PolicyRevertChanges(before) : loadBalancerRevertChanges(before, current);
  }

  private async read(target: Target): Promise<TargetState> {
    if (target.kind === 'l7policy') return unifiedL7Policy(await this.client.getL7Policy(target));
    return unifiedLoadBalancer(await this.client.getLoadBalancer(target as GcoreLoadBalancerTarget));
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
