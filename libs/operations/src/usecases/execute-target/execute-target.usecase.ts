import { Inject, Injectable, Logger } from '@nestjs/common';
import { ProviderAdapterRegistry } from '@rpg/providers';
import {
  ERROR_CODES,
  EXTERNAL_TASK_WATCHER,
  ExternalTaskWatcher,
  ProviderError,
  ResultDetail,
  TERMINAL_RESULT_STATUSES,
  Update,
} from '@rpg/routing-policy';
import { OperationStore } from '../../operation.store';
import { TargetCompletion } from '../../target-completion.service';
import { RecordTaskStateUseCase } from '../record-task-state/record-task-state.usecase';

export interface ExecuteTargetCommand {
  operationId: string;
  index: number;
  /** Whether BullMQ will run this job again if it throws now. */
  canRetry: boolean;
}

/**
 * Runs one target of an operation: plan (reads + merge), apply, then either finish the target or hand its Gcore tasks
 * to the watcher. Safe to run twice: every step checks the stored state first.
 */
@Injectable()
export class ExecuteTargetUseCase {
  private readonly logger = new Logger(ExecuteTargetUseCase.name);

  constructor(
    private readonly store: OperationStore,
    private readonly adapters: ProviderAdapterRegistry,
    private readonly completion: TargetCompletion,
    private readonly recordTask: RecordTaskStateUseCase,
    @Inject(EXTERNAL_TASK_WATCHER) private readonly watcher: ExternalTaskWatcher,
  ) {}

  async execute({ operationId, index, canRetry }: ExecuteTargetCommand): Promise<void> {
    const stored = await this.store.get(operationId);
    if (!stored) return; // expired or never stored: nothing to do
    const update = stored.updates[index];
    const result = stored.operation.results[index];
    if (TERMINAL_RESULT_STATUSES.has(result.status)) {
      // ran before and ended: repeat the idempotent follow-ups only
      await this.completion.followUp(operationId, index, (await this.store.laneHead(update)) ?? '');
      return;
    }
    const head = await this.store.laneHead(update);
    if (head !== `${operationId}#${index}`) {
      this.logger.warn({ operationId, index, head }, 'not at the head of its target lane; it starts when the earlier update ends');
      return;
    }
    if (result.status === 'RUNNING' && result.gcore?.taskIds?.length) {
      // the write happened; only the waiting was interrupted
      await this.waitForTasks(operationId, index, result.gcore.taskIds, update);
      return;
    }
    await this.store.transition(operationId, index, ['PENDING'], 'RUNNING', undefined);

    const adapter = this.adapters.forTarget(update.target);
    try {
      const plan = await adapter.plan(update);
      const outcome = await adapter.apply(update, plan);
      if (outcome.failure) {
        await this.completion.finish(stored, index, 'FAILED', { ...outcome.detail, error: outcome.failure });
        return;
      }
      const taskIds = outcome.waitForGcoreTasks ?? [];
      if (taskIds.length === 0) {
        await this.completion.finish(stored, index, 'SUCCEEDED', { ...outcome.detail, ...(outcome.detail.gcore ? { gcore: { taskIds: [] } } : {}) });
        return;
      }
      await this.store.transition(operationId, index, ['RUNNING'], 'RUNNING', { ...outcome.detail, gcore: { taskIds } });
      await this.waitForTasks(operationId, index, taskIds, update);
    } catch (error) {
      if (error instanceof ProviderError) {
        if (error.retryable && canRetry) throw error; // provider unreachable: BullMQ tries again later
        await this.completion.finish(stored, index, 'FAILED', { error: { ...error.toResultError(), ...(error.fieldErrors ? { errors: error.fieldErrors } : {}) } } as ResultDetail);
        return;
      }
      if (canRetry) throw error;
      this.logger.error({ err: error, operationId, index }, 'target failed unexpectedly');
      await this.completion.finish(stored, index, 'FAILED', { error: { code: ERROR_CODES.internalError, message: 'The gateway failed while applying this update.' } });
    }
  }

  private async waitForTasks(operationId: string, index: number, taskIds: string[], update: Update): Promise<void> {
    const scope = this.adapters.forTarget(update.target).taskScope?.(update.target);
    const settled = await this.watcher.watch(taskIds, { operationId, index }, scope);
    for (const s of settled) await this.recordTask.execute({ operationId, index }, s);
  }
}
