import { IsOptional, IsString, Matches } from 'class-validator';

/** Body of POST /v1/stream-tokens. */
export class CreateStreamTokenDto {
  /** Bind the token to this operation's stream (it then opens no other). @example "op_01JD8X3Q4M5N6P7R8S9T0V1W2X" */
  @IsOptional()
  @IsString()
  @Matches(/^op_[0-9A-HJKMNP-TV-Z]{26}$/, { message: 'must be an operation id (op_...)' })
  operationId?: string;
}

/** A read-only token for EventSource: `?access_token=` on the event streams, nothing else. */
export class StreamTokenDto {
  /** Opaque; send it as `?access_token=` on GET /v1/operations/{id}/events or /v1/operations/events. */
  token: string;
  /** When it stops opening streams (at most 5 minutes; a stream already open stays open). @example "2026-12-02T10:05:00.000Z" */
  expiresAt: string;
}
