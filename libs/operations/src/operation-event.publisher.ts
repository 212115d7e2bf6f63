import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import { Queue } from 'bullmq';
import { QUEUES, WebhookEventJob } from '@rpg/queues';
import { Operation } from '@rpg/routing-policy';

export const EVENT_TYPES = {
  operationCompleted: 'operation.completed',
  targetCompleted: 'operation.target.completed',
  test: 'webhook.test',
} as const;

/**
 * Emits operation events towards webhook fan-out. Event ids are derived from the operation and target, and used as
 * BullMQ job ids: emitting the same event again (a job that ran twice) is a no-op, and every retry of a delivery
 * carries the same `webhook-id`.
 */
@Injectable()
export class OperationEventPublisher {
  constructor(@InjectQueue(QUEUES.webhookEvents) private readonly queue: Queue<WebhookEventJob>) {}

  static targetEventId(operationId: string, index: number): string {
    return `evt_${operationId.slice(3)}_t${index}`;
  }
  static completedEventId(operationId: string): string {
    return `evt_${operationId.slice(3)}_done`;
  }

  async targetCompleted(operation: Operation, index: number): Promise<void> {
    const eventId = OperationEventPublisher.targetEventId(operation.id, index);
    const result = operation.results[index];
    await this.emit(eventId, EVENT_TYPES.targetCompleted, operation.id, { operationId: operation.id, reference: operation.reference, result });
  }

  async operationCompleted(operation: Operation): Promise<void> {
    await this.emit(OperationEventPublisher.completedEventId(operation.id), EVENT_TYPES.operationCompleted, operation.id, operation);
  }

  private async emit(eventId: string, type: string, operationId: string, data: unknown): Promise<void> {
    await this.queue.add(type, { eventId, type, timestamp: new Date().toISOString(), operationId, data }, { jobId: eventId, attempts: 10, backoff: { type: 'exponential', delay: 1000 } });
  }
}
