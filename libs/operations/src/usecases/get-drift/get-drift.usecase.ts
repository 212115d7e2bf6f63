import { Injectable } from '@nestjs/common';
import { ProviderAdapterRegistry } from '@rpg/providers';
import { DriftField, ERROR_CODES, OperationResult, ProviderError, ResultError, Target, TargetState, Update, targetKey } from '@rpg/routing-policy';
import { OperationSecretMasker } from '../../operation-secret.masker';
import { GetOperationUseCase } from '../get-operation/get-operation.usecase';
import { OperationStore } from '../../operation.store';
import { GetDriftCommand } from './get-drift.command';

/** Failures that come after the provider accepted the write: the target may well be changed. */
export const WRITTEN_THEN_FAILED: ReadonlySet<string> = new Set([
  ERROR_CODES.deploymentFailed,
  ERROR_CODES.deploymentUnconfirmed,
  ERROR_CODES.taskFailed,
  ERROR_CODES.taskTimeout,
]);

export const DRIFT_STATES = ['IN_SYNC', 'DRIFTED', 'NOT_FOUND', 'NOT_APPLIED', 'UNKNOWN', 'ERROR'] as const;
export type DriftState = (typeof DRIFT_STATES)[number];

/** One target's drift, as the API shows it (credential values masked in `diff`). */
export interface DriftItem {
  index: number;
  target: Target;
  state: DriftState;
  /** DRIFTED: each field that differs, the applied value and the current one. */
  diff?: DriftField[];
  /** Why the state could not be compared (NOT_APPLIED, UNKNOWN). */
  reason?: string;
  error?: ResultError;
}

/** A target's drift with the raw current state (credentials included): what a revert builds its changes from. */
export interface TargetDrift extends DriftItem {
  current?: TargetState;
}

/**
 * Reads every target of an operation now and compares it with the state the operation left (`applied`). One failing
 * provider never fails the whole answer: that target is ERROR. Fields the provider fills by itself are not drift.
 */
@Injectable()
export class GetDriftUseCase {
  constructor(
    private readonly getOperation: GetOperationUseCase,
    private readonly store: OperationStore,
    private readonly adapters: ProviderAdapterRegistry,
    private readonly masker: OperationSecretMasker,
  ) {}

  async execute({ operationId }: GetDriftCommand): Promise<{ items: DriftItem[] }> {
    await this.getOperation.execute({ operationId }); // 404 problem
    const stored = await this.store.get(operationId);
    if (!stored) return { items: [] };
    const drifts = await this.driftOf(stored.rawResults, stored.updates);
    return { items: drifts.map((d) => this.shown(d, stored.rawResults[d.index])) };
  }

  /** Every result's drift, with the raw current state (for a revert). */
  async driftOf(results: OperationResult[], updates: Update[]): Promise<TargetDrift[]> {
    // a target changed twice by one operation is compared once, against the state its last successful change left
    const last = new Map<string, number>();
    for (const r of results) if (r.status === 'SUCCEEDED') last.set(targetKey(r.target), r.index);
    const compared = new Map<number, Promise<TargetDrift>>();
    for (const index of last.values()) compared.set(index, this.targetDrift(results[index], updates[index]));
    return Promise.all(
      results.map(async (result) => {
        const representative = last.get(targetKey(result.target));
        if (result.status !== 'SUCCEEDED' || representative === undefined || representative === result.index) {
          return compared.get(result.index) ?? this.targetDrift(result, updates[result.index]);
        }
        const drift = await compared.get(representative)!;
        return {
          ...drift,
          index: result.index,
          reason: `Index ${representative} of this operation changed the same target last: compared against what it left.`,
        };
      }),
    );
  }

  /** As shown outside: the diff's values masked like the result's states. */
  shown(drift: TargetDrift, result: OperationResult): DriftItem {
    const { current: _current, ...item } = drift;
    if (!item.diff?.length) return item;
    const masked = this.masker.maskResult({ ...result, diff: item.diff.map((d) => ({ field: d.field, from: d.applied, to: d.current })) });
    return { ...item, diff: (masked.diff ?? []).map((d) => ({ field: d.field, applied: d.from, current: d.to })) };
  }

  private async targetDrift(result: OperationResult, update: Update): Promise<TargetDrift> {
    const base = { index: result.index, target: result.target };
    if (result.status !== 'SUCCEEDED') {
      return {
        ...base,
        state: 'NOT_APPLIED',
        reason:
          result.status !== 'FAILED'
            ? `The change is ${result.status}.`
            : WRITTEN_THEN_FAILED.has(result.error?.code ?? '')
              ? `The change failed with ${result.error?.code} after the provider accepted the write: it may be applied in part.`
              : 'The change failed before anything was written.',
      };
    }
    const adapter = this.adapters.forTarget(update.target);
    try {
      const now = await adapter.currentState(update.target);
      if (now.found === false) return { ...base, state: 'NOT_FOUND', reason: 'The target no longer exists at the provider.' };
      if (now.found === 'unknown') return { ...base, state: 'UNKNOWN', reason: now.reason };
      if (!result.applied) {
        const reason = 'The state the change left was not recorded (its read after the change failed, or the operation predates it).';
        return { ...base, state: 'UNKNOWN', reason, current: now.state };
      }
      const diff = adapter.driftDiff(result.applied, now.state);
      return { ...base, state: diff.length ? 'DRIFTED' : 'IN_SYNC', ...(diff.length ? { diff } : {}), current: now.state };
    } catch (error) {
      if (error instanceof ProviderError) return { ...base, state: 'ERROR', error: error.toResultError() };
      throw error;
    }
  }
}
