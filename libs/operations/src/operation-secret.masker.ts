import { Injectable, Optional } from '@nestjs/common';
import { ProviderAdapterRegistry } from '@rpg/providers';
import { Operation, OperationResult } from '@rpg/routing-policy';

/**
 * Operations as they leave the gateway (answers, events, streams): each result's credential values masked by its
 * provider's adapter. Stored records keep them: a revert restores what was there.
 */
@Injectable()
export class OperationSecretMasker {
  constructor(@Optional() private readonly adapters?: ProviderAdapterRegistry) {}

  mask(operation: Operation): Operation {
    return { ...operation, results: operation.results.map((result) => this.maskResult(result)) };
  }

  maskResult(result: OperationResult): OperationResult {
    return this.adapters?.forTarget(result.target).maskSecrets?.(result) ?? result;
  }
}
