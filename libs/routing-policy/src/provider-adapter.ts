import type { DriftField } from './json-merge-patch';
import type { FieldDiff, GcoreTaskState, OperationResult, PlannedCall, ResultDetail, ResultError, Target, TargetState, Update } from './model';

/** What a planned change needs to be applied: the calls, plus adapter-private context (e.g. the merged policy). */
export interface ProviderPlan {
  calls: PlannedCall[];
  diff: FieldDiff[];
  context?: unknown;
  /** Provider detail a dry run shows too (e.g. Apinizer's merge base). */
  detail?: ResultDetail;
  /** The target's full state as read for this plan (what a revert restores), or why there is none. */
  before?: TargetState;
  beforeUnavailable?: string;
}

/** A target's state now: its unified fields, gone, or not knowable (e.g. Apinizer summary lists). */
export type CurrentState = { found: true; state: TargetState } | { found: false } | { found: 'unknown'; reason: string };

/** A bad field of an update's changes; `path` is relative to the update, e.g. `changes.policy.name`. */
export interface ChangeFieldError {
  path: string;
  message: string;
}

/** What applying a plan produced; `waitForGcoreTasks` lists tasks that must end before the target counts as done. */
export interface ApplyOutcome {
  detail: ResultDetail;
  waitForGcoreTasks?: string[];
  /** Set when the provider saved the change but the outcome is still a failure (e.g. Apinizer deployment failed). */
  failure?: { code: string; message: string; providerStatus?: number; providerBody?: unknown };
}

/**
 * One adapter per provider kind. Given a target and changes: plan the provider calls (reads and merges, no writes: dry runs
 * use this alone) and apply them. Adding a provider means one lib and one registration in ProviderAdapterRegistry.
 */
export interface ProviderAdapter {
  supports(target: Target): boolean;
  /** withDiff: also read what is needed for a field diff (dry runs). */
  plan(update: Update, options?: { withDiff?: boolean }): Promise<ProviderPlan>;
  apply(update: Update, plan: ProviderPlan): Promise<ApplyOutcome>;
  /**
   * Pure (no I/O): what the adapter can refuse from the request alone. Called for every update before anything is stored
   * or planned, so such a change is a 422 at once instead of a 202 that fails later. Empty when the changes pass.
   */
  checkChanges?(update: Update): ChangeFieldError[];
  /** Where the target's provider tasks run (Gcore project and region): lets the watcher follow many with one listing. */
  taskScope?(target: Target): TaskScope | undefined;
  /** The target's state now, in the same unified fields as `before` and `applied`. */
  currentState(target: Target): Promise<CurrentState>;
  /**
   * The state a finished change left: read again where the provider shows it fully, else derived from the write (the
   * plan; absent when the change ended later, after its provider tasks).
   */
  appliedState(update: Update, plan?: ProviderPlan): Promise<TargetState | undefined>;
  /** What differs between the state a change left and the state now; provider-filled fields (defaults, statuses) never count. */
  driftDiff(applied: TargetState, current: TargetState): DriftField[];
  /**
   * A result as shown outside the gateway: credential values (e.g. Apinizer passwords, client secrets) masked in its
   * changes, before, applied, plan and diff. The stored result keeps them (a revert restores them). Absent: nothing to hide.
   */
  maskSecrets?(result: OperationResult): OperationResult;
  /** The changes that bring a target from `current` back to `before` (as an update of this provider's kind). */
  revertChanges(target: Target, before: TargetState, current: TargetState | undefined, original: Update): Update['changes'];
}

export const PROVIDER_ADAPTERS = Symbol('PROVIDER_ADAPTERS');

/** The target of an operation that waits for external tasks. */
export interface TaskWaiter {
  operationId: string;
  index: number;
}

/** The provider scope a task belongs to (Gcore: project and region). */
export interface TaskScope {
  projectId: number;
  regionId: number;
}

/** A task that reached its end (or timed out) as reported to its waiters. */
export interface SettledTask {
  task: GcoreTaskState;
  failure?: ResultError;
}

/** Follows provider tasks to their end and reports them to the waiters; one polling loop per task id, however many waiters. */
export interface ExternalTaskWatcher {
  /** Registers the waiter on each task; returns the tasks already settled (the caller records them at once). */
  watch(taskIds: string[], waiter: TaskWaiter, scope?: TaskScope): Promise<SettledTask[]>;
}

export const EXTERNAL_TASK_WATCHER = Symbol('EXTERNAL_TASK_WATCHER');

/** What a provider says about a target now, in unified fields (`current`) and as returned (`provider`). */
export interface TargetReading {
  found: boolean;
  current?: Record<string, unknown>;
  provider?: unknown;
}

/** Reads targets of one provider (aggregated lookup). */
export interface ProviderReader {
  supports(target: Target): boolean;
  read(target: Target): Promise<TargetReading>;
}

export const PROVIDER_READERS = Symbol('PROVIDER_READERS');
