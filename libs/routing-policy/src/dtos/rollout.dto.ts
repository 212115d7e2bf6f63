import { ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsInt, Max, Min } from 'class-validator';
import { IsOptionalNonNull } from '@rpg/common';
import { ROLLOUT_FAILURE_MODES, RolloutOnFailure } from '../model';

/** The `batches` item that takes every target the batches before it left. */
export const ROLLOUT_REST = 'rest';
/** At most this many batches (one per target of the largest request). */
export const MAX_ROLLOUT_BATCHES = 50;
/** The largest batchSize (a larger one is one batch: use no rollout). */
export const MAX_ROLLOUT_BATCH_SIZE = 50;
/** The longest pause between two batches: one hour. */
export const MAX_ROLLOUT_PAUSE_SECONDS = 3600;

export type RolloutBatchSpec = number | typeof ROLLOUT_REST;

/**
 * A staged rollout: the targets run in batches instead of all at once. Batches run in request order (batch 1 holds
 * the first targets of `updates`); the next batch starts once every target of the current one ended and `pauseSeconds`
 * passed. Size the batches with `batches` or `batchSize`, not both; with neither, one batch holds every target.
 * `onFailure` says what a failed target does to the rest: `continue` (default) runs every batch anyway; `halt` ends every
 * target not started yet `CANCELLED` (error code `CANCELLED_BY_ROLLOUT`) and lets started ones finish: the operation is
 * PARTIALLY_SUCCEEDED if any target succeeded, else FAILED; `revert` halts and also restores what this operation changed
 * (each result's `compensation`), ending ROLLED_BACK, or ROLLBACK_FAILED when a target could not be restored (a target
 * changed since this operation wrote it is left as it is and listed in `rollout.notRestored`). Per-target order holds:
 * a later update of a target of a batch still waiting waits behind it (its result shows `queuedBehind`).
 */
export class RolloutDto {
  @ApiPropertyOptional({
    description:
      'Batch sizes in request order (1..50 items): an integer takes that many targets, `"rest"` (only as the last item) takes every ' +
      'target left. The integers must cover every update unless the list ends with `"rest"`; a size beyond the targets left is cut ' +
      'to them, and a batch left with no target is dropped. `[1, 3, "rest"]`: a canary, then three, then the others.',
    type: 'array',
    minItems: 1,
    maxItems: MAX_ROLLOUT_BATCHES,
    items: {
      oneOf: [
        { type: 'integer', minimum: 1 },
        { type: 'string', enum: [ROLLOUT_REST] },
      ],
    },
    example: [1, 3, ROLLOUT_REST],
  })
  // each item is checked by validateRollout (a path per item: rollout.batches[2])
  @IsOptionalNonNull()
  @IsArray()
  @ArrayMinSize(1, { message: `must hold 1 to ${MAX_ROLLOUT_BATCHES} batch sizes` })
  @ArrayMaxSize(MAX_ROLLOUT_BATCHES, { message: `must hold 1 to ${MAX_ROLLOUT_BATCHES} batch sizes` })
  batches?: RolloutBatchSpec[];

  /**
   * Every batch holds this many targets (the last one what is left), in request order. Not with `batches`.
   * @example 5
   */
  @ApiPropertyOptional({ type: 'integer' })
  @IsOptionalNonNull()
  @IsInt()
  @Min(1)
  @Max(MAX_ROLLOUT_BATCH_SIZE)
  batchSize?: number;

  /**
   * Seconds to wait after a batch ended (every target of it finished) before the next one starts (0..3600).
   * @example 60
   */
  @ApiPropertyOptional({ type: 'integer', default: 0 })
  @IsOptionalNonNull()
  @IsInt()
  @Min(0)
  @Max(MAX_ROLLOUT_PAUSE_SECONDS)
  pauseSeconds?: number;

  /**
   * What a failed target does to the targets not started yet: `continue` runs them anyway; `halt` cancels them
   * (`CANCELLED`, code `CANCELLED_BY_ROLLOUT`); `revert` cancels them and restores what this operation changed.
   * @example "halt"
   */
  @ApiPropertyOptional({ enum: ROLLOUT_FAILURE_MODES, default: 'continue' })
  @IsOptionalNonNull()
  @IsIn(ROLLOUT_FAILURE_MODES)
  onFailure?: RolloutOnFailure;
}
