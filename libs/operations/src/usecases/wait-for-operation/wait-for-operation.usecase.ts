import { Injectable } from '@nestjs/common';
import { Operation, TERMINAL_OPERATION_STATUSES } from '@rpg/routing-policy';
import { OperationStore } from '../../operation.store';
import { OperationUpdatesListener } from '../../operation-updates.listener';

/** Waits (without polling Redis in a loop) until the operation is terminal or the time is up; returns its latest state. */
@Injectable()
export class WaitForOperationUseCase {
  constructor(
    private readonly store: OperationStore,
    private readonly updates: OperationUpdatesListener,
  ) {}

  async execute(operationId: string, timeoutMs: number): Promise<{ operation: Operation | null; finished: boolean }> {
    let resolveChange!: () => void;
    let changed = new Promise<void>((r) => (resolveChange = r));
    const stop = await this.updates.listen(operationId, () => resolveChange());
    const deadline = Date.now() + timeoutMs;
    try {
      for (;;) {
        // read after subscribing: a change between the two cannot be missed
        const stored = await this.store.get(operationId);
        if (!stored) return { operation: null, finished: false };
        if (TERMINAL_OPERATION_STATUSES.has(stored.operation.status)) return { operation: stored.operation, finished: true };
        const remaining = deadline - Date.now();
        if (remaining <= 0) return { operation: stored.operation, finished: false };
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([changed, new Promise<void>((r) => (timer = setTimeout(r, remaining)))]);
        clearTimeout(timer);
        changed = new Promise<void>((r) => (resolveChange = r));
      }
    } finally {
      await stop();
    }
  }
}
