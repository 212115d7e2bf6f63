import { BeforeApplicationShutdown, Injectable } from '@nestjs/common';
import { Operation, TERMINAL_OPERATION_STATUSES } from '@rpg/routing-policy';
import { OperationStore } from '../../operation.store';
import { OperationUpdatesListener } from '../../operation-updates.listener';
import { WaitForOperationCommand } from './wait-for-operation.command';

/** The longest `Prefer: wait` honoured, in seconds (GET of an operation and the update route). */
export const MAX_PREFER_WAIT_S = 60;

/** The `Prefer: wait` actually honoured for a requested N. */
export const honouredWaitSeconds = (requested: number): number => Math.min(Math.max(0, requested), MAX_PREFER_WAIT_S);

/** Waits (without polling Redis in a loop) until the operation is terminal or the time is up; returns its latest state. */
@Injectable()
export class WaitForOperationUseCase implements BeforeApplicationShutdown {
  private closing = false;
  private readonly wakers = new Set<() => void>();

  constructor(
    private readonly store: OperationStore,
    private readonly updates: OperationUpdatesListener,
  ) {}

  /** Shutdown: every wait ends now with the current state (a Prefer: wait request gets its 202 instead of being cut off). */
  beforeApplicationShutdown(): void {
    this.closing = true;
    for (const wake of this.wakers) wake();
  }

  async execute({ operationId, timeoutMs }: WaitForOperationCommand): Promise<{ operation: Operation | null; finished: boolean }> {
    let resolveChange!: () => void;
    let changed = new Promise<void>((r) => (resolveChange = r));
    const stop = await this.updates.listen(operationId, () => resolveChange());
    const deadline = Date.now() + timeoutMs;
    let wake!: () => void;
    const closing = new Promise<void>((r) => (wake = r));
    this.wakers.add(wake);
    try {
      for (;;) {
        // read after subscribing: a change between the two cannot be missed
        const stored = await this.store.get(operationId);
        if (!stored) return { operation: null, finished: false };
        if (TERMINAL_OPERATION_STATUSES.has(stored.operation.status)) return { operation: stored.operation, finished: true };
        const remaining = deadline - Date.now();
        if (remaining <= 0 || this.closing) return { operation: stored.operation, finished: false };
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([changed, closing, new Promise<void>((r) => (timer = setTimeout(r, remaining)))]);
        clearTimeout(timer);
        changed = new Promise<void>((r) => (resolveChange = r));
      }
    } finally {
      this.wakers.delete(wake);
      await stop();
    }
  }
}
