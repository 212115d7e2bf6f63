import { OnWorkerEvent, WorkerHost, getQueueToken } from '@nestjs/bullmq';
import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { DelayedError, type Job, type Queue } from 'bullmq';
import { NEWER_JOB_RECHECK_MS, isNewerJobPayload } from './job-contracts';
import { JobErrorIds, handleJobError } from './job-failure';
import { ALL_QUEUES } from './queues';

const REPEAT_EVERY_MS = 10_000;

/**
 * One log line for a burst of the same connection error: while Redis is away BullMQ reports every reconnect attempt,
 * which would otherwise flood the log (or, with no listener, reach stderr raw via console.error).
 */
export class RepeatingErrorLog {
  private lastAt = 0;
  private lastMessage = '';
  private suppressed = 0;

  constructor(
    private readonly logger: Logger,
    private readonly what: string,
    private readonly now: () => number = Date.now,
  ) {}

  report(error: unknown): boolean {
    const message = error instanceof Error ? error.message : String(error);
    const t = this.now();
    if (message === this.lastMessage && t - this.lastAt < REPEAT_EVERY_MS) {
      this.suppressed++;
      return false;
    }
    this.logger.warn({ err: message, repeated: this.suppressed }, `${this.what}: ${message}`);
    this.lastAt = t;
    this.lastMessage = message;
    this.suppressed = 0;
    return true;
  }
}

/** Listens to the 'error' events of every queue (producer side) of the process. */
@Injectable()
export class QueueErrorReporter implements OnModuleInit {
  private readonly logger = new Logger('Queues');

  constructor(private readonly moduleRef: ModuleRef) {}

  onModuleInit(): void {
    for (const name of ALL_QUEUES) {
      const queue = this.moduleRef.get<Queue>(getQueueToken(name), { strict: false });
      const log = new RepeatingErrorLog(this.logger, `queue ${name}`);
      queue.on('error', (error) => log.report(error));
    }
  }
}

/**
 * Base of every processor: the worker's 'error' events (lost connection, failed lock renewals) become log lines, and
 * every job runs under the one failure rule (handleJobError): retryable provider errors, transient infrastructure
 * errors and documented retry paths keep BullMQ's retries; a bug is logged once (queue, job, ids, message, stack), the
 * state it leaves waiting is settled (settleAfterBug), and the job fails at once with an UnrecoverableError.
 */
export abstract class QueueWorkerHost extends WorkerHost {
  private readonly workerErrors = new RepeatingErrorLog(new Logger('Workers'), `worker ${this.constructor.name}`);
  private readonly jobErrors = new Logger(this.constructor.name);
  private readonly newerJobs = new RepeatingErrorLog(new Logger('Workers'), `worker ${this.constructor.name}`);

  @OnWorkerEvent('error')
  onWorkerError(error: Error): void {
    this.workerErrors.report(error);
  }

  /**
   * Called by BullMQ: runs the job's work (handle) under the failure rule. A payload of a newer release (rolling
   * deploy) is not this worker's to read: it goes back to delayed, no attempt used, until a newer worker takes it.
   */
  async process(job: Job, token?: string): Promise<unknown> {
    try {
      if (isNewerJobPayload(job.data)) {
        this.newerJobs.report(new Error(`job of a newer release (schema version ${String((job.data as { v?: unknown }).v)}) left to a newer worker`));
        await job.moveToDelayed(Date.now() + NEWER_JOB_RECHECK_MS, token);
        throw new DelayedError();
      }
      return await this.handle(job, token);
    } catch (error) {
      throw await handleJobError(this.jobErrors, job, error, { ids: this.jobIds(job), settle: () => this.settleAfterBug(job, error) });
    }
  }

  /** The job's work. */
  protected abstract handle(job: Job, token?: string): Promise<unknown>;

  /** The ids the job carries, for its error line (read defensively: a malformed payload is one of the bugs logged). */
  protected jobIds(_job: Job): JobErrorIds {
    return {};
  }

  /** After a bug: end what the job leaves waiting, so nothing hangs (its transient errors retry the job). */
  protected settleAfterBug(_job: Job, _error: unknown): Promise<JobErrorIds | void> {
    return Promise.resolve(undefined);
  }
}
