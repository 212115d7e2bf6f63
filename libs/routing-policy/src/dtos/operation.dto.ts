import { ApiExtraModels, ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import { Compensation, OPERATION_STATUSES, RESULT_STATUSES, ROLLOUT_FAILURE_MODES, ROLLOUT_STATES, RolloutOnFailure, RolloutState } from '../model';
import { ALL_ERROR_CODES, ERROR_CODE_DESCRIPTIONS } from '../provider-error';
import { ApinizerPolicyChangesDto, GcoreL7PolicyChangesDto, GcoreLoadBalancerChangesDto } from './changes.dto';
import { ApinizerPolicyTargetDto, GcoreL7PolicyTargetDto, GcoreLoadBalancerTargetDto } from './targets.dto';

/** The outcome of one Gcore task. */
export class GcoreTaskStateDto {
  /** @example "0f4c7c1e-8b9e-4c1a-9d6e-2f0d3c1a7b21" */
  id: string;
  /** @example "FINISHED" */
  @ApiProperty({ enum: ['NEW', 'RUNNING', 'FINISHED', 'ERROR'] })
  state: string;
  /** The task's error text when it ended in ERROR. */
  error: string | null;
}

/** What Gcore answered and how its tasks went. */
export class GcoreResultDto {
  /** Every task id of the write (all are polled to the end). */
  taskIds: string[];
  tasks: GcoreTaskStateDto[];
}

/** What Apinizer answered. */
export class ApinizerResultDto {
  /**
   * Apinizer's answer status; absent in a dry run (nothing was sent).
   * @example "SUCCESS"
   */
  status?: string;
  /** Apinizer's deployment result, as returned (either documented shape). */
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, nullable: true })
  deploymentResult?: Record<string, unknown> | null;
  /**
   * What the PUT body was built from: `provider` (the full policy read from Apinizer just now), `last-applied` (the last
   * full config this gateway applied, not a fresh read: every setting changed in Apinizer's console since lastAppliedAt
   * is set back to that config's value) or `request` (`changes.replacePolicy: true`: the request's policy is the whole policy).
   */
  @ApiPropertyOptional({ enum: ['provider', 'last-applied', 'request'] })
  mergedFrom?: 'provider' | 'last-applied' | 'request';
  /** When the last-applied config was written (only with mergedFrom `last-applied`). */
  lastAppliedAt?: string;
}

/** One provider call the gateway makes (or would make, in a dry run). */
export class PlannedCallDto {
  /** @example "PATCH" */
  method: string;
  /** @example "/cloud/v1/l7policies/1/76/d1b2c3d4-0000-4000-8000-000000000001" */
  path: string;
  @ApiProperty({ type: 'object', additionalProperties: true })
  body: Record<string, unknown>;
}

/** One field a change sets: its value now (`from`) and after the change (`to`). */
export class FieldDiffDto {
  /** @example "name" */
  field: string;
  /** The value now (null where the field is unset). */
  @ApiProperty({ nullable: true, description: 'The value now (null where the field is unset).' })
  from: unknown;
  /** The value the change sets. */
  @ApiProperty({ nullable: true, description: 'The value the change sets.' })
  to: unknown;
}

/** One field at fault. */
export class ResultFieldErrorDto {
  /** @example "changes.policy.order" */
  path: string;
  /** @example "must be an integer" */
  message: string;
}

/** One line per code, from the one list in provider-error.ts. */
const ERROR_CODE_LIST = ALL_ERROR_CODES.map((code) => `- \`${code}\`: ${ERROR_CODE_DESCRIPTIONS[code]}`).join('\n');

/** Why a target failed. */
export class ResultErrorDto {
  @ApiProperty({ enum: ALL_ERROR_CODES, example: 'TASK_FAILED', description: `Stable machine-readable code:\n${ERROR_CODE_LIST}` })
  code: string;
  /** @example "Task 0f4c... ended in ERROR: quota exceeded" */
  message: string;
  /** The provider's HTTP status, when the provider answered. */
  providerStatus?: number;
  /** The provider's error body, as returned. */
  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  providerBody?: unknown;
  /** The fields at fault when the failure is about the request's fields (e.g. INVALID_CHANGE): paths like `changes.policy.order`. */
  errors?: ResultFieldErrorDto[];
}

/**
 * A target waiting out a provider outage (the provider answers 502/503/504/429 or cannot be reached): it stays RUNNING
 * and is tried again, 1 s doubling up to PROVIDER_OUTAGE_BACKOFF_MAX_MS apart, until PROVIDER_OUTAGE_BUDGET_MS since the
 * first failure of the outage has passed (then it ends FAILED with PROVIDER_UNAVAILABLE). Gone once the target ends.
 */
export class TargetRetryingDto {
  /**
   * Tries that failed so far in this outage (1 after the first).
   * @example 3
   */
  attempt: number;
  /**
   * When the next try starts (ISO-8601).
   * @example "2026-01-01T12:00:30.000Z"
   */
  nextAt: string;
  /** Why the last try failed (code, provider status, message). */
  lastError: ResultErrorDto;
}

/** The statuses of a compensation, in the order they are reached. */
const COMPENSATION_STATUSES = ['PENDING', 'SUCCEEDED', 'FAILED', 'SKIPPED'] as const satisfies readonly Compensation['status'][];

/**
 * How a target a staged rollout changed was restored after a failure (onFailure `revert`): PENDING (until the restoring
 * operation ended this target), SUCCEEDED (its `before` state is back), FAILED (see `error`), SKIPPED (left as it is, see
 * `reason`: e.g. it changed since this operation wrote it, so restoring would overwrite a later change).
 */
export class CompensationDto {
  /** @example "SUCCEEDED" */
  @ApiProperty({
    enum: COMPENSATION_STATUSES,
    description:
      'PENDING (until the restoring operation ended this target), SUCCEEDED (its `before` state is back), FAILED (see `error`), ' +
      'SKIPPED (left as it is, see `reason`).',
  })
  status: Compensation['status'];
  /**
   * The operation that restores it (a revert of this one, carrying `revertOf`).
   * @example "op_01JD8X3Q4M5N6P7R8S9T0V1W2Y"
   */
  operationId?: string;
  /**
   * SKIPPED: why the target was left as it is.
   * @example "The target changed since this operation wrote it (name): restoring it would overwrite a later change."
   */
  reason?: string;
  /** FAILED: why the restore failed. */
  error?: ResultErrorDto;
}

/** The state of one target of an operation. */
@ApiExtraModels(
  GcoreL7PolicyTargetDto,
  GcoreLoadBalancerTargetDto,
  ApinizerPolicyTargetDto,
  GcoreL7PolicyChangesDto,
  GcoreLoadBalancerChangesDto,
  ApinizerPolicyChangesDto,
)
export class OperationResultDto {
  /** Position of the target in the request. */
  index: number;
  @ApiProperty({
    description: 'The target as sent (its `provider` and `kind` say which).',
    oneOf: [
      { $ref: getSchemaPath(GcoreL7PolicyTargetDto) },
      { $ref: getSchemaPath(GcoreLoadBalancerTargetDto) },
      { $ref: getSchemaPath(ApinizerPolicyTargetDto) },
    ],
  })
  target: Record<string, unknown>;
  @ApiProperty({
    description: "The changes as requested for this target (the target's kind says which shape).",
    oneOf: [
      { $ref: getSchemaPath(GcoreL7PolicyChangesDto) },
      { $ref: getSchemaPath(GcoreLoadBalancerChangesDto) },
      { $ref: getSchemaPath(ApinizerPolicyChangesDto) },
    ],
  })
  changes: GcoreL7PolicyChangesDto | GcoreLoadBalancerChangesDto | ApinizerPolicyChangesDto;
  @ApiProperty({
    enum: RESULT_STATUSES,
    description:
      'PENDING (waiting for its turn: its rollout batch, or an earlier update of the same target, see `queuedBehind`), RUNNING, ' +
      'SUCCEEDED, FAILED (see `error`), CANCELLED (a staged rollout stopped before this target: nothing was written to it, ' +
      'error.code `CANCELLED_BY_ROLLOUT`).',
  })
  status: string;
  gcore?: GcoreResultDto;
  apinizer?: ApinizerResultDto;
  /** Provider calls (always present for dry runs). */
  plan?: PlannedCallDto[];
  /** A dry run: each field the change would set, its value now and after (credential values masked). */
  diff?: FieldDiffDto[];
  error?: ResultErrorDto;
  /**
   * The target's state read just before the write, in unified fields (Gcore: the policy / load balancer fields; Apinizer:
   * `policy` in full with targetScope, targetPipeline, targetEndpoint, targetEndpointHTTPMethod, order). What a revert restores.
   * Credential values are masked.
   */
  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  before?: Record<string, unknown>;
  /** Why `before` is absent (e.g. Apinizer listed only a summary of the policy and no config was applied by this gateway yet). */
  beforeUnavailable?: string;
  /** The state the change left (Gcore: read again after its tasks ended; Apinizer: read back, or as written). Credential values are masked. */
  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  applied?: Record<string, unknown>;
  /**
   * PENDING behind an earlier update of the same target (updates of one target run one at a time, in acceptance order):
   * that update, as `<operationId>#<index>`, as found when this operation was accepted.
   * @example "op_01JD8X3Q4M5N6P7R8S9T0V1W2X#0"
   */
  queuedBehind?: string;
  /** RUNNING through a provider outage: the last failed try, when the next one starts and why it failed. Cleared when the target ends. */
  retrying?: TargetRetryingDto;
  /** A staged rollout with onFailure `revert` that failed: how this target was restored (targets this operation changed). */
  compensation?: CompensationDto;
}

/** A target a revert leaves alone. */
export class SkippedTargetDto {
  /** Its index in the reverted operation. */
  index: number;
  @ApiProperty({ type: 'object', additionalProperties: true })
  target: Record<string, unknown>;
  /** @example "The target did not succeed (FAILED): nothing of the change was applied." */
  reason: string;
}

/**
 * Where a staged rollout stands. `state`: PLANNED (a dry run), RUNNING (batch `current` runs), PAUSED (batch `current`
 * ended; the next starts at `resumesAt`), HALTED (a target failed with onFailure `halt` or `revert`: the targets not started
 * are cancelled, started ones finish), COMPENSATING (onFailure `revert`: restoring what the operation changed), COMPLETED
 * (every batch ran), ROLLED_BACK (every changed target restored), ROLLBACK_FAILED (some could not be: see `notRestored`).
 */
export class RolloutStatusDto {
  @ApiProperty({
    description: 'The batches in the order they run, each the indexes of its targets in `results` (every target in exactly one batch).',
    type: 'array',
    items: { type: 'array', items: { type: 'integer', minimum: 0 } },
    example: [[0], [1, 2, 3], [4, 5]],
  })
  batches: number[][];
  /**
   * The batch started last (an index into `batches`; 0 before the first starts).
   * @example 1
   */
  @ApiProperty({ type: 'integer', minimum: 0 })
  current: number;
  /** @example "RUNNING" */
  @ApiProperty({
    enum: ROLLOUT_STATES,
    description:
      'PLANNED (a dry run), RUNNING (batch `current` runs), PAUSED (batch `current` ended; the next starts at `resumesAt`), HALTED ' +
      '(a target failed: the targets not started are cancelled, started ones finish), COMPENSATING (restoring what the operation ' +
      'changed), COMPLETED, ROLLED_BACK, ROLLBACK_FAILED (see `notRestored`).',
  })
  state: RolloutState;
  /**
   * Seconds between the end of a batch and the start of the next.
   * @example 60
   */
  @ApiProperty({ type: 'integer', minimum: 0, maximum: 3600 })
  pauseSeconds: number;
  /** @example "halt" */
  @ApiProperty({ enum: ROLLOUT_FAILURE_MODES, description: 'What a failed target does to the rest: `continue`, `halt` or `revert`.' })
  onFailure: RolloutOnFailure;
  /** PAUSED: when the next batch starts (ISO-8601). */
  resumesAt?: string;
  /** ROLLBACK_FAILED: the targets this operation changed and could not restore, and why. */
  notRestored?: SkippedTargetDto[];
}

/** An accepted update and where it stands. */
export class OperationDto {
  /** @example "op_01JD8X3Q4M5N6P7R8S9T0V1W2X" */
  id: string;
  @ApiProperty({
    enum: OPERATION_STATUSES,
    description:
      'PENDING, RUNNING, then SUCCEEDED (every target), FAILED (none), PARTIALLY_SUCCEEDED (some); a staged rollout with ' +
      'onFailure `revert` that failed ends ROLLED_BACK (what it changed is restored) or ROLLBACK_FAILED (not all of it: see `rollout.notRestored`).',
  })
  status: string;
  createdAt: string;
  updatedAt: string;
  completedAt: string | null;
  reference?: string | null;
  dryRun: boolean;
  /** The name of the API key that asked for it. @example "web" */
  requestedBy: string;
  /** The operation this one reverts. */
  revertOf?: string;
  /** The operations that revert this one. */
  revertedBy?: string[];
  /** A revert: the targets of the reverted operation it leaves as they are. */
  skipped?: SkippedTargetDto[];
  /** A revert's dry run: the drift of every target of the reverted operation (see GET /v1/operations/{id}/drift). */
  @ApiPropertyOptional({ type: 'array', items: { type: 'object', additionalProperties: true } })
  drift?: Record<string, unknown>[];
  /** A staged rollout (the request's `rollout`): its batches and where it stands. */
  rollout?: RolloutStatusDto;
  results: OperationResultDto[];
  /** Only in the 202 answer of a request with callbackUrl: the secret that signs this operation's callbacks. Shown once. */
  callbackSecret?: string;
}

/** A page of operations, newest first. */
export class OperationPageDto {
  items: OperationDto[];
  /** Opaque cursor for the next page; null at the end. */
  nextCursor: string | null;
}
