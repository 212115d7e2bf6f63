import { Injectable } from '@nestjs/common';
import { FieldError, ProblemException } from '@rpg/common';
import { ProviderAdapterRegistry } from '@rpg/providers';
import { Operation, ValidatedUpdateRequest, validateUpdateRequest } from '@rpg/routing-policy';
import { IdempotencyStore } from '../../idempotency.store';
import { OperationStore } from '../../operation.store';
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
    private readonly idempotency: IdempotencyStore,
    private readonly store: OperationStore,
    private readonly adapters: ProviderAdapterRegistry,
  ) {}

  async execute(command: SubmitUpdateCommand): Promise<SubmitUpdateResult> {
    const request = validateUpdateRequest(command.body);
    this.checkChanges(request);
    if (request.dryRun) return { status: 200, operation: await this.plan.execute({ request, apiKeyName: command.apiKeyName }), replayed: false };

    let accepted: { operation: Operation; callbackSecret?: string; replayed: boolean };
    if (command.idempotencyKey !== undefined) {
      accepted = await this.acceptIdempotently(request, command.apiKeyName, command.idempotencyKey, IdempotencyStore.bodyHash(command.body));
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
    const errors: FieldError[] = request.updates.flatMap((update, i) =>
      (this.adapters.forTarget(update.target).checkChanges?.(update) ?? []).map((e) => ({ path: `updates[${i}].${e.path}`, message: e.message })),
    );
    if (errors.length) throw ProblemException.unprocessable(errors.slice(0, 100), 'The changes cannot be applied as requested.');
  }

  private async acceptIdempotently(request: ValidatedUpdateRequest, apiKeyName: string, key: string, bodyHash: string) {
    if (!/^[\x21-\x7e]{1,255}$/.test(key)) throw ProblemException.validation([{ path: 'Idempotency-Key', message: 'must be 1-255 visible ASCII characters' }]);
    for (let attempt = 0; attempt < 100; attempt++) {
      const claim = await this.idempotency.claim(apiKeyName, key, bodyHash);
      if (claim.kind === 'mismatch') {
        throw new ProblemException({
          status: 422,
          slug: 'idempotency-key-reused',
          detail: 'This Idempotency-Key was already used with a different request body.',
          errors: [{ path: 'Idempotency-Key', message: 'was used with another body' }],
        });
      }
      if (claim.kind === 'replay') {
        const stored = await this.store.get(claim.operationId);
        if (stored) return { operation: stored.operation, replayed: true };
        await this.idempotency.release(apiKeyName, key); // the operation expired: start over
        continue;
      }
      if (claim.kind === 'in-progress') {
        await new Promise((r) => setTimeout(r, 50));
        continue;
      }
      try {
        const accepted = await this.accept.execute({ request, apiKeyName });
        await this.idempotency.complete(apiKeyName, key, bodyHash, accepted.operation.id);
        return { ...accepted, replayed: false };
      } catch (error) {
        await this.idempotency.release(apiKeyName, key);
        throw error;
      }
    }
    throw new ProblemException({
      status: 409,
      slug: 'idempotency-key-busy',
      detail: 'A request with this Idempotency-Key is still being processed; retry shortly.',
    });
  }
}
