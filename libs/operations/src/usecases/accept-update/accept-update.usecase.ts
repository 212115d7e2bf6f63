import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { OutboundUrlPolicy } from '@rpg/common';
import { ServiceMetrics } from '@rpg/observability';
import { JobProducer } from '@rpg/queues';
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
 * Accepts a validated update: stores the operation (and queues each target on its lane) in one atomic step, then puts
 * the provider calls of the lane heads into BullMQ. Only then may the caller answer 202. A crash between the two
 * steps is repaired by the worker's recovery sweep (the operation stays in the unconfirmed set until its jobs exist).
 */
@Injectable()
export class AcceptUpdateUseCase {
  constructor(
    private readonly store: OperationStore,
    private readonly urlPolicy: OutboundUrlPolicy,
    private readonly metrics: ServiceMetrics,
    private readonly jobs: JobProducer,
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
    const { heads, queuedBehind } = await this.store.create(meta, request.updates, callbackSecret);
    // a rollout starts with its first batch; the others start as their turn comes (RolloutCoordinator)
    const first = request.rollout ? new Set(request.rollout.batches[0]) : undefined;
    await this.jobs.enqueueProviderCalls(
      id,
      heads.filter((i) => !first || first.has(i)),
    );
    // not awaited: until it lands, the recovery sweep may add the same jobs again, which their fixed ids make a no-op
    void this.store.confirmEnqueued(id).catch(() => undefined);
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
