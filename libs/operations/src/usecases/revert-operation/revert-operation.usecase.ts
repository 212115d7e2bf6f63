import { Injectable } from '@nestjs/common';
import { ProblemException } from '@rpg/common';
import { ProviderAdapterRegistry } from '@rpg/providers';
import { Operation, SkippedTarget, TERMINAL_OPERATION_STATUSES, Update, ValidatedUpdateRequest, targetKey } from '@rpg/routing-policy';
import { IdempotencyStore } from '../../idempotency.store';
import { IdempotentAcceptance } from '../../idempotent-acceptance';
import { OperationStore, StoredOperation } from '../../operation.store';
import { REVERT_REFUSED, revertUpdateErrors } from '../../revert-updates';
import { AcceptUpdateUseCase } from '../accept-update/accept-update.usecase';
import { DriftItem, GetDriftUseCase, TargetDrift, WRITTEN_THEN_FAILED } from '../get-drift/get-drift.usecase';
import { GetOperationUseCase } from '../get-operation/get-operation.usecase';
import { PlanUpdateUseCase } from '../plan-update/plan-update.usecase';
import { RevertOperationCommand } from './revert-operation.command';

export interface RevertOperationResult {
  status: 200 | 202;
  /** The revert (a new operation with `revertOf`), or its plan for a dry run (with `drift` per target). */
  operation: Operation & { drift?: DriftItem[] };
  callbackSecret?: string;
  replayed: boolean;
}

/** What a revert of an operation would do: the updates restoring `before`, and the targets it leaves alone. */
interface RevertPlan {
  request: ValidatedUpdateRequest;
  skipped: SkippedTarget[];
  drift: DriftItem[];
}

/**
 * POST /v1/operations/{id}/revert: a new operation that restores, on every target that SUCCEEDED, the state read just
 * before the write (`before`). Refused (409) while the operation runs, and when a target drifted since unless `force`
 * (each listed with its diff; nothing written). It is an update like any other: same lanes, same crash safety, and it
 * can itself be reverted.
 */
@Injectable()
export class RevertOperationUseCase {
  constructor(
    private readonly getOperation: GetOperationUseCase,
    private readonly store: OperationStore,
    private readonly drift: GetDriftUseCase,
    private readonly adapters: ProviderAdapterRegistry,
    private readonly accept: AcceptUpdateUseCase,
    private readonly plan: PlanUpdateUseCase,
    private readonly idempotently: IdempotentAcceptance,
  ) {}

  async execute(command: RevertOperationCommand): Promise<RevertOperationResult> {
    const { operationId, apiKeyName } = command;
    if (command.dryRun) {
      const prepared = await this.prepare(command, { allowDrift: true });
      const planned = await this.plan.execute({ request: { ...prepared.request, dryRun: true }, apiKeyName });
      return { status: 200, operation: { ...planned, revertOf: operationId, skipped: prepared.skipped, drift: prepared.drift }, replayed: false };
    }
    const acceptRevert = async () => {
      const prepared = await this.prepare(command, { allowDrift: command.force === true });
      return this.accept.execute({ request: prepared.request, apiKeyName, revertOf: operationId, skipped: prepared.skipped });
    };
    if (command.idempotencyKey === undefined) return { status: 202, ...(await acceptRevert()), replayed: false };
    // a replay answers the revert made the first time, before any drift check (which that revert itself would fail)
    const bodyHash = IdempotencyStore.bodyHash({
      revert: operationId,
      force: command.force ?? false,
      reference: command.reference,
      callbackUrl: command.callbackUrl,
    });
    const accepted = await this.idempotently.accept(apiKeyName, command.idempotencyKey, bodyHash, acceptRevert);
    return { status: 202, ...accepted };
  }

  private async prepare(command: RevertOperationCommand, options: { allowDrift: boolean }): Promise<RevertPlan> {
    await this.getOperation.execute({ operationId: command.operationId }); // 404 problem
    const stored = await this.store.get(command.operationId);
    if (!stored) throw ProblemException.notFound(`Operation ${command.operationId} does not exist (or has expired).`);
    if (!TERMINAL_OPERATION_STATUSES.has(stored.operation.status)) {
      throw new ProblemException({
        status: 409,
        slug: 'operation-not-terminal',
        detail: `Operation ${command.operationId} is ${stored.operation.status}: revert it once it has ended.`,
      });
    }
    const drifts = await this.drift.driftOf(stored.rawResults, stored.updates);
    const shown = drifts.map((d) => this.drift.shown(d, stored.rawResults[d.index]));
    const force = command.force === true;
    const skipped: SkippedTarget[] = [];
    const planned: { index: number; drift: TargetDrift }[] = [];
    // one revert per target: an operation may change a target more than once; the first `before` is the state it found
    const groups = new Map<string, number[]>();
    for (const d of drifts) {
      const key = targetKey(d.target);
      groups.set(key, [...(groups.get(key) ?? []), d.index]);
    }
    for (const indexes of groups.values()) {
      const restorable = indexes.filter((i) => this.skipReason(stored, drifts[i], force) === undefined);
      for (const i of indexes.filter((i) => !restorable.includes(i)))
        skipped.push({ index: i, target: drifts[i].target, reason: this.skipReason(stored, drifts[i], force)! });
      if (!restorable.length) continue;
      planned.push({ index: restorable[0], drift: drifts[restorable[restorable.length - 1]] });
      for (const i of restorable.slice(1)) {
        skipped.push({
          index: i,
          target: drifts[i].target,
          reason: `The same target as index ${restorable[0]}: restored once, to its state before this operation.`,
        });
      }
    }
    const conflicts = await this.conflicts(stored, planned);
    if (conflicts.length && !options.allowDrift) {
      throw new ProblemException({
        status: 409,
        slug: 'targets-drifted',
        detail:
          `${conflicts.length} target(s) changed since operation ${command.operationId}, or cannot be checked, or have a later update queued: ` +
          'nothing was written. Send force: true to overwrite them.',
        extra: { items: conflicts.map((c) => ({ ...shown[c.index], ...(c.reason ? { reason: c.reason } : {}) })) },
      });
    }
    const updates: Update[] = planned.map(({ index, drift }) => {
      const update = stored.updates[index];
      const before = stored.rawResults[index].before!;
      const changes = this.adapters
        .forTarget(update.target)
        .revertChanges(update.target, before, drift.current ?? stored.rawResults[drift.index].applied, update);
      return { target: update.target, changes } as Update;
    });
    if (updates.length === 0) {
      throw new ProblemException({
        status: 409,
        slug: 'nothing-to-revert',
        detail: `No target of operation ${command.operationId} can be reverted.`,
        extra: { skipped },
      });
    }
    return { request: this.checked(updates, command), skipped, drift: shown };
  }

  /**
   * The revert as a request, held to every rule an update is (validation and each adapter's checks): an earlier state
   * the API cannot express as a change is a 422 naming the fields, before anything is stored.
   */
  private checked(updates: Update[], command: RevertOperationCommand): ValidatedUpdateRequest {
    const errors = revertUpdateErrors(this.adapters, updates);
    if (errors.length) throw ProblemException.unprocessable(errors.slice(0, 100), `${REVERT_REFUSED}.`);
    return { updates, dryRun: false, reference: command.reference, callbackUrl: command.callbackUrl };
  }

  /**
   * What a revert must not overwrite without `force`: a target that drifted since, one whose state could not be read
   * (ERROR: drift unknowable), and one with a later update queued or running in its lane (it would be undone silently).
   */
  private async conflicts(stored: StoredOperation, planned: { index: number; drift: TargetDrift }[]): Promise<{ index: number; reason?: string }[]> {
    const out: { index: number; reason?: string }[] = [];
    for (const { index, drift } of planned) {
      if (drift.state === 'DRIFTED' || drift.state === 'ERROR') {
        out.push({ index: drift.index });
        continue;
      }
      const queued = await this.store.laneEntries(stored.updates[index]);
      if (queued.length) out.push({ index: drift.index, reason: `A later update of this target is queued or running (${queued.join(', ')}).` });
    }
    return out;
  }

  /** Why a target is left alone, or undefined when its `before` is restored. */
  private skipReason(stored: StoredOperation, drift: TargetDrift, force: boolean): string | undefined {
    const result = stored.rawResults[drift.index];
    if (result.compensation?.status === 'SUCCEEDED') {
      return `Already restored to its state before this operation by the rollout's compensation (${result.compensation.operationId}).`;
    }
    if (result.status === 'FAILED' && WRITTEN_THEN_FAILED.has(result.error?.code ?? '')) {
      if (!result.before) return result.beforeUnavailable ?? 'The state before the change was not recorded.';
      if (!force) return `The target failed with ${result.error?.code}, but its change may have been written: send force: true to restore its state before.`;
      return undefined;
    }
    if (result.status !== 'SUCCEEDED') return `The target did not succeed (${result.status}): nothing of the change was applied.`;
    if (!result.before) return result.beforeUnavailable ?? 'The state before the change was not recorded.';
    if (drift.state === 'NOT_FOUND') return 'The target no longer exists at the provider.';
    return undefined;
  }
}
