import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

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
  /** @example "SUCCESS" */
  status: string;
  /** Apinizer's deployment result, as returned (either documented shape). */
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, nullable: true })
  deploymentResult?: Record<string, unknown> | null;
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

/** Why a target failed. */
export class ResultErrorDto {
  /**
   * Stable machine-readable code: VALIDATION_FAILED, INVALID_CHANGE, PROVIDER_AUTH, TARGET_NOT_FOUND, RESOURCE_LOCKED, RATE_LIMITED,
   * PROVIDER_UNAVAILABLE, PROVIDER_ERROR, TASK_FAILED, TASK_TIMEOUT, DEPLOYMENT_FAILED, INTERNAL_ERROR.
   * @example "TASK_FAILED"
   */
  code: string;
  /** @example "Task 0f4c... ended in ERROR: quota exceeded" */
  message: string;
  /** The provider's HTTP status, when the provider answered. */
  providerStatus?: number;
  /** The provider's error body, as returned. */
  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  providerBody?: unknown;
}

/** The state of one target of an operation. */
export class OperationResultDto {
  /** Position of the target in the request. */
  index: number;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'The target as sent.' })
  target: Record<string, unknown>;
  @ApiProperty({ enum: ['PENDING', 'RUNNING', 'SUCCEEDED', 'FAILED'] })
  status: string;
  gcore?: GcoreResultDto;
  apinizer?: ApinizerResultDto;
  /** Provider calls (always present for dry runs). */
  plan?: PlannedCallDto[];
  error?: ResultErrorDto;
}

/** An accepted update and where it stands. */
export class OperationDto {
  /** @example "op_01JD8X3Q4M5N6P7R8S9T0V1W2X" */
  id: string;
  @ApiProperty({ enum: ['PENDING', 'RUNNING', 'SUCCEEDED', 'FAILED', 'PARTIALLY_SUCCEEDED'] })
  status: string;
  createdAt: string;
  updatedAt: string;
  completedAt: string | null;
  reference?: string | null;
  dryRun: boolean;
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
