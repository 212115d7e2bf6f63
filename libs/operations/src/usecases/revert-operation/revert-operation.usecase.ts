import { Injectable } from '@nestjs/common';
import { ProblemException } from '@rpg/common';
import { ProviderAdapterRegistry } from '@rpg/providers';
import { Operation, SkippedTarget, TERMINAL_OPERATION_STATUSES, Update, ValidatedUpdateRequest, validateUpdateRequest } from '@rpg/routing-policy';
import { IdempotencyStore } from '../../idempotency.store';
import { IdempotentAcceptance } from '../../idempotent-acceptance';
import { OperationStore, StoredOperation } from '../../operation.store';
import { AcceptUpdateUseCase } from '../accept-update/accept-update.usecase';
import { DriftItem, GetDriftUseCase, TargetDrift } from '../get-drift/get-drift.usecase';
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
    const drifted = drifts.filter((d) => d.state === 'DRIFTED' && this.revertible(stored, d));
    if (drifted.length && !options.allowDrift) {
      throw new ProblemException({
        status: 409,
        slug: 'targets-drifted',
        detail: `${drifted.length} target(s) changed since operation ${command.operationId}: nothing was written. Send force: true to overwrite those changes.`,
        extra: { items: drifted.map((d) => shown[d.index]) },
      });
    }
    const skipped: SkippedTarget[] = [];
    const updates: Update[] = [];
    for (const d of drifts) {
      const reason = this.skipReason(stored, d);
      if (reason) {
        skipped.push({ index: d.index, target: d.target, reason });
        continue;
      }
      const update = stored.updates[d.index];
      const before = stored.rawResults[d.index].before!;
      const changes = this.adapters.forTarget(update.target).revertChanges(update.target, before, d.current ?? stored.rawResults[d.index].applied, update);
      updates.push({ target: update.target, changes } as Update);
    }
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
    let request: ValidatedUpdateRequest;
    try {
      request = validateUpdateRequest({ updates });
    } catch (error) {
      if (!(error instanceof ProblemException)) throw error;
      throw ProblemException.unprocessable(error.errors ?? [], 'The state before the change cannot be sent back as an update.');
    }
    const refused = request.updates.flatMap((update, i) =>
      (this.adapters.forTarget(update.target).checkChanges?.(update) ?? []).map((e) => ({ path: `updates[${i}].${e.path}`, message: e.message })),
    );
    if (refused.length) throw ProblemException.unprocessable(refused, 'The state before the change cannot be sent back as an update.');
    return { ...request, reference: command.reference, callbackUrl: command.callbackUrl };
  }

  private revertible(stored: StoredOperation, drift: TargetDrift): boolean {
    return this.skipReason(stored, drift) === undefined;
  }

  /** Why a target is left alone, or undefined when its `before` is restored. */
  private skipReason(stored: StoredOperation, drift: TargetDrift): string | undefined {
    const result = stored.rawResults[drift.index];
    if (result.status !== 'SUCCEEDED') return `The target did not succeed (${result.status}): nothing of the change was applied.`;
    if (!result.before) return result.beforeUnavailable ?? 'The state before the change was not recorded.';
    if (drift.state === 'NOT_FOUND') return 'The target no longer exists at the provider.';
    return undefined;
  }
}
