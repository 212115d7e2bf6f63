import { Injectable } from '@nestjs/common';
import { ProblemException } from '@rpg/common';
import { Operation } from '@rpg/routing-policy';
import { IdempotencyStore } from './idempotency.store';
import { OperationStore } from './operation.store';

/**
 * Accepts at most once per `Idempotency-Key` (scoped to the API key, 24 h): the same key and body answer the operation
 * the first request created (replayed), another body is a 422, a request still being accepted makes the next wait.
 * Shared by updates and reverts (their bodies hash differently, so one key cannot serve both).
 */
@Injectable()
export class IdempotentAcceptance {
  constructor(
    private readonly idempotency: IdempotencyStore,
    private readonly store: OperationStore,
  ) {}

  async accept<T extends { operation: Operation; callbackSecret?: string }>(
    apiKeyName: string,
    key: string,
    bodyHash: string,
    accept: () => Promise<T>,
  ): Promise<(T & { replayed: false }) | { operation: Operation; replayed: true }> {
    if (!/^[\x21-\x7e]{1,255}$/.test(key)) throw ProblemException.validation([{ path: 'Idempotency-Key', message: 'must be 1-255 visible ASCII characters' }]);
    for (let attempt = 0; attempt < 100; attempt++) {
      const claim = await this.idempotency.claim(apiKeyName, key, bodyHash);
      if (claim.kind === 'mismatch') {
        throw new ProblemException({
          status: 422,
          slug: 'idempotency-key-reused',
          detail: 'This Idempotency-Key was already used with a different request body.',
          errors: [{ path: 'Idempotency-Key', message: 'was used with another body' }],
        });
      }
      if (claim.kind === 'replay') {
        const stored = await this.store.get(claim.operationId);
        if (stored) return { operation: stored.operation, replayed: true };
        await this.idempotency.release(apiKeyName, key); // the operation expired: start over
        continue;
      }
      if (claim.kind === 'in-progress') {
        await new Promise((r) => setTimeout(r, 50));
        continue;
      }
      try {
        const accepted = await accept();
        await this.idempotency.complete(apiKeyName, key, bodyHash, accepted.operation.id);
        return { ...accepted, replayed: false };
      } catch (error) {
        await this.idempotency.release(apiKeyName, key);
        throw error;
      }
    }
    throw new ProblemException({
      status: 409,
      slug: 'idempotency-key-busy',
      detail: 'A request with this Idempotency-Key is still being processed; retry shortly.',
    });
  }
}
