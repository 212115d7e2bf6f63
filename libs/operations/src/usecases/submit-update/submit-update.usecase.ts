import { Injectable } from '@nestjs/common';
import { FieldError, ProblemException } from '@rpg/common';
import { ProviderAdapterRegistry } from '@rpg/providers';
import { Operation, ValidatedUpdateRequest, validateUpdateRequest } from '@rpg/routing-policy';
import { IdempotencyStore } from '../../idempotency.store';
import { IdempotentAcceptance } from '../../idempotent-acceptance';
import { AcceptUpdateUseCase } from '../accept-update/accept-update.usecase';
import { PlanUpdateUseCase } from '../plan-update/plan-update.usecase';
import { honouredWaitSeconds, WaitForOperationUseCase } from '../wait-for-operation/wait-for-operation.usecase';
import { SubmitUpdateCommand } from './submit-update.command';

export interface SubmitUpdateResult {
  status: 200 | 202;
  operation: Operation;
  callbackSecret?: string;
  replayed: boolean;
  waitApplied?: number;
}

/**
 * POST /v1/routing-policy-updates (and inbound `routing-policy.update.requested`): validate, then a dry-run plan, or an
 * idempotent accept, optionally waiting for the end (Prefer: wait=N) through pub/sub.
 */
@Injectable()
export class SubmitUpdateUseCase {
  constructor(
    private readonly accept: AcceptUpdateUseCase,
    private readonly plan: PlanUpdateUseCase,
    private readonly wait: WaitForOperationUseCase,
    private readonly idempotently: IdempotentAcceptance,
    private readonly adapters: ProviderAdapterRegistry,
  ) {}

  async execute(command: SubmitUpdateCommand): Promise<SubmitUpdateResult> {
    const request = validateUpdateRequest(command.body);
    this.checkChanges(request);
    if (request.dryRun) return { status: 200, operation: await this.plan.execute({ request, apiKeyName: command.apiKeyName }), replayed: false };

    let accepted: { operation: Operation; callbackSecret?: string; replayed: boolean };
    if (command.idempotencyKey !== undefined) {
      accepted = await this.idempotently.accept(command.apiKeyName, command.idempotencyKey, IdempotencyStore.bodyHash(command.body), () =>
        this.accept.execute({ request, apiKeyName: command.apiKeyName }),
      );
    } else {
      accepted = { ...(await this.accept.execute({ request, apiKeyName: command.apiKeyName })), replayed: false };
    }
    const waitSeconds = command.waitSeconds === undefined ? undefined : honouredWaitSeconds(command.waitSeconds);
    if (waitSeconds) {
      const waited = await this.wait.execute({ operationId: accepted.operation.id, timeoutMs: waitSeconds * 1000 });
      if (waited.finished && waited.operation) {
        return { status: 200, operation: waited.operation, callbackSecret: accepted.callbackSecret, replayed: accepted.replayed, waitApplied: waitSeconds };
      }
    }
    return { status: 202, operation: accepted.operation, callbackSecret: accepted.callbackSecret, replayed: accepted.replayed };
  }

  /** What each adapter can refuse from the request alone: a 422 now, for real updates and dry runs alike, nothing stored. */
  private checkChanges(request: ValidatedUpdateRequest): void {
    const errors: FieldError[] = this.adapters.refusedChanges(request.updates);
    if (errors.length) throw ProblemException.unprocessable(errors.slice(0, 100), 'The changes cannot be applied as requested.');
  }
}
