import type {
  ApinizerPolicyChangesDto,
  ApinizerPolicyTargetDto,
  GcoreL7PolicyChangesDto,
  GcoreL7PolicyTargetDto,
  GcoreLoadBalancerChangesDto,
  GcoreLoadBalancerTargetDto,
} from './dtos';

export type GcoreL7PolicyTarget = Omit<GcoreL7PolicyTargetDto, never>;
export type GcoreLoadBalancerTarget = Omit<GcoreLoadBalancerTargetDto, never>;
export type ApinizerPolicyTarget = Omit<ApinizerPolicyTargetDto, never>;
export type Target = GcoreL7PolicyTarget | GcoreLoadBalancerTarget | ApinizerPolicyTarget;

export type Update =
  | { target: GcoreL7PolicyTarget; changes: GcoreL7PolicyChangesDto }
  | { target: GcoreLoadBalancerTarget; changes: GcoreLoadBalancerChangesDto }
  | { target: ApinizerPolicyTarget; changes: ApinizerPolicyChangesDto };

export interface ValidatedUpdateRequest {
  updates: Update[];
  dryRun: boolean;
  callbackUrl?: string;
  reference?: string;
  /** A staged rollout (absent: every target at once, a failure changes nothing for the others). */
  rollout?: RolloutPlan;
}

export const ROLLOUT_FAILURE_MODES = ['continue', 'halt', 'revert'] as const;
export type RolloutOnFailure = (typeof ROLLOUT_FAILURE_MODES)[number];

/** A staged rollout as validated: the batches as target indexes (request order, every target in exactly one). */
export interface RolloutPlan {
  batches: number[][];
  pauseSeconds: number;
  onFailure: RolloutOnFailure;
}

/**
 * Where a rollout stands: PLANNED (dry run), RUNNING (batch `current` runs), PAUSED (batch `current` ended; the next
 * starts at `resumesAt`), HALTED (a target failed: the unstarted ones are cancelled, started ones finish), COMPENSATING
 * (restoring what it changed), COMPLETED, ROLLED_BACK, ROLLBACK_FAILED.
 */
export const ROLLOUT_STATES = ['PLANNED', 'RUNNING', 'PAUSED', 'HALTED', 'COMPENSATING', 'COMPLETED', 'ROLLED_BACK', 'ROLLBACK_FAILED'] as const;
export type RolloutState = (typeof ROLLOUT_STATES)[number];

export interface RolloutStatus extends RolloutPlan {
  /** The batch started last (index into `batches`). */
  current: number;
  state: RolloutState;
  /** PAUSED: when the next batch starts. */
  resumesAt?: string;
  /** ROLLBACK_FAILED: the targets whose state this operation changed and could not restore, and why. */
  notRestored?: SkippedTarget[];
}

/** How a target this rollout changed was restored after a failure (onFailure `revert`). */
export interface Compensation {
  status: 'PENDING' | 'SUCCEEDED' | 'FAILED' | 'SKIPPED';
  /** The operation that restores it (a revert of this one). */
  operationId?: string;
  /** SKIPPED: why it was left as it is (e.g. changed since this operation wrote it). */
  reason?: string;
  error?: ResultError;
}

export const OPERATION_STATUSES = ['PENDING', 'RUNNING', 'SUCCEEDED', 'FAILED', 'PARTIALLY_SUCCEEDED', 'ROLLED_BACK', 'ROLLBACK_FAILED'] as const;
export type OperationStatus = (typeof OPERATION_STATUSES)[number];
export const RESULT_STATUSES = ['PENDING', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED'] as const;
export type ResultStatus = (typeof RESULT_STATUSES)[number];
export const TERMINAL_OPERATION_STATUSES: ReadonlySet<string> = new Set(['SUCCEEDED', 'FAILED', 'PARTIALLY_SUCCEEDED', 'ROLLED_BACK', 'ROLLBACK_FAILED']);
export const TERMINAL_RESULT_STATUSES: ReadonlySet<string> = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED']);

export interface ResultError {
  code: string;
  message: string;
  providerStatus?: number;
  providerBody?: unknown;
  /** The fields at fault, when the failure is about the request's fields (paths like `changes.policy.order`). */
  errors?: { path: string; message: string }[];
}

export interface GcoreTaskState {
  id: string;
  state: 'NEW' | 'RUNNING' | 'FINISHED' | 'ERROR';
  error: string | null;
}

export interface PlannedCall {
  method: string;
  path: string;
  body: Record<string, unknown>;
}

export interface FieldDiff {
  field: string;
  from: unknown;
  to: unknown;
}

/** What a result carries beside its status (written atomically with the status). */
export interface ResultDetail {
  gcore?: { taskIds: string[]; tasks?: GcoreTaskState[] };
  apinizer?: {
    /** Apinizer's answer status (e.g. SUCCESS); absent in a dry run (nothing was sent). */
    status?: string;
    deploymentResult?: Record<string, unknown> | null;
    /**
     * What the PUT body was built from: a full policy read from Apinizer now, the last config this gateway applied, or the
     * request alone (`changes.replacePolicy`).
     */
    mergedFrom?: 'provider' | 'last-applied' | 'request';
    /** When the last-applied config was written (only with mergedFrom `last-applied`). */
    lastAppliedAt?: string;
  };
  plan?: PlannedCall[];
  diff?: FieldDiff[];
  error?: ResultError;
  /** The target's state (unified fields) read just before the write; what a revert restores. */
  before?: TargetState;
  /** Why `before` is absent although the target was read (e.g. Apinizer listed only a summary of the policy). */
  beforeUnavailable?: string;
  /** The target's state once the change finished (Gcore: read again after its tasks; Apinizer: read back, or the write). */
  applied?: TargetState;
  /** PENDING behind an earlier update of the same target: that update (`<operationId>#<index>`), as found at acceptance. */
  queuedBehind?: string;
  /** RUNNING through a provider outage: the try made last, when the next one starts, why it failed (cleared at the end). */
  retrying?: TargetRetrying;
}

/** A target waiting out a provider outage (contract §4): shown while it retries, gone once it succeeds or fails. */
export interface TargetRetrying {
  /** Tries that failed so far in this outage (1 after the first). */
  attempt: number;
  /** When the next try starts (ISO-8601). */
  nextAt: string;
  /** Why the last try failed, mapped like any result error (no provider body). */
  lastError: ResultError;
}

/** A target a revert leaves alone. */
export interface SkippedTarget {
  /** Its index in the reverted operation. */
  index: number;
  target: Target;
  reason: string;
}

/** A target's state in unified fields (Gcore: the policy / load balancer fields; Apinizer: the full policy and its place). */
export type TargetState = Record<string, unknown>;

export interface OperationResult extends ResultDetail {
  index: number;
  target: Target;
  status: ResultStatus;
  /** The changes as requested for this target (a history view shows what was asked). */
  changes: Update['changes'];
  /** A rollout with onFailure `revert` that failed: how this target was restored. */
  compensation?: Compensation;
}

export interface Operation {
  id: string;
  status: OperationStatus;
  createdAt: string;
  updatedAt: string;
  completedAt: string | null;
  reference: string | null;
  dryRun: boolean;
  /** The name of the API key that asked for it. */
  requestedBy: string;
  /** The operation this one reverts. */
  revertOf?: string;
  /** The operations that revert this one. */
  revertedBy?: string[];
  /** A revert: the targets of the reverted operation it leaves as they are, and why. */
  skipped?: SkippedTarget[];
  /** A staged rollout: its batches and where it stands. */
  rollout?: RolloutStatus;
  results: OperationResult[];
}

/** A stable key per provider resource: updates with the same key run one at a time, in acceptance order. */
export function targetKey(target: Target): string {
  switch (target.provider) {
    case 'gcore':
      return `gcore:${target.kind}:${target.projectId}:${target.regionId}:${target.id.toLowerCase()}`;
    case 'apinizer':
      return ['apinizer', 'policy', target.projectName, target.apiProxyName, target.policyName.toLowerCase()].map(encodeURIComponent).join(':');
  }
}
