import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { OPERATION_STATUSES } from '@rpg/routing-policy';

/** Filters and paging of GET /v1/operations. */
export class ListOperationsQueryDto {
  /** @example "FAILED" */
  @IsOptional()
  @IsIn(OPERATION_STATUSES)
  status?: (typeof OPERATION_STATUSES)[number];

  /** Only operations sent with this `reference` (exact match). @example "change-1234" */
  @IsOptional()
  @IsString()
  @MaxLength(200)
  reference?: string;

  /**
   * Page size, 1..200 (default 50).
   * @example 50
   */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;

  /** nextCursor of the previous page, sent as it is: anything else (forged, truncated, empty) is a 400 naming `cursor`. */
  @IsOptional()
  @IsString()
  cursor?: string;
}
