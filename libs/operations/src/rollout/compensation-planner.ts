import { Injectable } from '@nestjs/common';
import { ProviderAdapterRegistry } from '@rpg/providers';
import { Compensation, OperationResult, Update, targetKey } from '@rpg/routing-policy';
import { OperationStore, StoredOperation } from '../operation.store';
import { REVERT_REFUSED, revertUpdateErrors } from '../revert-updates';
import { WRITTEN_THEN_FAILED } from '../usecases/get-drift/get-drift.usecase';
import { CompensationPlanRecord } from './rollout.store';

export interface CompensationPlan {
  record: CompensationPlanRecord;
  /** Every target the rollout changed (or may have): PENDING where it is restored, SKIPPED (with why) where it is not. */
  compensations: Map<number, Compensation>;
}

/**
 * What a failed rollout with onFailure `revert` restores: each target it changed (SUCCEEDED, or failed after the provider
 * took the write) back to `before`, once per target. Guarded: the restoring write happens only while the target is still
 * in the state this rollout left (checked just before the write), and a target with a later update queued is left to
 * it. No provider call here: what the target looks like now is read by the restoring operation, in lane order.
 */
@Injectable()
export class CompensationPlanner {
  constructor(
    private readonly store: OperationStore,
    private readonly adapters: ProviderAdapterRegistry,
  ) {}

  async plan(stored: StoredOperation): Promise<CompensationPlan> {
    const compensations = new Map<number, Compensation>();
    const record: CompensationPlanRecord = { updates: [], indexes: [], guards: [] };
    const groups = new Map<string, OperationResult[]>();
    for (const result of stored.rawResults) {
      if (!changedByOperation(result)) continue;
      const key = targetKey(result.target);
      groups.set(key, [...(groups.get(key) ?? []), result]);
    }
    for (const group of groups.values()) {
      const indexes = group.map((r) => r.index);
      const skip = (reason: string) => indexes.forEach((i) => compensations.set(i, { status: 'SKIPPED', reason }));
      // the first change found the state before this operation; the last one left the state to compare with (none when
      // the last write failed after the provider took it: what it left is not known, so nothing to compare with)
      const first = group[0];
      const lastWrite = group[group.length - 1];
      const last = lastWrite.status === 'SUCCEEDED' ? lastWrite : undefined;
      if (!first.before) {
        skip(first.beforeUnavailable ?? 'The state before the change was not recorded: nothing to restore it from.');
        continue;
      }
      const queued = await this.store.laneEntries(stored.updates[first.index]);
      if (queued.length) {
        skip(`A later update of this target is queued or running (${queued.join(', ')}): left to it, not overwritten.`);
        continue;
      }
      const original = stored.updates[first.index];
      const changes = this.adapters.forTarget(original.target).revertChanges(original.target, first.before, last?.applied, original);
      const update = { target: original.target, changes } as Update;
      const refused = this.refused(update);
      if (refused) {
        skip(refused);
        continue;
      }
      record.updates.push(update);
      record.indexes.push(indexes);
      record.guards.push(last?.applied ?? null);
      indexes.forEach((i) => compensations.set(i, { status: 'PENDING' }));
    }
    return { record, compensations };
  }

  /** Why the state before cannot be sent back as an update (the rules every update is held to), or undefined. */
  private refused(update: Update): string | undefined {
    const errors = revertUpdateErrors(this.adapters, [update]);
    return errors.length ? `${REVERT_REFUSED}: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}` : undefined;
  }
}

/** A result whose target this operation changed, or may have (the provider took the write, then something failed). */
export function changedByOperation(result: OperationResult): boolean {
  return result.status === 'SUCCEEDED' || (result.status === 'FAILED' && WRITTEN_THEN_FAILED.has(result.error?.code ?? ''));
}
