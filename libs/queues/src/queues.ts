import { Processor } from '@nestjs/bullmq';
import type { ConnectionOptions, DefaultJobOptions } from 'bullmq';
import type { RedisOptions } from 'ioredis';
import { redisOptions } from '@rpg/redis';

/** Every queue of the system. Each has exactly one processor in apps/worker (checked at worker start). */
export const QUEUES = {
  providerCalls: 'provider-calls',
  gcoreTasks: 'gcore-tasks',
  webhookEvents: 'webhook-events',
  webhookDeliveries: 'webhook-deliveries',
  maintenance: 'maintenance',
} as const;
export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];
export const ALL_QUEUES: QueueName[] = Object.values(QUEUES);

/** provider-calls: execute one target of one operation (job id `call-<operationId>-<index>`). */
export interface ProviderCallJob {
  operationId: string;
  index: number;
}

/** gcore-tasks: one polling loop per Gcore task id, shared by every operation waiting on it (job id `task-<taskId>`). */
export interface GcoreTaskJob {
  taskId: string;
  startedAt: number;
  deadlineAt: number;
  polls: number;
  lastState?: string;
  taskType?: string;
  /** When this tick was due (epoch ms): the poll's lateness is measured against it. */
  dueAt?: number;
  /** Gcore `projectId:regionId` of the task, when known: the task sweep covers it. */
  scope?: string;
  /** Since when (epoch ms) every read of the task answered 404 (eventual consistency: bounded by GCORE_TASK_NOT_FOUND_GRACE_MS). */
  notFoundSince?: number;
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
 */
export interface WebhookEventJob {
  events: EventEnvelope[];
  /** Limit the fan-out to these subscriptions (webhook.test). */
  onlySubscriptionIds?: string[];
}

/** webhook-deliveries: one delivery of one event to one endpoint (job id = delivery id). */
export interface WebhookDeliveryJob {
  deliveryId: string;
}

export type MaintenanceJob = { kind: 'recover-unconfirmed' };

/** How late a job started: after its due time (a poll tick's `dueAt`, else creation + delay), in seconds. */
export function jobLatenessSeconds(job: { timestamp: number; opts: { delay?: number }; data: unknown }, now = Date.now()): number {
  const dueAt = (job.data as { dueAt?: number } | null)?.dueAt ?? job.timestamp + (job.opts.delay ?? 0);
  return Math.max(0, now - dueAt) / 1000;
}

export const jobIds = {
  providerCall: (operationId: string, index: number) => `call-${operationId}-${index}`,
  gcoreTask: (taskId: string) => `task-${taskId}`,
};

/** BullMQ keys live under one hash tag so every key of a queue maps to one Redis Cluster slot. */
export function queuePrefix(prefix: string): string {
  return `{${prefix}}`;
}

/**
 * BullMQ's connection settings: our Redis settings, but workers must wait for Redis instead of failing commands.
 * `producerOnly` (the gateway) fails fast while Redis is away instead of queueing commands in memory: a request is
 * never acknowledged for a job that is not stored.
 */
export function bullRedisOverrides(producerOnly = false): RedisOptions {
  const waiting: RedisOptions = { maxRetriesPerRequest: null, enableOfflineQueue: true, enableReadyCheck: true, retryStrategy: (times: number) => Math.min(200 * times, 2000) };
  return producerOnly ? { ...waiting, enableOfflineQueue: false, maxRetriesPerRequest: 1 } : waiting;
}

/** BullMQ's connection to a single Redis, as options: BullMQ creates (and closes) a connection per queue and worker. */
export function bullConnection(redisUrl: string, producerOnly = false): ConnectionOptions {
  return redisOptions(redisUrl, bullRedisOverrides(producerOnly));
}

export const DEFAULT_JOB_OPTIONS: DefaultJobOptions = {
  removeOnComplete: { age: 24 * 3600, count: 50_000 },
  removeOnFail: { age: 7 * 24 * 3600 },
};

const registeredProcessors = new Set<string>();

/**
 * Lock and stall settings of every worker. A worker killed mid-job leaves its active jobs locked until the lock expires;
 * then the next stall check puts them back: within lockDuration + stalledInterval (≈ 15 s; BullMQ's defaults make it
 * ≈ 60 s). BullMQ's default maxStalledCount (1) FAILS a job that stalls twice (two crashes while it runs, e.g. a task
 * poll loop), stranding its operation forever; every job here is idempotent, so a stalled job is always run again.
 */
export const WORKER_LOCK_OPTIONS = { lockDuration: 10_000, stalledInterval: 5_000, maxStalledCount: 1_000 } as const;

/** @Processor for one of our queues; records it so the worker can refuse to start when a queue has no handler. */
export function QueueProcessor(queue: QueueName, concurrencyFromEnv = 1): ClassDecorator {
  registeredProcessors.add(queue);
  return Processor({ name: queue }, { concurrency: concurrencyFromEnv, ...WORKER_LOCK_OPTIONS });
}

export function assertEveryQueueHasAProcessor(): void {
  const missing = ALL_QUEUES.filter((q) => !registeredProcessors.has(q));
  if (missing.length) throw new Error(`No processor registered for queue(s): ${missing.join(', ')}`);
}
