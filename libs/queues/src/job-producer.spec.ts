import { getQueueToken } from '@nestjs/bullmq';
import { INestApplicationContext } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { Job, Queue } from 'bullmq';
import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { AppConfigModule, loadAppConfig } from '@rpg/config';
import { RedisModule } from '@rpg/redis';
import { DEFAULT_JOB_OPTIONS, EventEnvelope, jobIds } from './job-contracts';
import { JobProducer } from './job-producer';
import { QUEUES, QueueName } from './queues';
import { QueuesModule } from './queues.module';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Every job kind, added through the producer into real BullMQ queues and read back: id, name, options and payload (with its schema version `v`). */
describe('JobProducer', () => {
  const prefix = `t${randomBytes(4).toString('hex')}`;
  let app: INestApplicationContext;
  let jobs: JobProducer;
  const queue = (name: QueueName) => app.get<Queue>(getQueueToken(name), { strict: false });
  const job = async (name: QueueName, id: string): Promise<Job> => {
    const found = await queue(name).getJob(id);
    if (!found) throw new Error(`no job ${id} in ${name}`);
    return found;
  };
  const event = (eventId: string, type: string): EventEnvelope => ({
    eventId,
    type,
    timestamp: '2025-01-01T00:00:00.000Z',
    operationId: 'op_1',
    data: { n: 1 },
  });

  beforeAll(async () => {
    const config = loadAppConfig({ NODE_ENV: 'test', REDIS_URL, QUEUE_PREFIX: prefix });
    const moduleRef = await Test.createTestingModule({
      imports: [AppConfigModule.forRoot(config), RedisModule, QueuesModule.forRoot({ producerOnly: false })],
    }).compile();
    app = await moduleRef.init();
    jobs = app.get(JobProducer);
  });

  afterAll(async () => {
    await app?.close();
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`{${prefix}}:*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
  });

  it('provider calls: `call-<operationId>-<index>`, 5 attempts with 5 s doubling, removed once completed, failed ones kept; added once', async () => {
    await jobs.enqueueProviderCalls('op_a', [0, 2]);
    await jobs.enqueueProviderCalls('op_a', [1]);
    await jobs.enqueueProviderCalls('op_a', []);
    for (const index of [0, 1, 2]) {
      const call = await job(QUEUES.providerCalls, jobIds.providerCall('op_a', index));
      expect(call.id).toBe(`call-op_a-${index}`);
      expect(call.name).toBe('call');
      expect(call.data).toEqual({ v: 2, operationId: 'op_a', index });
      expect(call.opts).toMatchObject({
        attempts: 5,
        backoff: { type: 'exponential', delay: 5_000 },
        removeOnComplete: true,
        removeOnFail: DEFAULT_JOB_OPTIONS.removeOnFail,
      });
    }
    await jobs.enqueueProviderCalls('op_a', [0]);
    expect(await queue(QUEUES.providerCalls).getJobCountByTypes('waiting')).toBe(3);
  });

  it('no Gcore task polls any more (GcoreTaskLoopStore schedules them); a poll job of the previous release names its task', async () => {
    expect(Object.getOwnPropertyNames(JobProducer.prototype).filter((name) => /gcore/i.test(name))).toEqual([]);
    expect(jobIds.gcoreTask('t1')).toBe('task-t1');
    expect(jobIds.taskIdOfGcoreTaskJob('task-t1')).toBe('t1');
    expect(jobIds.taskIdOfGcoreTaskJob('call-op_a-0')).toBeUndefined();
    expect(await queue(QUEUES.gcoreTasks).count()).toBe(0);
  });

  it("operation events (a process without a fan-out): the first event's id (`_done` when the operation ended), named after the last, 10 attempts", async () => {
    await jobs.enqueueOperationEvents([event('evt_1_t0', 'operation.target.completed')], false);
    await jobs.enqueueOperationEvents([event('evt_1_t1', 'operation.target.completed'), event('evt_1_done', 'operation.completed')], true);
    const target = await job(QUEUES.webhookEvents, 'evt_1_t0');
    expect(target.name).toBe('operation.target.completed');
    expect(target.data).toEqual({ v: 2, events: [event('evt_1_t0', 'operation.target.completed')] });
    expect(target.opts).toMatchObject({ attempts: 10, backoff: { type: 'exponential', delay: 1000 }, ...DEFAULT_JOB_OPTIONS });
    const ended = await job(QUEUES.webhookEvents, 'evt_1_t1_done');
    expect(ended.name).toBe('operation.completed');
    expect(ended.data.events.map((e: EventEnvelope) => e.eventId)).toEqual(['evt_1_t1', 'evt_1_done']);
  });

  it('webhook deliveries: the delivery id (a delayed retry `<id>-retry-<attempts made>`, a replay `<id>-replay-<attempts before>`), 8 attempts', async () => {
    await jobs.enqueueWebhookDeliveries(['dlv_a', 'dlv_b']);
    await jobs.enqueueWebhookDeliveries(['dlv_c']);
    await jobs.enqueueWebhookDeliveryRetry('dlv_b', 2, 60_000);
    await jobs.enqueueWebhookDeliveryReplay('dlv_a', 3);
    for (const id of ['dlv_a', 'dlv_b', 'dlv_c', 'dlv_b-retry-2', 'dlv_a-replay-3']) {
      const delivery = await job(QUEUES.webhookDeliveries, id);
      expect(delivery.name).toBe('deliver');
      expect(delivery.data).toEqual({ v: 2, deliveryId: id.replace(/-(replay|retry)-\d+$/, '') });
      // nothing reads a completed run (the delivery record keeps the history; job ids guard nothing: lanes have leases)
      expect(delivery.opts).toMatchObject({
        attempts: 8,
        backoff: { type: 'exponential', delay: 1000 },
        removeOnComplete: true,
        removeOnFail: DEFAULT_JOB_OPTIONS.removeOnFail,
      });
    }
    const retry = await job(QUEUES.webhookDeliveries, 'dlv_b-retry-2');
    expect(retry.opts.delay).toBe(60_000);
    expect(await retry.isDelayed()).toBe(true);
  });

  it('maintenance: one scheduler, every 30 s, the same however many workers upsert it', async () => {
    await jobs.scheduleMaintenance();
    await jobs.scheduleMaintenance();
    const schedulers = await queue(QUEUES.maintenance).getJobSchedulers();
    expect(schedulers).toHaveLength(1);
    expect(schedulers[0]).toMatchObject({ key: 'recover-unconfirmed', every: 30_000, template: { data: { v: 2, kind: 'recover-unconfirmed' } } });
    const [next] = await queue(QUEUES.maintenance).getJobs(['waiting', 'delayed']);
    expect(next.name).toBe('recover');
    expect(next.data).toEqual({ v: 2, kind: 'recover-unconfirmed' });
  });
});
