import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@rpg/config';
import { ServiceMetrics } from '@rpg/observability';
import {
  ProviderAdapterRegistry,
  ProviderAvailabilityStore,
  isCircuitOpenFailure,
  isTransientProviderFailure,
  outageBackoffMs,
  outageErrorOf,
} from '@rpg/providers';
import {
  ERROR_CODES,
  EXTERNAL_TASK_WATCHER,
  ExternalTaskWatcher,
  ProviderError,
  ResultDetail,
  ResultError,
  TERMINAL_RESULT_STATUSES,
  CurrentState,
  Update,
  formatTargetRef,
} from '@rpg/routing-policy';
import { ReportedJobError, classifyJobError, internalErrorLogLine, isTransientInfrastructureError } from '@rpg/queues';
import { OperationStore, StoredOperation } from '../../operation.store';
import { keptBefore } from '../../result-before';
import { TargetCompletion } from '../../target-completion.service';
import { RecordTaskStateUseCase } from '../record-task-state/record-task-state.usecase';
import { ExecuteTargetCommand, TargetOutage } from './execute-target.command';

/** What the result says about a bug: no stack, nothing internal; the operation id finds the log line. */
export const INTERNAL_ERROR_MESSAGE =
  'The gateway failed internally (not a provider answer) while applying this update and did not retry it; look up the target before sending it again. ' +
  'The gateway logs hold the details under this operation id.';

/**
 * Thrown when a target hit a bug and even recording its failure failed: running the job again would repeat the bug, so
 * it must not retry (an UnrecoverableError: BullMQ fails the job at once). Already logged.
 */
export class TargetInternalError extends ReportedJobError {
  constructor(
    readonly operationId: string,
    readonly index: number,
  ) {
    super(`target ${operationId}#${index} failed internally`);
  }
}

/**
 * Thrown when a target waits out a provider outage: its result shows `retrying` already; the job runs again at `nextAtMs`
 * carrying `outage` (the processor moves it to delayed: no BullMQ attempt is used, the target stays at its lane's head).
 */
export class TargetOutageRetry extends Error {
  constructor(
    readonly outage: TargetOutage,
    readonly nextAtMs: number,
  ) {
    super(`provider outage: try ${outage.attempt} failed, next at ${new Date(nextAtMs).toISOString()}`);
    this.name = 'TargetOutageRetry';
  }
}

/**
 * Runs one target of an operation: plan (reads + merge), apply, then either finish the target or hand its Gcore tasks
 * to the watcher. Safe to run twice: every step checks the stored state first.
 */
@Injectable()
export class ExecuteTargetUseCase {
  private readonly logger = new Logger(ExecuteTargetUseCase.name);

  constructor(
    private readonly store: OperationStore,
    private readonly adapters: ProviderAdapterRegistry,
    private readonly completion: TargetCompletion,
    private readonly recordTask: RecordTaskStateUseCase,
    @Inject(EXTERNAL_TASK_WATCHER) private readonly watcher: ExternalTaskWatcher,
    private readonly availability: ProviderAvailabilityStore,
    private readonly metrics: ServiceMetrics,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Provider failures end the target with their code, except transient ones (an outage: 502/503/504/429, unreachable),
   * which keep it RUNNING and retrying until the outage budget is spent (TargetOutageRetry); a lost Redis is thrown for
   * BullMQ to retry. Anything else is a bug: the target ends FAILED INTERNAL_ERROR at once, logged once.
   */
  async execute(command: ExecuteTargetCommand): Promise<void> {
    try {
      await this.run(command);
    } catch (error) {
      if (isTransientProviderFailure(error)) return this.waitOutOutage(command, error as ProviderError);
      // the one rule of every job (retryable provider error, Redis away, lost lock: BullMQ retries); the rest is a bug
      if (classifyJobError(error) !== 'internal') throw error;
      await this.failInternally(command, error);
    }
  }

  private async run({ operationId, index, canRetry }: ExecuteTargetCommand): Promise<void> {
    const stored = await this.store.get(operationId);
    if (!stored) return; // expired or never stored: nothing to do
    const update = stored.updates[index];
    const result = stored.rawResults[index];
    if (TERMINAL_RESULT_STATUSES.has(result.status)) {
      // ran before and ended: repeat the idempotent follow-ups only
      await this.completion.followUp(operationId, index, (await this.store.laneHead(update)) ?? '');
      return;
    }
    const head = await this.store.laneHead(update);
    if (head !== formatTargetRef({ operationId, index })) {
      this.logger.warn({ operationId, index, head }, 'not at the head of its target lane; it starts when the earlier update ends');
      return;
    }
    if (result.status === 'RUNNING' && result.gcore?.taskIds?.length) {
      // the write happened; only the waiting was interrupted
      await this.waitForTasks(operationId, index, result.gcore.taskIds, update);
      return;
    }
    if (stored.meta.compensates && result.status === 'PENDING' && (await this.compensationLeftAlone(stored, index))) return;

    const adapter = this.adapters.forTarget(update.target);
    // the state before the write, kept from the first attempt: a retry after a crash mid-write reads a changed target
    let kept = keptBefore(result);
    let running = result.status === 'RUNNING';
    try {
      const plan = await adapter.plan(update); // reads only: nothing has changed at the provider yet
      const known = Boolean(kept.before || kept.beforeUnavailable);
      if (!known) kept = plan.before ? { before: plan.before } : plan.beforeUnavailable ? { beforeUnavailable: plan.beforeUnavailable } : {};
      if (result.status === 'PENDING' || !known) {
        // one step starts the target and stores its state before anything is written (what a revert restores must
        // survive a crash of this worker); an empty detail clears `queuedBehind`; refused while a halted rollout
        // cancels its unstarted targets, and lost to another run of this target (a job whose lock expired mid-read
        // and ran twice): that run writes, this one stops
        const started = await this.store.transition(operationId, index, [result.status], 'RUNNING', kept);
        if (started.changed !== 1) return;
        running = true;
      }
      const outcome = await adapter.apply(update, plan);
      void this.availability.markUp(update.target.provider);
      if (outcome.failure) {
        await this.completion.finish(stored, index, 'FAILED', { ...kept, ...outcome.detail, error: outcome.failure });
        return;
      }
      const taskIds = outcome.waitForGcoreTasks ?? [];
      if (taskIds.length === 0) {
        const applied = await adapter.appliedState(update, plan).catch(() => undefined);
        await this.completion.finish(stored, index, 'SUCCEEDED', {
          ...kept,
          ...outcome.detail,
          ...(outcome.detail.gcore ? { gcore: { taskIds: [] } } : {}),
          ...(applied ? { applied } : {}),
        });
        return;
      }
      await this.store.transition(operationId, index, ['RUNNING'], 'RUNNING', { ...kept, ...outcome.detail, gcore: { taskIds } });
      await this.waitForTasks(operationId, index, taskIds, update);
    } catch (error) {
      if (error instanceof ProviderError) {
        if (isTransientProviderFailure(error)) throw error; // an outage: execute keeps the target retrying (budgeted)
        void this.availability.markUp(update.target.provider); // it answered: it is there
        await this.fail(stored, index, { ...kept, error: error.toResultError() }, running);
        return;
      }
      if (!isTransientInfrastructureError(error) || canRetry) throw error; // a bug (execute ends it), or Redis: retried
      // Redis failed through every attempt (it answers again now, or this write fails too)
      this.logger.error({ operationId, index, err: errorText(error) }, 'target failed: storage unavailable through every attempt');
      await this.fail(stored, index, { ...kept, error: { code: ERROR_CODES.internalError, message: INTERNAL_ERROR_MESSAGE } }, running);
    }
  }

  /**
   * A compensation writes only while the target is still in the state its rollout left: one with a later update ahead
   * of it in the lane (accepted after the rollout ended), changed since, or gone, is left as it is — CANCELLED, saying
   * why. Ended here (true) also when reading the target failed for good: FAILED with the provider's error.
   */
  private async compensationLeftAlone(stored: StoredOperation, index: number): Promise<boolean> {
    const result = stored.rawResults[index];
    const update = stored.updates[index];
    const leave = async (message: string, fields: string[] = []) => {
      this.logger.warn({ operationId: stored.operation.id, index, fields }, 'compensation skipped: the target changed since the rollout');
      await this.completion.finish(stored, index, 'CANCELLED', { error: { code: ERROR_CODES.cancelledByRollout, message } });
      return true;
    };
    if (result.queuedBehind) return leave(`A later update of this target (${result.queuedBehind}) came first: left to it, not restored.`);
    const guard = stored.meta.guards?.[index];
    if (!guard) return false;
    const adapter = this.adapters.forTarget(update.target);
    let now: CurrentState;
    try {
      now = await adapter.currentState(update.target);
    } catch (error) {
      // an outage: execute keeps the target retrying (budgeted)
      if (!(error instanceof ProviderError) || isTransientProviderFailure(error)) throw error;
      await this.fail(stored, index, { error: error.toResultError() });
      return true;
    }
    if (now.found === 'unknown') return false;
    if (!now.found) return leave('The target no longer exists at the provider: nothing to restore.');
    const diff = adapter.driftDiff(guard, now.state);
    if (!diff.length) return false;
    const fields = diff.map((d) => d.field);
    return leave(`The target changed since the rollout wrote it (${fields.join(', ')}): left as it is, not restored.`, fields);
  }

  /**
   * The provider is away (transient failure): while the outage budget (from the outage's first failure) lasts, the
   * result shows `retrying` and the job runs again after a capped backoff (TargetOutageRetry); after it, the target ends
   * FAILED with the provider's last error (PROVIDER_UNAVAILABLE; RATE_LIMITED for a 429 storm). A target that ended
   * meanwhile is left as it is; one not started yet (a compensation's check read) keeps PENDING while it retries.
   */
  private async waitOutOutage({ operationId, index, outage }: ExecuteTargetCommand, error: ProviderError): Promise<void> {
    const now = Date.now();
    const since = outage?.since ?? now;
    const attempt = (outage?.attempt ?? 0) + 1;
    const { outageBudgetMs, outageBackoffMaxMs } = this.config.provider;
    const stored = await this.store.get(operationId);
    const result = stored?.rawResults[index];
    if (!stored || !result || TERMINAL_RESULT_STATUSES.has(result.status)) return;
    const provider = stored.updates[index].target.provider;
    // a circuit refusal tells nothing new: the target shows the provider's last real answer (its own, else the provider's)
    const own = outageErrorOf(error);
    const lastError = isCircuitOpenFailure(own)
      ? ([result.retrying?.lastError, this.availability.lastFailureOf(provider)].find((e) => e && !isCircuitOpenFailure(e)) ?? own)
      : own;
    void this.availability.markDown(provider, lastError);
    const kept = { ...keptBefore(result), ...(result.gcore?.taskIds?.length ? { gcore: { taskIds: result.gcore.taskIds } } : {}) };
    const endsAt = since + outageBudgetMs;
    if (now >= endsAt) {
      this.logger.warn(
        { operationId, index, provider, attempt, outageMs: now - since },
        'target failed: the provider stayed unavailable through the outage budget',
      );
      const last = lastError === own ? error.toResultError() : lastError;
      await this.fail(stored, index, { ...kept, error: outageFailure(last, now - since, attempt) });
      return;
    }
    // the last try lands at the budget's end at the latest: the target fails then, not a backoff later
    const nextAtMs = Math.min(now + outageBackoffMs(attempt, outageBackoffMaxMs), endsAt);
    // a target whose first read failed shows RUNNING while it retries (refused, like its start, while a halted rollout
    // cancels its unstarted targets); a compensation whose check read failed keeps PENDING: it may yet be left alone
    const status = result.status === 'PENDING' && stored.meta.compensates ? 'PENDING' : 'RUNNING';
    const noted = await this.store.transition(operationId, index, [result.status], status, {
      ...kept,
      retrying: { attempt, nextAt: new Date(nextAtMs).toISOString(), lastError },
    });
    if (noted.changed !== 1) return; // ended meanwhile (e.g. a halted rollout cancelled it)
    this.metrics.providerOutageRetries.inc({ provider });
    throw new TargetOutageRetry({ since, attempt }, nextAtMs);
  }

  /** A bug: one error line (message and stack stay in the log), the target FAILED INTERNAL_ERROR, no retry. */
  private async failInternally({ operationId, index, job }: ExecuteTargetCommand, error: unknown): Promise<void> {
    const [fields, message] = internalErrorLogLine(
      { queueName: job?.queue ?? 'provider-calls', name: job?.name ?? 'call', id: job?.id, attemptsMade: job?.attemptsMade },
      { operationId, index },
      error,
      'target',
    );
    this.logger.error(fields, message);
    try {
      const stored = await this.store.get(operationId);
      if (stored?.rawResults[index]) {
        const detail = { ...keptBefore(stored.rawResults[index]), error: { code: ERROR_CODES.internalError, message: INTERNAL_ERROR_MESSAGE } };
        await this.fail(stored, index, detail);
        return;
      }
    } catch (recording) {
      if (classifyJobError(recording) === 'retry') throw recording; // Redis went away meanwhile: the retry records it
    }
    // the record itself is unusable (or ending it hit the bug again): nothing a retry could do
    throw new TargetInternalError(operationId, index);
  }

  /**
   * Ends a target FAILED by way of RUNNING, as the state machine has it (a result fails once started; PENDING ends only
   * as CANCELLED): one not started yet is started first. Nothing when a halted rollout refuses that start (it cancels
   * the target). `running`: this run started it (`stored` predates the start); else `stored` tells.
   */
  private async fail(stored: StoredOperation, index: number, detail: ResultDetail, running = false): Promise<void> {
    const result = stored.rawResults[index];
    if (!running && result.status === 'PENDING') {
      const started = await this.store.transition(stored.operation.id, index, ['PENDING'], 'RUNNING', keptBefore(result));
      if (started.resultStatus === 'PENDING') return;
    }
    await this.completion.finish(stored, index, 'FAILED', detail);
  }

  private async waitForTasks(operationId: string, index: number, taskIds: string[], update: Update): Promise<void> {
    const scope = this.adapters.forTarget(update.target).taskScope?.(update.target);
    const settled = await this.watcher.watch(taskIds, { operationId, index }, scope);
    for (const s of settled) await this.recordTask.execute({ waiter: { operationId, index }, settled: s });
  }
}

/** The target's end after the outage budget: the provider's last error, saying how long it was tried. */
function outageFailure(last: ResultError, outageMs: number, attempts: number): ResultError {
  const code = last.code === ERROR_CODES.rateLimited ? last.code : ERROR_CODES.providerUnavailable;
  const tried = `still unavailable after ${Math.round(outageMs / 1000)} s and ${attempts} tries (PROVIDER_OUTAGE_BUDGET_MS)`;
  return { ...last, code, message: `${last.message} (${tried})` };
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
