import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import { context } from '@opentelemetry/api';
import type { Queue } from 'bullmq';
import { contextOf, jobTelemetryOf, tracingEnabled } from '@rpg/tracing';
import {
  EventEnvelope,
  JobSpec,
  MAINTENANCE_SCHEDULE,
  MaintenanceJob,
  ProviderCallJob,
  RolloutJob,
  WebhookDeliveryJob,
  WebhookEventJob,
  jobSpecs,
} from './job-contracts';
import { QUEUES, QueueName } from './queues';

/**
 * The one way jobs enter the queues: a method per job kind, its id, options and payload taken from jobSpecs. Adding a
 * job whose id exists is a no-op, so every method is safe to repeat (recovery and coalescing rely on it).
 */
@Injectable()
export class JobProducer {
  private readonly queues: Record<QueueName, Queue>;

  constructor(
    @InjectQueue(QUEUES.providerCalls) providerCalls: Queue<ProviderCallJob>,
    @InjectQueue(QUEUES.gcoreTasks) gcoreTasks: Queue,
    @InjectQueue(QUEUES.webhookEvents) webhookEvents: Queue<WebhookEventJob>,
    @InjectQueue(QUEUES.webhookDeliveries) webhookDeliveries: Queue<WebhookDeliveryJob>,
    @InjectQueue(QUEUES.maintenance) private readonly maintenance: Queue<MaintenanceJob>,
    @InjectQueue(QUEUES.rollouts) rollouts: Queue<RolloutJob>,
  ) {
    this.queues = {
      [QUEUES.providerCalls]: providerCalls,
      [QUEUES.gcoreTasks]: gcoreTasks,
      [QUEUES.webhookEvents]: webhookEvents,
      [QUEUES.webhookDeliveries]: webhookDeliveries,
      [QUEUES.maintenance]: maintenance,
      [QUEUES.rollouts]: rollouts,
    } as Record<QueueName, Queue>;
  }

  /**
   * The provider calls of targets of one operation (the next lane entry, a rollout batch, recovery). With tracing on they
   * join that operation's trace (`traceparent`, stored with it at accept), never the trace of whatever step adds them
   * (the end of an earlier update of the same target, say); an operation without one starts its own.
   */
  async enqueueProviderCalls(operationId: string, indexes: number[], traceparent?: string): Promise<void> {
    const specs = indexes.map((index) => jobSpecs.providerCall(operationId, index));
    if (!tracingEnabled()) return this.addAll(specs);
    const telemetry = jobTelemetryOf(traceparent);
    await context.with(contextOf(traceparent), () => this.addAll(telemetry ? specs.map((spec) => ({ ...spec, opts: { ...spec.opts, telemetry } })) : specs));
  }

  /**
   * The provider calls of several operations' targets at once (the dispatcher's batch): one addBulk. With tracing on,
   * each job carries its operation's trace context (`traceparent`, stored with the operation at accept).
   */
  async enqueueProviderCallsOf(calls: { operationId: string; indexes: number[]; traceparent?: string }[]): Promise<void> {
    if (!tracingEnabled()) {
      await this.addAll(calls.flatMap(({ operationId, indexes }) => indexes.map((index) => jobSpecs.providerCall(operationId, index))));
      return;
    }
    const specs = calls.flatMap(({ operationId, indexes, traceparent }) => {
      const telemetry = jobTelemetryOf(traceparent);
      return indexes.map((index) => {
        const spec = jobSpecs.providerCall(operationId, index);
        return telemetry ? { ...spec, opts: { ...spec.opts, telemetry } } : spec;
      });
    });
    // every job of one trace (one operation, the usual batch): the add itself is a span of that trace too
    const traces = new Set(calls.map((c) => c.traceparent));
    const only = traces.size === 1 ? [...traces][0] : undefined;
    if (only) await context.with(contextOf(only), () => this.addAll(specs));
    else await this.addAll(specs);
  }

  /** The start of a rollout's batch `batch` once its pause ends (a no-op while that timer exists). */
  async enqueueRolloutResume(operationId: string, batch: number, delayMs: number): Promise<void> {
    await this.addAll([jobSpecs.rolloutResume(operationId, batch, delayMs)]);
  }

  /** Operation events towards webhook fan-out, in order, in one job (a process without a fan-out: see OperationEventPublisher). */
  async enqueueOperationEvents(events: EventEnvelope[], operationEnded: boolean): Promise<void> {
    await this.addAll([jobSpecs.operationEvents(events, operationEnded)]);
  }

  /** Runs of lanes (or of deliveries without a lane) from these deliveries on. */
  async enqueueWebhookDeliveries(deliveryIds: string[]): Promise<void> {
    await this.addAll(deliveryIds.map((id) => jobSpecs.webhookDelivery(id)));
  }

  /** A delivery's retry, due after `delayMs` (`attemptsMade`: the attempts it made so far); the run of its lane goes on from it. */
  async enqueueWebhookDeliveryRetry(deliveryId: string, attemptsMade: number, delayMs: number): Promise<void> {
    await this.addAll([jobSpecs.webhookDeliveryRetry(deliveryId, attemptsMade, delayMs)]);
  }

  /** A new run of an ended delivery (`attemptsBefore`: the attempts it made before this replay). */
  async enqueueWebhookDeliveryReplay(deliveryId: string, attemptsBefore: number): Promise<void> {
    await this.addAll([jobSpecs.webhookDeliveryReplay(deliveryId, attemptsBefore)]);
  }

  /** The repeating maintenance job (idempotent: every worker upserts the same scheduler at start). */
  async scheduleMaintenance(): Promise<void> {
    const { schedulerId, repeat, template } = MAINTENANCE_SCHEDULE;
    await this.maintenance.upsertJobScheduler(schedulerId, repeat, template);
  }

  /** Jobs of one kind (one queue): a single job skips addBulk's pipeline construction (cheaper on the accept path). */
  private async addAll(specs: JobSpec<unknown>[]): Promise<void> {
    if (!specs.length) return;
    const queue = this.queues[specs[0].queue];
    if (specs.length === 1) await queue.add(specs[0].name, specs[0].data, specs[0].opts);
    else await queue.addBulk(specs);
  }
}
