import { Injectable } from '@nestjs/common';
import { ProblemException } from '@rpg/common';
import { Operation, TERMINAL_OPERATION_STATUSES } from '@rpg/routing-policy';
import { OPERATION_ID_PATTERN } from '../../operation-id';
import { OperationStore } from '../../operation.store';
import { honouredWaitSeconds, WaitForOperationUseCase } from '../wait-for-operation/wait-for-operation.usecase';
import { GetOperationCommand } from './get-operation.command';

/**
 * An operation as the API shows it, or a 404 problem (an id that cannot be one is never looked up). With `waitSeconds`
 * it answers once the operation is terminal or the time is up (at most 60 s), whichever is first.
 */
@Injectable()
export class GetOperationUseCase {
  constructor(
    private readonly store: OperationStore,
    private readonly wait: WaitForOperationUseCase,
  ) {}

  async execute({ operationId, waitSeconds }: GetOperationCommand): Promise<Operation> {
    const stored = OPERATION_ID_PATTERN.test(operationId) ? await this.store.get(operationId) : null;
    if (!stored) throw ProblemException.notFound(`Operation ${operationId} does not exist (or has expired).`);
    const seconds = waitSeconds === undefined ? 0 : honouredWaitSeconds(waitSeconds);
    if (!seconds || TERMINAL_OPERATION_STATUSES.has(stored.operation.status)) return stored.operation;
    const waited = await this.wait.execute({ operationId, timeoutMs: seconds * 1000 });
    // expired while waiting: the last state read is still the truthful answer
    return waited.operation ?? stored.operation;
  }
}
