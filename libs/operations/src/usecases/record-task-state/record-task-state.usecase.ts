import { Injectable } from '@nestjs/common';
import { ProviderAdapterRegistry } from '@rpg/providers';
import { GcoreTaskState, ResultDetail, ResultError, TERMINAL_RESULT_STATUSES, TaskWaiter } from '@rpg/routing-policy';
import { keptBefore } from '../../result-before';
import { OperationStore, StoredOperation } from '../../operation.store';
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
    if (ENDED.has(settled.task.state) && (await this.endedWithLastTask(waiter, settled))) return;
    const tasks = await this.store.setTaskState(operationId, index, settled.task);
    if (tasks.length === 0 || !tasks.every((t) => t && ENDED.has(t.state))) return;
    await this.endTarget(waiter, endFailure(tasks as GcoreTaskState[], settled));
  }

  /**
   * The target's last open task ended (the stored record shows every other one ended): the task's state is recorded
   * with the target's end, in one step; false (nothing done) when the record says otherwise.
   */
  private async endedWithLastTask(waiter: TaskWaiter, settled: RecordTaskStateCommand['settled']): Promise<boolean> {
    const stored = await this.store.get(waiter.operationId);
    const result = stored?.rawResults[waiter.index];
    if (!stored || !result?.gcore || TERMINAL_RESULT_STATUSES.has(result.status)) return false;
    const { taskIds, tasks: known = [] } = result.gcore;
    const tasks = taskIds.map((id) => (id === settled.task.id ? settled.task : known.find((t) => t.id === id)));
    if (!taskIds.includes(settled.task.id) || !tasks.every((t) => t && ENDED.has(t.state))) return false;
    await this.endTarget(waiter, endFailure(tasks as GcoreTaskState[], settled), stored, settled.task);
    return true;
  }

  private async endTarget(waiter: TaskWaiter, failure: ResultError | undefined, known?: StoredOperation, lastTask?: GcoreTaskState): Promise<void> {
    const stored = known ?? (await this.store.get(waiter.operationId));
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
    await this.completion.finish(stored, waiter.index, failure ? 'FAILED' : 'SUCCEEDED', detail, lastTask);
  }
}

/** How a target whose tasks all ended ends: none in ERROR → undefined (SUCCEEDED); else the first failure, in taskIds order. */
function endFailure(tasks: readonly GcoreTaskState[], settled: RecordTaskStateCommand['settled']): ResultError | undefined {
  const failed = tasks.find((t) => t.state === 'ERROR');
  if (!failed) return undefined;
  if (settled.task.id === failed.id && settled.failure) return settled.failure;
  return { code: 'TASK_FAILED', message: `Gcore task ${failed.id} ended in ERROR: ${failed.error ?? 'no error text'}`, providerBody: failed };
}
