import { Injectable } from '@nestjs/common';
import { ProblemException } from '@rpg/common';
import { Operation } from '@rpg/routing-policy';
import { OperationStore, decodeOperationCursor } from '../../operation.store';
import { ListOperationsCommand } from './list-operations.command';

const DEFAULT_PAGE_SIZE = 50;

/** One page of operations, newest first, from the Redis indexes; a cursor this API did not hand out is a 400 problem. */
@Injectable()
export class ListOperationsUseCase {
  constructor(private readonly store: OperationStore) {}

  async execute({ status, reference, limit, cursor }: ListOperationsCommand): Promise<{ items: Operation[]; nextCursor: string | null }> {
    if (cursor !== undefined && !decodeOperationCursor(cursor)) {
      throw ProblemException.validation([{ path: 'cursor', message: 'is not a cursor from this API (send nextCursor of the previous page as it is)' }]);
    }
    return this.store.page({ status, reference, limit: limit ?? DEFAULT_PAGE_SIZE, cursor });
  }
}
