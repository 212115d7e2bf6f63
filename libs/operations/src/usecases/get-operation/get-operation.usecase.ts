import { Injectable } from '@nestjs/common';
import { ProblemException } from '@rpg/common';
import { Operation } from '@rpg/routing-policy';
import { OPERATION_ID_PATTERN } from '../../operation-id';
import { OperationStore } from '../../operation.store';
import { GetOperationCommand } from './get-operation.command';

/** An operation as the API shows it, or a 404 problem (an id that cannot be one is never looked up). */
@Injectable()
export class GetOperationUseCase {
  constructor(private readonly store: OperationStore) {}

  async execute({ operationId }: GetOperationCommand): Promise<Operation> {
    const stored = OPERATION_ID_PATTERN.test(operationId) ? await this.store.get(operationId) : null;
    if (!stored) throw ProblemException.notFound(`Operation ${operationId} does not exist (or has expired).`);
    return stored.operation;
  }
}
