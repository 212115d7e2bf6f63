import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { OPERATION_STATUSES } from '@rpg/routing-policy';

/** Query of GET /v1/operations/events (the list stream). */
export class OperationEventsQueryDto {
  /** Only operations that change into this status. @example "RUNNING" */
  @IsOptional()
  @IsIn(OPERATION_STATUSES)
  status?: (typeof OPERATION_STATUSES)[number];

  /** Only operations with this `reference` (exact match), like the list. @example "change-1234" */
  @IsOptional()
  @IsString()
  @MaxLength(200)
  reference?: string;

  /** A stream token from POST /v1/stream-tokens, for EventSource (which cannot send Authorization). Read by the API key guard. */
  @IsOptional()
  @IsString()
  access_token?: string;
}
