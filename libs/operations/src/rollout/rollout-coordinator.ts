import { Injectable, Logger } from '@nestjs/common';
import { ServiceMetrics } from '@rpg/observability';
import { JobProducer } from '@rpg/queues';
import {
  Compensation,
  ERROR_CODES,
  OperationResult,
  RolloutStatus,
  TERMINAL_OPERATION_STATUSES,
  TARGET_REF_SEPARATOR,
  TERMINAL_RESULT_STATUSES,
} from '@rpg/routing-policy';
import { LaneStarter } from '../lane-starter';
import { OperationEventPublisher } from '../operation-event.publisher';
import { newSortableId } from '../operation-id';
import { OperationStore, StoredOperation } from '../operation.store';
import { AcceptUpdateUseCase } from '../usecases/accept-update/accept-update.usecase';
import { CompensationPlanner } from './compensation-planner';
import { PAUSE_CLOCK_TOLERANCE_MS } from './rollout-scripts';
import { RolloutStore } from './rollout.store';

/** The compensation id of a rollout that changed nothing it could restore. */
const NOTHING_TO_RESTORE = '-';

/**
 * Drives staged rollouts from what is stored: starts the next batch when the current one ended (after its pause),
 * cancels the unstarted targets of a halted rollout, and runs a failed `revert` rollout's compensation to its end.
 * `reconcile` is idempotent and reads everything it decides on, so any caller may run it any number of times: the end of
 * each target, the pause timer, and the maintenance sweep (which repairs what a crash between two steps left).
 */
@Injectable()
export class RolloutCoordinator {
  private readonly logger = new Logger(RolloutCoordinator.name);

  constructor(
    private readonly store: OperationStore,
    private readonly rollouts: RolloutStore,
    private readonly planner: CompensationPlanner,
    private readonly events: OperationEventPublisher,
    private readonly jobs: JobProducer,
    private readonly lanes: LaneStarter,
    private readonly accept: AcceptUpdateUseCase,
    private readonly metrics: ServiceMetrics,
  ) {}

  /** `repair`: also enqueue what a crash may have lost (the sweep); the end of a target needs only the next step. */
  async reconcile(operationId: string, options: { repair?: boolean; stored?: StoredOperation | null } = {}): Promise<void> {
    const stored = options.stored !== undefined ? options.stored : await this.store.get(operationId);
    if (!stored) {
      await this.rollouts.forget(operationId);
      return;
    }
    const rollout = stored.operation.rollout;
    if (!rollout) return;
    if (TERMINAL_OPERATION_STATUSES.has(stored.operation.status)) {
      // the end's events again (fixed ids: a no-op when they went out), in case a crash came between the end and them
      if (options.repair || rollout.state === 'ROLLED_BACK' || rollout.state === 'ROLLBACK_FAILED') await this.events.targetsCompleted(stored, [], true);
      await this.rollouts.forget(operationId);
      return;
    }
    switch (rollout.state) {
      case 'RUNNING':
      case 'PAUSED':
        return this.continueBatches(stored, rollout, options.repair === true);
      case 'HALTED':
        return this.halt(stored, rollout);
      case 'COMPENSATING':
        return this.compensate(stored);
    }
  }

  /** A pause timer fired: the next batch starts if the pause has passed; else the ms left (the timer waits again). */
  async resume(operationId: string): Promise<number> {
    const stored = await this.store.get(operationId);
    const resumesAt = stored?.operation.rollout?.state === 'PAUSED' ? Date.parse(stored.operation.rollout.resumesAt ?? '') : NaN;
    const dueInMs = resumesAt - Date.now();
    // fired early (this worker's clock behind the one that paused): wait the rest instead of leaving it to the sweep
    if (dueInMs > PAUSE_CLOCK_TOLERANCE_MS) return dueInMs;
    await this.reconcile(operationId, { repair: true, stored });
    return 0;
  }

  /** A C (restoring operation) target ended: bring its rollout's compensation up to date. */
  async compensationProgressed(compensation: StoredOperation): Promise<void> {
    const of = compensation.meta.compensates;
    if (of) await this.reconcile(of.operationId);
  }

  private async continueBatches(stored: StoredOperation, rollout: RolloutStatus, repair: boolean): Promise<void> {
    const id = stored.operation.id;
    const batch = rollout.batches[rollout.current];
    if (batch.some((i) => !TERMINAL_RESULT_STATUSES.has(stored.rawResults[i].status))) {
      if (repair) await this.lanes.startHeadsOf(stored, batch);
      return;
    }
    if (rollout.current >= rollout.batches.length - 1) return; // the last batch: its last target ended the operation
    const pauseMs = rollout.pauseSeconds * 1000;
    if (pauseMs > 0) {
      if (rollout.state === 'RUNNING') {
        const now = Date.now();
        const resumesAtMs = now + pauseMs;
        if (await this.rollouts.pause(id, rollout.current, resumesAtMs, now)) {
          this.logger.log({ operationId: id, batch: rollout.current, resumesAt: new Date(resumesAtMs).toISOString() }, 'rollout paused between batches');
        }
        await this.jobs.enqueueRolloutResume(id, rollout.current + 1, pauseMs);
        return;
      }
      const dueInMs = Date.parse(rollout.resumesAt ?? '') - Date.now();
      if (dueInMs > PAUSE_CLOCK_TOLERANCE_MS) {
        await this.jobs.enqueueRolloutResume(id, rollout.current + 1, dueInMs); // the timer again, in case it was lost
        return;
      }
    }
    const next = rollout.batches[rollout.current + 1];
    const { advanced, heads } = await this.rollouts.advance(stored, rollout.current, next);
    if (advanced) this.logger.log({ operationId: id, batch: rollout.current + 1, targets: next.length }, 'rollout batch started');
    await this.jobs.enqueueProviderCalls(id, heads, stored.meta.traceparent);
  }

  /** A target failed: the unstarted ones are cancelled; to revert, once every target ended the compensation begins. */
  private async halt(stored: StoredOperation, rollout: RolloutStatus): Promise<void> {
    const id = stored.operation.id;
    const pending = stored.rawResults.filter((r) => r.status === 'PENDING').map((r) => r.index);
    let current = stored;
    if (pending.length) {
      const failed = stored.rawResults.find((r) => r.status === 'FAILED');
      const outcome = await this.rollouts.cancelPending(stored, pending, {
        error: {
          code: ERROR_CODES.cancelledByRollout,
          message: `The rollout halted (onFailure: ${rollout.onFailure}) after target index ${failed?.index ?? '?'} failed: this target was not started.`,
        },
      });
      for (const head of outcome.nextLaneHeads) await this.lanes.start(head);
      if (outcome.cancelled.length) {
        this.logger.warn({ operationId: id, cancelled: outcome.cancelled.length, failedIndex: failed?.index }, 'rollout halted: unstarted targets cancelled');
      }
      if (outcome.operationTerminalNow) this.ended(id, outcome.operationStatus);
      current = (await this.store.get(id)) ?? stored;
    }
    const cancelled = current.rawResults.filter((r) => r.status === 'CANCELLED').map((r) => r.index);
    // again every time (idempotent): a crash after the cancel and before the starts above must not block those lanes
    for (const index of cancelled) {
      const head = await this.store.laneHead(current.updates[index]);
      if (head && !head.startsWith(`${id}${TARGET_REF_SEPARATOR}`)) await this.lanes.start(head);
    }
    // the cancelled targets' events (fixed ids: sent once however often this runs)
    if (cancelled.length) await this.events.targetsCompleted(current, cancelled, TERMINAL_OPERATION_STATUSES.has(current.operation.status));
    if (TERMINAL_OPERATION_STATUSES.has(current.operation.status)) {
      await this.rollouts.forget(id);
      return;
    }
    if (rollout.onFailure === 'revert' && current.rawResults.every((r) => TERMINAL_RESULT_STATUSES.has(r.status))) await this.beginCompensation(current);
  }

  /** Plans the restore and records it (once); then the restoring operation runs like any other, in lane order. */
  private async beginCompensation(stored: StoredOperation): Promise<void> {
    const id = stored.operation.id;
    const { record, compensations } = await this.planner.plan(stored);
    const compensationId = record.updates.length ? newSortableId('op_', Date.now()) : NOTHING_TO_RESTORE;
    for (const [index, c] of compensations) if (c.status === 'PENDING') compensations.set(index, { ...c, operationId: compensationId });
    const began = await this.rollouts.beginCompensation(id, compensationId, record, compensations);
    if (!began.compensationId) return;
    if (began.began) {
      this.logger.warn({ operationId: id, compensationId: began.compensationId, restoring: record.updates.length }, 'rollout compensation began');
    }
    const fresh = await this.store.get(id);
    if (fresh) await this.compensate(fresh);
  }

  /** Creates the restoring operation when missing, copies its results' progress here, and ends the rollout with it. */
  private async compensate(stored: StoredOperation): Promise<void> {
    const id = stored.operation.id;
    const compensationId = stored.compensationOperationId;
    if (!compensationId) return;
    // the targets skipped at planning ended their compensation at once: their events
    const skipped = stored.operation.results.filter((r) => r.compensation?.status === 'SKIPPED' && !r.compensation.operationId).map((r) => r.index);
    if (skipped.length) await this.events.targetsCompleted(stored, skipped, false, 'compensation');
    if (compensationId === NOTHING_TO_RESTORE) return this.finish(stored);
    const restoring = (await this.store.get(compensationId)) ?? (await this.createRestoringOperation(stored, compensationId));
    if (!restoring) return;
    const progress = new Map<number, Compensation>();
    for (const [j, indexes] of (restoring.meta.compensates?.indexes ?? []).entries()) {
      const compensation = compensationOf(restoring.rawResults[j], compensationId);
      for (const index of indexes) progress.set(index, compensation);
    }
    const changed = await this.rollouts.setCompensations(id, progress);
    let current = stored;
    if (changed.length) {
      current = (await this.store.get(id)) ?? stored;
      const ended = changed.filter((i) => current.operation.results[i].compensation?.status !== 'PENDING');
      if (ended.length) await this.events.targetsCompleted(current, ended, false, 'compensation');
    }
    // read again: a concurrent caller may have recorded what this one found already recorded (changed is then empty)
    if (TERMINAL_OPERATION_STATUSES.has(restoring.operation.status)) await this.finish((await this.store.get(id)) ?? current);
  }

  /** The restoring operation as recorded when the compensation began (again after a crash before it was stored). */
  private async createRestoringOperation(stored: StoredOperation, compensationId: string): Promise<StoredOperation | null> {
    const plan = await this.rollouts.compensationPlan(stored.operation.id);
    if (!plan) return null;
    try {
      await this.accept.execute({
        request: { updates: plan.updates, dryRun: false, ...(stored.operation.reference !== null ? { reference: stored.operation.reference } : {}) },
        apiKeyName: stored.meta.apiKeyName,
        revertOf: stored.operation.id,
        skipped: [],
        id: compensationId,
        compensates: { operationId: stored.operation.id, indexes: plan.indexes },
        guards: plan.guards,
      });
    } catch (error) {
      // created meanwhile by another worker (the create script refuses an existing id): read it
      if (!(error instanceof Error && error.message.includes('EXISTS'))) throw error;
    }
    return this.store.get(compensationId);
  }

  /** ROLLED_BACK when every target the rollout changed is restored, else ROLLBACK_FAILED naming the others. */
  private async finish(stored: StoredOperation): Promise<void> {
    const id = stored.operation.id;
    const notRestored = stored.operation.results
      .filter((r) => r.compensation && r.compensation.status !== 'SUCCEEDED')
      .map((r) => ({ index: r.index, reason: r.compensation?.reason ?? r.compensation?.error?.message ?? `Its compensation is ${r.compensation?.status}.` }));
    const status = notRestored.length ? 'ROLLBACK_FAILED' : 'ROLLED_BACK';
    if (await this.rollouts.finishRollback(id, status, notRestored)) this.ended(id, status);
    const fresh = await this.store.get(id);
    if (fresh && TERMINAL_OPERATION_STATUSES.has(fresh.operation.status)) await this.events.targetsCompleted(fresh, [], true);
    await this.rollouts.forget(id);
  }

  private ended(operationId: string, status: string): void {
    this.metrics.operationsCompleted.inc({ status });
    this.logger.log({ operationId, status }, 'operation ended');
  }
}

/** A restoring operation's result as the compensation of the targets it restores. */
function compensationOf(result: OperationResult | undefined, operationId: string): Compensation {
  switch (result?.status) {
    case 'SUCCEEDED':
      return { status: 'SUCCEEDED', operationId };
    case 'FAILED':
      return { status: 'FAILED', operationId, ...(result.error ? { error: result.error } : {}) };
    case 'CANCELLED':
      return { status: 'SKIPPED', operationId, reason: result.error?.message ?? 'Left as it is.' };
    default:
      return { status: 'PENDING', operationId };
  }
}
