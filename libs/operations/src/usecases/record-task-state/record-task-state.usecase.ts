import { Injectable } from '@nestjs/common';
import { ProviderAdapterRegistry } from '@rpg/providers';
import { ResultDetail, ResultError, TERMINAL_RESULT_STATUSES, TaskWaiter } from '@rpg/routing-policy';
import { keptBefore } from '../../result-before';
import { OperationStore } from '../../operation.store';
import { TargetCompletion } from '../../target-completion.service';
import { RecordTaskStateCommand } from './record-task-state.command';

const ENDED: ReadonlySet<string> = new Set(['FINISHED', 'ERROR']);

/**
 * Records a task state on a waiting target. When every task of the target has ended, the target ends: SUCCEEDED when
 * all FINISHED, otherwise FAILED with the first failure (the task's error text, or TASK_TIMEOUT).
 */
@Injectable()
export class RecordTaskStateUseCase {
  constructor(
    private readonly store: OperationStore,
    private readonly completion: TargetCompletion,
    private readonly adapters: ProviderAdapterRegistry,
  ) {}

  async execute({ waiter, settled }: RecordTaskStateCommand): Promise<void> {
    const { operationId, index } = waiter;
    if (settled.failure && !ENDED.has(settled.task.state)) {
      // timed out: the task itself never ended, the target does
      await this.endTarget(waiter, settled.failure);
      return;
    }
    const tasks = await this.store.setTaskState(operationId, index, settled.task);
    if (tasks.length === 0 || !tasks.every((t) => t && ENDED.has(t.state))) return;
    const failed = tasks.find((t) => t!.state === 'ERROR');
    await this.endTarget(
      waiter,
      failed
        ? settled.task.id === failed.id && settled.failure
          ? settled.failure
          : { code: 'TASK_FAILED', message: `Gcore task ${failed.id} ended in ERROR: ${failed.error ?? 'no error text'}`, providerBody: failed }
        : undefined,
    );
  }

  private async endTarget(waiter: TaskWaiter, failure: ResultError | undefined): Promise<void> {
    const stored = await this.store.get(waiter.operationId);
    if (!stored) return;
    const result = stored.rawResults[waiter.index];
    if (TERMINAL_RESULT_STATUSES.has(result.status)) {
      // told again (the task job ran twice after a crash): repeat the idempotent follow-ups (events, next lane entry),
      // which a crash right after the transition would otherwise lose
      await this.completion.followUp(waiter.operationId, waiter.index, (await this.store.laneHead(stored.updates[waiter.index])) ?? '');
      return;
    }
    const update = stored.updates[waiter.index];
    // the tasks ended: read the target again for the state the change left (a failed read leaves `applied` out)
    const applied = failure
      ? undefined
      : await this.adapters
          .forTarget(update.target)
          .appliedState(update)
          .catch(() => undefined);
    const detail: ResultDetail = {
      ...keptBefore(result),
      gcore: { taskIds: result.gcore?.taskIds ?? [] },
      ...(failure ? { error: failure } : {}),
      ...(applied ? { applied } : {}),
    };
    await this.completion.finish(stored, waiter.index, failure ? 'FAILED' : 'SUCCEEDED', detail);
  }
}
