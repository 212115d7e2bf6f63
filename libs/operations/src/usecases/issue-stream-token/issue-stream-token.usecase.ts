import { Injectable } from '@nestjs/common';
import { SignedTokenCodec } from '@rpg/common';
import { GetOperationUseCase } from '../get-operation/get-operation.usecase';
import { IssueStreamTokenCommand } from './issue-stream-token.command';

/** How long a stream token opens streams: enough to connect (and reconnect) from a page, short enough to leak little. */
export const STREAM_TOKEN_TTL_MS = 5 * 60_000;

/** A read-only token for EventSource (`?access_token=` on SSE routes only), optionally bound to one operation. */
@Injectable()
export class IssueStreamTokenUseCase {
  constructor(
    private readonly tokens: SignedTokenCodec,
    private readonly getOperation: GetOperationUseCase,
  ) {}

  async execute({ apiKeyName, operationId }: IssueStreamTokenCommand): Promise<{ token: string; expiresAt: string }> {
    if (operationId !== undefined) await this.getOperation.execute({ operationId }); // 404 for an unknown operation
    const expiresAt = Date.now() + STREAM_TOKEN_TTL_MS;
    return { token: this.tokens.sign({ purpose: 'stream', keyName: apiKeyName, expiresAt, operationId }), expiresAt: new Date(expiresAt).toISOString() };
  }
}
