import { Injectable } from '@nestjs/common';
import { ProblemException } from '@rpg/common';
import { ProviderAdapterRegistry } from '@rpg/providers';
import { ERROR_CODES, Operation, OperationResult, ProviderError } from '@rpg/routing-policy';
import { newSortableId } from '../../operation-id';
import { OperationSecretMasker } from '../../operation-secret.masker';
import { PlanUpdateCommand } from './plan-update.command';

/**
 * A dry run: every read and merge a real update would do, nothing written, nothing stored. Each result carries the exact
 * provider call (`plan`) and the field `diff`. Merge errors come back as a 422 problem naming the fields, like validation.
 * A staged rollout shows its resolved batches with state PLANNED (every target is planned at once: nothing waits).
 */
@Injectable()
export class PlanUpdateUseCase {
  constructor(
    private readonly adapters: ProviderAdapterRegistry,
    private readonly masker: OperationSecretMasker,
  ) {}

  async execute({ request, apiKeyName }: PlanUpdateCommand): Promise<Operation> {
    const now = new Date().toISOString();
    const results = await Promise.all(
      request.updates.map(async (update, index): Promise<OperationResult> => {
        try {
          const plan = await this.adapters.forTarget(update.target).plan(update, { withDiff: true });
          return { index, target: update.target, status: 'SUCCEEDED', changes: update.changes, ...plan.detail, plan: plan.calls, diff: plan.diff };
        } catch (error) {
          // the change itself cannot be applied as sent (a real update would end FAILED with this code, nothing sent)
          if (error instanceof ProviderError && (error.code === ERROR_CODES.invalidChange || error.code === ERROR_CODES.currentConfigUnknown)) {
            throw ProblemException.unprocessable(
              (error.fieldErrors ?? [{ path: 'changes', message: error.message }]).map((e) => ({ path: `updates[${index}].${e.path}`, message: e.message })),
              error.message,
            );
          }
          if (error instanceof ProviderError)
            return { index, target: update.target, status: 'FAILED', changes: update.changes, plan: [], error: error.toResultError() };
          throw error;
        }
      }),
    );
    const ok = results.filter((r) => r.status === 'SUCCEEDED').length;
    return this.masker.mask({
      id: newSortableId('op_'),
      status: ok === results.length ? 'SUCCEEDED' : ok === 0 ? 'FAILED' : 'PARTIALLY_SUCCEEDED',
      createdAt: now,
      updatedAt: now,
      completedAt: now,
      reference: request.reference ?? null,
      dryRun: true,
      requestedBy: apiKeyName,
      // a staged rollout is shown as planned: its batches, none started
      ...(request.rollout && { rollout: { ...request.rollout, current: 0, state: 'PLANNED' } }),
      results,
    });
  }
}
