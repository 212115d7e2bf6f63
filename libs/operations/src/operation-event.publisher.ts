import { Injectable } from '@nestjs/common';
import { EventEnvelope, JobProducer } from '@rpg/queues';
import { Operation } from '@rpg/routing-policy';
import type { StoredOperation } from './operation.store';

export const EVENT_TYPES = {
  operationCompleted: 'operation.completed',
  targetCompleted: 'operation.target.completed',
  test: 'webhook.test',
} as const;

/**
 * Where operation events go: the webhook fan-out, which creates their deliveries (idempotent per event id). The events
 * are those of one operation; `callbackUrl` is its callbackUrl when known (null: none), undefined when the sink is to read it.
 */
export interface OperationEventSink {
  publish(events: EventEnvelope[], callbackUrl?: string | null): Promise<void>;
}

/** The operation events are about: as stored (its callbackUrl known: nothing to read again) or as shown. */
export type EventOperation = Operation | Pick<StoredOperation, 'operation' | 'meta'>;

/**
 * Emits operation events towards webhook fan-out, in the completion step itself (no job in between). Event ids are
 * derived from the operation and target, and the fan-out creates each event's deliveries once: emitting the same event
 * again (a step that ran twice) is a no-op, and every retry of a delivery carries the same `webhook-id`.
 */
@Injectable()
export class OperationEventPublisher {
  private sink?: OperationEventSink;

  constructor(private readonly jobs: JobProducer) {}

  /**
   * The fan-out hands itself in when its module starts (it depends on this library: it cannot be injected here).
   * Without one (a process without the webhooks module), events go out as webhook-events jobs, for a worker to fan out.
   */
  useSink(sink: OperationEventSink): void {
    this.sink = sink;
  }

  static targetEventId(operationId: string, index: number): string {
    return `evt_${operationId.slice(3)}_t${index}`;
  }
  /** A target's second completion event: its compensation ended (a rollout with onFailure revert). */
  static compensationEventId(operationId: string, index: number): string {
    return `evt_${operationId.slice(3)}_t${index}_c`;
  }
  static completedEventId(operationId: string): string {
    return `evt_${operationId.slice(3)}_done`;
  }

  /**
   * A target ended (and, when `operationEnded`, its operation too): target event first. The operation's end also
   * carries the target events of every other target, and the compensation event of every target whose compensation
   * ended (same event ids, so fan-out creates each delivery once): targets that end together are followed up
   * concurrently, and this is what keeps every `operation.target.completed` ahead of `operation.completed` in each
   * endpoint's lane.
   */
  async targetCompleted(operation: EventOperation, index: number, operationEnded: boolean): Promise<void> {
    await this.targetsCompleted(operation, [index], operationEnded);
  }

  /** Several targets ended at once (a halted rollout cancelled them): their events in one step, in index order. */
  async targetsCompleted(subject: EventOperation, indexes: number[], operationEnded: boolean, kind: 'target' | 'compensation' = 'target'): Promise<void> {
    const operation = 'meta' in subject ? subject.operation : subject;
    const callbackUrl = 'meta' in subject ? (subject.meta.callbackUrl ?? null) : undefined;
    const now = new Date().toISOString();
    const event = (i: number, of: 'target' | 'compensation'): EventEnvelope => ({
      eventId: of === 'target' ? OperationEventPublisher.targetEventId(operation.id, i) : OperationEventPublisher.compensationEventId(operation.id, i),
      type: EVENT_TYPES.targetCompleted,
      timestamp: now,
      operationId: operation.id,
      data: { operationId: operation.id, reference: operation.reference, result: operation.results[i] },
    });
    if (!operationEnded)
      return this.emit(
        indexes.map((i) => event(i, kind)),
        false,
        callbackUrl,
      );
    const events: EventEnvelope[] = indexes.length ? [event(indexes[0], kind)] : [];
    for (const result of operation.results) {
      if (kind !== 'target' || result.index !== indexes[0]) events.push(event(result.index, 'target'));
    }
    for (const result of operation.results) {
      if (ENDED_COMPENSATIONS.has(result.compensation?.status ?? '') && (kind !== 'compensation' || result.index !== indexes[0]))
        events.push(event(result.index, 'compensation'));
    }
    events.push({
      eventId: OperationEventPublisher.completedEventId(operation.id),
      type: EVENT_TYPES.operationCompleted,
      timestamp: now,
      operationId: operation.id,
      data: operation,
    });
    await this.emit(events, true, callbackUrl);
  }

  private async emit(events: EventEnvelope[], operationEnded: boolean, callbackUrl: string | null | undefined): Promise<void> {
    if (!events.length) return;
    if (this.sink) return this.sink.publish(events, callbackUrl);
    if (operationEnded) return this.jobs.enqueueOperationEvents(events, true);
    for (const e of events) await this.jobs.enqueueOperationEvents([e], false);
  }
}

/** Compensations that ended: each has its own `operation.target.completed`. */
const ENDED_COMPENSATIONS: ReadonlySet<string> = new Set(['SUCCEEDED', 'FAILED', 'SKIPPED']);
