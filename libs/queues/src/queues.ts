import { Processor } from '@nestjs/bullmq';
import type { ConnectionOptions } from 'bullmq';
import type { RedisOptions } from 'ioredis';
import { redisOptions } from '@rpg/redis';

/** Every queue of the system. Each has exactly one processor in apps/worker (checked at worker start). */
export const QUEUES = {
  providerCalls: 'provider-calls',
  /** Nothing is added any more (tasks are polled from GcoreTaskLoopStore): the worker moves poll jobs of the previous release over. */
  gcoreTasks: 'gcore-tasks',
  webhookEvents: 'webhook-events',
  webhookDeliveries: 'webhook-deliveries',
  maintenance: 'maintenance',
  rollouts: 'rollouts',
} as const;
export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];
export const ALL_QUEUES: QueueName[] = Object.values(QUEUES);

/** How late a job started: after its due time (a poll tick's `dueAt`, else creation + delay), in seconds. */
export function jobLatenessSeconds(job: { timestamp: number; opts: { delay?: number }; data: unknown }, now = Date.now()): number {
  const dueAt = (job.data as { dueAt?: number } | null)?.dueAt ?? job.timestamp + (job.opts.delay ?? 0);
  return Math.max(0, now - dueAt) / 1000;
}

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
  const waiting: RedisOptions = {
    maxRetriesPerRequest: null,
    enableOfflineQueue: true,
    enableReadyCheck: true,
    retryStrategy: (times: number) => Math.min(200 * times, 2000),
  };
  return producerOnly ? { ...waiting, enableOfflineQueue: false, maxRetriesPerRequest: 1 } : waiting;
}

/** BullMQ's connection to a single Redis, as options: BullMQ creates (and closes) a connection per queue and worker. */
export function bullConnection(redisUrl: string, producerOnly = false): ConnectionOptions {
  return redisOptions(redisUrl, bullRedisOverrides(producerOnly));
}

const registeredProcessors = new Set<string>();

/**
 * Lock and stall settings of every worker. A worker killed mid-job leaves its active jobs locked until the lock expires;
 * then the next stall check puts them back: within lockDuration + stalledInterval (≈ 15 s; BullMQ's defaults make it
 * ≈ 60 s). BullMQ's default maxStalledCount (1) FAILS a job that stalls twice (two crashes while it runs, e.g. a task
 * poll loop), stranding its operation forever; every job here is idempotent, so a stalled job is always run again.
 */
export const WORKER_LOCK_OPTIONS = { lockDuration: 10_000, stalledInterval: 5_000, maxStalledCount: 1_000 } as const;

/**
 * @Processor for one of our queues; records it so the worker can refuse to start when a queue has no handler.
 * `concurrency` is fixed at decoration time; a processor whose concurrency comes from config sets `worker.concurrency`
 * once its module is initialised.
 */
export function QueueProcessor(queue: QueueName, options: { concurrency?: number } = {}): ClassDecorator {
  registeredProcessors.add(queue);
  return Processor({ name: queue }, { concurrency: options.concurrency ?? 1, ...WORKER_LOCK_OPTIONS });
}

export function assertEveryQueueHasAProcessor(): void {
  const missing = ALL_QUEUES.filter((q) => !registeredProcessors.has(q));
  if (missing.length) throw new Error(`No processor registered for queue(s): ${missing.join(', ')}`);
}
