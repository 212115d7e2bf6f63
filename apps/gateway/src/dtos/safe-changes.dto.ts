import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsString, IsUrl, MaxLength } from 'class-validator';
import { IsOptionalNonNull } from '@rpg/common';
import { DRIFT_STATES } from '@rpg/operations';
import { ResultErrorDto } from '@rpg/routing-policy';

/** Body of POST /v1/operations/{id}/revert (all optional: `{}` reverts every target that succeeded). */
export class RevertRequestDto {
  /** Plan only: each target's calls, diff and drift state; nothing written (200). @example false */
  @IsOptionalNonNull()
  @IsBoolean()
  dryRun?: boolean;

  /** Also revert targets changed since the operation (those later changes are overwritten). @example false */
  @IsOptionalNonNull()
  @IsBoolean()
  force?: boolean;

  /** Any client string, echoed in the revert operation and its events. @example "undo-change-1234" */
  @IsOptionalNonNull()
  @IsString()
  @MaxLength(200)
  reference?: string;

  /** The revert's events are also sent here, signed with the callbackSecret returned once in the 202 answer. */
  @IsOptionalNonNull()
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] })
  @MaxLength(2048)
  callbackUrl?: string;
}

/** One field that differs: what the operation left, and what is there now. */
export class DriftFieldDto {
  /** @example "tags.team" */
  field: string;
  @ApiProperty({ description: 'The value the operation left.', example: 'web' })
  applied: unknown;
  @ApiProperty({ description: 'The value now.', example: 'payments' })
  current: unknown;
}

/** One target's drift. */
export class DriftItemDto {
  index: number;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'The target as sent.' })
  target: Record<string, unknown>;
  @ApiProperty({
    enum: DRIFT_STATES,
    description: 'IN_SYNC, DRIFTED (see diff), NOT_FOUND, NOT_APPLIED (the target did not succeed), UNKNOWN (see reason), ERROR (see error).',
  })
  state: string;
  diff?: DriftFieldDto[];
  /** Why the target could not be compared. */
  reason?: string;
  @ApiPropertyOptional({ type: ResultErrorDto })
  error?: ResultErrorDto;
}

export class DriftResponseDto {
  items: DriftItemDto[];
}
