import { Logger } from '@nestjs/common';
import { DelayedError, Job, UnrecoverableError } from 'bullmq';
import { JobErrorIds } from './job-failure';
import { QueueWorkerHost, RepeatingErrorLog } from './queue-error.reporter';

describe('RepeatingErrorLog', () => {
  it('logs a burst of one error once, then again after 10 s with the count it held back; a new error at once', () => {
    const lines: unknown[][] = [];
    const logger = { warn: (...args: unknown[]) => lines.push(args) } as unknown as Logger;
    let now = 0;
    const log = new RepeatingErrorLog(logger, 'queue x', () => now);
    expect(log.report(new Error('connect ECONNREFUSED 127.0.0.1:6379'))).toBe(true);
    for (let i = 0; i < 5; i++) {
      now += 1000;
      expect(log.report(new Error('connect ECONNREFUSED 127.0.0.1:6379'))).toBe(false);
    }
    now += 5000;
    expect(log.report(new Error('connect ECONNREFUSED 127.0.0.1:6379'))).toBe(true);
    expect(lines[1][0]).toEqual({ err: 'connect ECONNREFUSED 127.0.0.1:6379', repeated: 5 });
    expect(log.report(new Error('Connection is closed.'))).toBe(true);
    expect(lines).toHaveLength(3);
    expect(lines[2][1]).toBe('queue x: Connection is closed.');
  });
});

describe('QueueWorkerHost', () => {
  class Host extends QueueWorkerHost {
    settled = 0;
    constructor(private readonly work: () => Promise<unknown>) {
      super();
    }
    protected async handle(): Promise<unknown> {
      return this.work();
    }
    protected override jobIds(job: Job): JobErrorIds {
      return { taskId: String(job.id).slice('task-'.length) };
    }
    protected override async settleAfterBug(): Promise<JobErrorIds> {
      this.settled++;
      return { operationId: 'op_1' };
    }
  }
  const job = { queueName: 'gcore-tasks', name: 'poll', id: 'task-t1', attemptsMade: 0 } as Job;

  it('runs every job under the one rule: control flow and retries pass through, a bug is settled and stops the job', async () => {
    const errorLines: unknown[][] = [];
    const spy = jest.spyOn(Logger.prototype, 'error').mockImplementation((...args: unknown[]) => void errorLines.push(args));
    try {
      expect(await new Host(async () => 7).process(job)).toBe(7);
      const delayed = new DelayedError();
      await expect(new Host(async () => Promise.reject(delayed)).process(job)).rejects.toBe(delayed);
      const redisAway = new Error('Connection is closed.');
      const retried = new Host(async () => Promise.reject(redisAway));
      await expect(retried.process(job)).rejects.toBe(redisAway);
      expect(retried.settled).toBe(0);
      expect(errorLines).toEqual([]);

      const buggy = new Host(async () => (null as unknown as { scope: string }).scope);
      await expect(buggy.process(job)).rejects.toBeInstanceOf(UnrecoverableError);
      expect(buggy.settled).toBe(1);
      expect(errorLines).toHaveLength(1);
      expect(errorLines[0][0]).toMatchObject({
        queue: 'gcore-tasks',
        job: 'poll',
        jobId: 'task-t1',
        taskId: 't1',
        operationId: 'op_1',
        err: { type: 'TypeError' },
      });
    } finally {
      spy.mockRestore();
    }
  });
});
