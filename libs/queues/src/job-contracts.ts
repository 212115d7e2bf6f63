import type { DefaultJobOptions, JobsOptions } from 'bullmq';
import { schemaVersionOf } from '@rpg/redis';
import { QUEUES, QueueName } from './queues';

/**
 * The contract of every job kind, in one place: its queue, name, payload type, id and options. JobProducer adds jobs
 * from these; processors (apps/worker) are the only consumers. Ids are deterministic where recovery or coalescing relies
 * on them: adding a job whose id exists is a no-op in BullMQ.
 */

/**
 * Schema version of every job payload, its `v` (absent: 1, the payloads before versions). During a rolling deploy
 * workers of two releases take jobs from the same queues: a worker reads every version up to its own (readJobPayload)
 * and leaves a newer one to a newer worker (QueueWorkerHost moves it back to delayed, every NEWER_JOB_RECHECK_MS,
 * without using an attempt). 1 → 2 added only `v`.
 */
export const JOB_SCHEMA_VERSION = 2;
export const NEWER_JOB_RECHECK_MS = 15_000;

/** What every payload carries besides its kind's fields: its schema version (written by jobSpecs, absent in v1). */
export interface VersionedJob {
  v?: number;
}

/**
 * A payload as this release reads it: an older version lifted to the current shape (nothing to lift from 1 yet; a kind
 * whose payload changes adds its step here), marked current so whatever is saved from it is written as current.
 */
export function readJobPayload<T extends VersionedJob>(data: T): T {
  // a payload that is no object at all is not lifted: it stays the bug it is (the job's failure rule reports it)
  if (data === null || typeof data !== 'object') return data;
  return schemaVersionOf(data) < JOB_SCHEMA_VERSION ? { ...data, v: JOB_SCHEMA_VERSION } : data;
}

/** A payload written by a newer release than this one: not read here (its shape may differ), left to a newer worker. */
export function isNewerJobPayload(data: unknown): boolean {
  return schemaVersionOf(data) > JOB_SCHEMA_VERSION;
}

/** provider-calls: execute one target of one operation (job id `call-<operationId>-<index>`). */
export interface ProviderCallJob extends VersionedJob {
  operationId: string;
  index: number;
  /**
   * The provider outage the target is waiting out (written by the worker when it moves the job back to delayed): the
   * outage's first failure (epoch ms) and the tries failed since. Optional, so v2 readers ignore or keep it.
   */
  outage?: { since: number; attempt: number };
}

export interface EventEnvelope {
  eventId: string;
  type: string;
  timestamp: string;
  operationId?: string;
  data: unknown;
}

/**
 * webhook-events: fan events out to the matching subscriptions and callback, in the order given (job id = first event
 * id). Events that happen together (a target's completion and its operation's) travel in one job to keep their order.
 * Added only where no fan-out runs in the process (OperationEventPublisher without a sink) and by the previous release:
 * operation events are fanned out in their completion step, a test event by the gateway.
 */
export interface WebhookEventJob extends VersionedJob {
  events: EventEnvelope[];
  /** Limit the fan-out to these subscriptions (webhook.test). */
  onlySubscriptionIds?: string[];
}

/**
 * webhook-deliveries: a run of a delivery's lane from that delivery on (a delivery without a lane: that delivery only).
 * Job id: the delivery id for a run that begins, `<id>-retry-<attempts made>` for a retry, `<id>-replay-<attempts
 * before>` for a replay. Lanes that begin in a worker are sent without a job (WebhookLaneRunner).
 */
export interface WebhookDeliveryJob extends VersionedJob {
  deliveryId: string;
}

/** rollouts: look at one staged rollout again when its pause between batches ends (job id `rollout-<operationId>-<batch>`). */
export interface RolloutJob extends VersionedJob {
  operationId: string;
  /** The batch that starts when the pause ends. */
  batch: number;
}

export type MaintenanceJob = { kind: 'recover-unconfirmed' } & VersionedJob;

export const jobIds = {
  providerCall: (operationId: string, index: number) => `call-${operationId}-${index}`,
  /** A Gcore task poll job of the release before the poll schedule (gcore-task loops): only read, to move it over. */
  gcoreTask: (taskId: string) => `task-${taskId}`,
  /** The task id inside such a poll job's id, for a job whose payload is not what it should be. */
  taskIdOfGcoreTaskJob: (jobId: string | undefined) => (jobId?.startsWith('task-') ? jobId.slice('task-'.length) : undefined),
  /** The first event's id; the job of an operation's end gets `_done` (it carries that target's event too). */
  webhookEvents: (events: EventEnvelope[], operationEnded: boolean) => (operationEnded ? `${events[0].eventId}_done` : events[0].eventId),
  rolloutResume: (operationId: string, batch: number) => `rollout-${operationId}-${batch}`,
  webhookDelivery: (deliveryId: string) => deliveryId,
  /** A retry is a new job of the same delivery: one per attempt made before it. */
  webhookDeliveryRetry: (deliveryId: string, attemptsMade: number) => `${deliveryId}-retry-${attemptsMade}`,
  /** A replay is a new job of the same delivery: one per replay, numbered by the attempts made before it. */
  webhookDeliveryReplay: (deliveryId: string, attemptsBefore: number) => `${deliveryId}-replay-${attemptsBefore}`,
};

/** Options every job gets unless its kind says otherwise (BullMQ merges them under a job's own). */
export const DEFAULT_JOB_OPTIONS: DefaultJobOptions = {
  removeOnComplete: { age: 24 * 3600, count: 50_000 },
  removeOnFail: { age: 7 * 24 * 3600 },
};

/**
 * BullMQ's attempts of a provider call cover only Redis being away (5 attempts, 5 s doubling). A provider outage does
 * not use them: the job goes back to delayed (DelayedError) until the outage budget (PROVIDER_OUTAGE_BUDGET_MS) is spent.
 * A completed call is not kept: the operation record is its history, and a call added again after it (recovery, a
 * follow-up run twice) finds its target ended and repeats only the idempotent follow-ups. Not keeping it saves the
 * completed set's bookkeeping (4 commands per call).
 */
const PROVIDER_CALL_OPTIONS = { attempts: 5, backoff: { type: 'exponential', delay: 5_000 }, removeOnComplete: true } as const;

/** A resume is idempotent and cheap: retried on any throw (e.g. Redis briefly away); the maintenance sweep covers the rest. */
const ROLLOUT_RESUME_OPTIONS = { attempts: 10, backoff: { type: 'exponential', delay: 1000 } } as const;

const OPERATION_EVENTS_OPTIONS = { attempts: 10, backoff: { type: 'exponential', delay: 1000 } } as const;

/**
 * The retry schedule of a delivery is DelayedError-driven (no attempt used); these attempts only cover a run that threw
 * (e.g. Redis briefly unavailable), which would otherwise leave the delivery PENDING until its lane's lease ran out.
 * Nothing reads a completed run (the delivery record is the history; job ids are no guard: the lane's lease is): gone.
 */
const WEBHOOK_DELIVERY_OPTIONS = { attempts: 8, backoff: { type: 'exponential', delay: 1000 }, removeOnComplete: true } as const;

/** One job ready to add: its queue, name, payload and options (its id included). */
export interface JobSpec<T> {
  queue: QueueName;
  name: string;
  data: T;
  opts: JobsOptions;
}

export const jobSpecs = {
  providerCall: (operationId: string, index: number): JobSpec<ProviderCallJob> => ({
    queue: QUEUES.providerCalls,
    name: 'call',
    data: { v: JOB_SCHEMA_VERSION, operationId, index },
    opts: { jobId: jobIds.providerCall(operationId, index), ...PROVIDER_CALL_OPTIONS },
  }),
  rolloutResume: (operationId: string, batch: number, delayMs: number): JobSpec<RolloutJob> => ({
    queue: QUEUES.rollouts,
    name: 'resume',
    data: { v: JOB_SCHEMA_VERSION, operationId, batch },
    opts: { jobId: jobIds.rolloutResume(operationId, batch), delay: Math.max(0, delayMs), ...ROLLOUT_RESUME_OPTIONS },
  }),
  /** Named after the last event (the operation's end, when it is in). */
  operationEvents: (events: EventEnvelope[], operationEnded: boolean): JobSpec<WebhookEventJob> => ({
    queue: QUEUES.webhookEvents,
    name: events[events.length - 1].type,
    data: { v: JOB_SCHEMA_VERSION, events },
    opts: { jobId: jobIds.webhookEvents(events, operationEnded), ...OPERATION_EVENTS_OPTIONS },
  }),
  webhookDelivery: (deliveryId: string): JobSpec<WebhookDeliveryJob> => ({
    queue: QUEUES.webhookDeliveries,
    name: 'deliver',
    data: { v: JOB_SCHEMA_VERSION, deliveryId },
    opts: { jobId: jobIds.webhookDelivery(deliveryId), ...WEBHOOK_DELIVERY_OPTIONS },
  }),
  webhookDeliveryRetry: (deliveryId: string, attemptsMade: number, delayMs: number): JobSpec<WebhookDeliveryJob> => ({
    queue: QUEUES.webhookDeliveries,
    name: 'deliver',
    data: { v: JOB_SCHEMA_VERSION, deliveryId },
    opts: { jobId: jobIds.webhookDeliveryRetry(deliveryId, attemptsMade), delay: Math.max(0, delayMs), ...WEBHOOK_DELIVERY_OPTIONS },
  }),
  webhookDeliveryReplay: (deliveryId: string, attemptsBefore: number): JobSpec<WebhookDeliveryJob> => ({
    queue: QUEUES.webhookDeliveries,
    name: 'deliver',
    data: { v: JOB_SCHEMA_VERSION, deliveryId },
    opts: { jobId: jobIds.webhookDeliveryReplay(deliveryId, attemptsBefore), ...WEBHOOK_DELIVERY_OPTIONS },
  }),
};

/** maintenance: one repeating job (recovery of unconfirmed operations, index trimming), every 30 s. */
export const MAINTENANCE_SCHEDULE = {
  schedulerId: 'recover-unconfirmed',
  repeat: { every: 30_000 },
  template: { name: 'recover', data: { v: JOB_SCHEMA_VERSION, kind: 'recover-unconfirmed' } as MaintenanceJob },
} as const;
