import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { OutboundUrlPolicy } from '@rpg/common';
import { ServiceMetrics } from '@rpg/observability';
import { Operation } from '@rpg/routing-policy';
import { newSortableId } from '../../operation-id';
import { OperationMeta, OperationStore } from '../../operation.store';
import { OperationSecretMasker } from '../../operation-secret.masker';
import { AcceptUpdateCommand } from './accept-update.command';

export interface AcceptedOperation {
  operation: Operation;
  callbackSecret?: string;
}

/**
 * Accepts a validated update: stores the operation, queues each target on its lane and hands the lane heads to the
 * worker's dispatcher, in one atomic step (one round trip); then the caller may answer 202. The dispatcher puts the
 * provider calls into BullMQ; one that dies on the way is repaired by the recovery sweep (the operation stays in the
 * unconfirmed set until its jobs exist).
 */
@Injectable()
export class AcceptUpdateUseCase {
  constructor(
    private readonly store: OperationStore,
    private readonly urlPolicy: OutboundUrlPolicy,
    private readonly metrics: ServiceMetrics,
    private readonly masker: OperationSecretMasker,
  ) {}

  async execute({ request, apiKeyName, revertOf, skipped, ...ahead }: AcceptUpdateCommand): Promise<AcceptedOperation> {
    if (request.callbackUrl) await this.urlPolicy.assertAllowed(request.callbackUrl, 'callbackUrl');
    const now = new Date();
    const id = ahead.id ?? newSortableId('op_', now.getTime());
    const createdAt = now.toISOString();
    const meta: OperationMeta = {
      id,
      createdAt,
      reference: request.reference ?? null,
      dryRun: false,
      count: request.updates.length,
      apiKeyName,
      ...(request.callbackUrl ? { callbackUrl: request.callbackUrl } : {}),
      ...(revertOf ? { revertOf, skipped: skipped ?? [] } : {}),
      ...(request.rollout ? { rollout: request.rollout } : {}),
      ...(ahead.compensates ? { compensates: ahead.compensates, guards: ahead.guards } : {}),
    };
    const callbackSecret = request.callbackUrl ? `whsec_${randomBytes(32).toString('base64')}` : undefined;
    // a rollout starts with its first batch; the others start as their turn comes (RolloutCoordinator)
    const { queuedBehind } = await this.store.create(meta, request.updates, callbackSecret, request.rollout ? request.rollout.batches[0] : '*');
    this.metrics.operationsAccepted.inc();
    return {
      callbackSecret,
      operation: this.masker.mask({
        id,
        status: 'PENDING',
        createdAt,
        updatedAt: createdAt,
        completedAt: null,
        reference: meta.reference,
        dryRun: false,
        requestedBy: apiKeyName,
        ...(revertOf ? { revertOf, skipped: skipped ?? [] } : {}),
        ...(request.rollout ? { rollout: { ...request.rollout, current: 0, state: 'RUNNING' } } : {}),
        results: request.updates.map((u, index) => ({
          index,
          target: u.target,
          status: 'PENDING',
          changes: u.changes,
          ...(queuedBehind.has(index) ? { queuedBehind: queuedBehind.get(index) } : {}),
        })),
      }),
    };
  }
}
