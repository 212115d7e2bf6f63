import { Injectable } from '@nestjs/common';
import { Operation, TERMINAL_OPERATION_STATUSES } from '@rpg/routing-policy';
import { OperationStore } from './operation.store';
import { OperationUpdatesListener } from './operation-updates.listener';

/** The event every feed sends: the operation's new state. */
export const OPERATION_UPDATED_EVENT = 'operation.updated';

/** Where a feed writes: a Server-Sent Events stream in the gateway. */
export interface OperationFeedSink {
  readonly isClosed: boolean;
  send(id: string | number, event: typeof OPERATION_UPDATED_EVENT, operation: Operation): void;
  end(): Promise<void>;
  onClose(cleanup: () => void | Promise<void>): void;
}

/** How far back the list feed replays on a reconnect: the newest operations of the filter, this many at most. */
export const LIST_FEED_RESUME_WINDOW = 200;

/**
 * The live feeds of operations: one operation's changes until its terminal state (event id = its change counter), or
 * every operation's changes for list views (event id = the change's time in ms, which a reconnect resumes from).
 * Both subscribe before they read, so a change in between is not missed.
 */
@Injectable()
export class OperationFeed {
  constructor(
    private readonly store: OperationStore,
    private readonly updates: OperationUpdatesListener,
  ) {}

  /**
   * Whether a reconnect to this operation's feed has nothing more to get: it saw the terminal state (Last-Event-ID at
   * or past the terminal change). The gateway answers 204 then, which makes EventSource stop reconnecting.
   */
  async isFinishedFor(operationId: string, lastEventId: number | undefined): Promise<boolean> {
    if (lastEventId === undefined) return false;
    const stored = await this.store.get(operationId);
    return !!stored && TERMINAL_OPERATION_STATUSES.has(stored.operation.status) && lastEventId >= stored.seq;
  }

  /** Sends the operation's state (unless `lastEventId` already has it), then every change; ends the sink after the terminal state. */
  async followOne(operationId: string, sink: OperationFeedSink, lastEventId = 0): Promise<void> {
    let lastSeq = lastEventId;
    let busy = Promise.resolve();
    const refresh = () => {
      busy = busy.then(async () => {
        if (sink.isClosed) return;
        const stored = await this.store.get(operationId).catch(() => null);
        if (!stored) return sink.end();
        if (stored.seq > lastSeq) {
          lastSeq = stored.seq;
          sink.send(stored.seq, OPERATION_UPDATED_EVENT, stored.operation);
        }
        if (TERMINAL_OPERATION_STATUSES.has(stored.operation.status)) await sink.end();
      });
    };
    await this.subscribe(sink, () => this.updates.listen(operationId, refresh), refresh);
  }

  /**
   * Every change of any operation (of one status, of one reference, when given: the list's filters), as the operation's
   * new state. A reconnect passing the time of the last event it got (`sinceMs`) first gets the operations of the resume
   * window changed since then.
   */
  async followAll(sink: OperationFeedSink, filter: { status?: string; reference?: string }, sinceMs?: number): Promise<void> {
    let busy = Promise.resolve();
    const emit = (operation: Operation) => {
      if (filter.status && operation.status !== filter.status) return;
      if (filter.reference !== undefined && operation.reference !== filter.reference) return;
      sink.send(Date.parse(operation.updatedAt), OPERATION_UPDATED_EVENT, operation);
    };
    const onChange = (operationId: string) => {
      busy = busy.then(async () => {
        if (sink.isClosed) return;
        const stored = await this.store.get(operationId).catch(() => null);
        if (stored) emit(stored.operation);
      });
    };
    const replay = () => {
      if (sinceMs === undefined) return;
      busy = busy.then(async () => {
        const page = await this.store
          .page({ status: filter.status, reference: filter.reference, limit: LIST_FEED_RESUME_WINDOW })
          .catch(() => ({ items: [] as Operation[] }));
        for (const operation of page.items.reverse()) if (Date.parse(operation.updatedAt) > sinceMs) emit(operation);
      });
    };
    await this.subscribe(sink, () => this.updates.listenAll(onChange), replay);
  }

  /** Subscribes, then runs `first` (the initial read): registered for the sink's end before the (awaited) subscription. */
  private async subscribe(sink: OperationFeedSink, listen: () => Promise<() => Promise<void>>, first: () => void): Promise<void> {
    let stop: (() => Promise<void>) | undefined;
    sink.onClose(() => stop?.());
    try {
      stop = await listen();
    } catch {
      return sink.end();
    }
    if (sink.isClosed) return void (await stop());
    first();
  }
}
