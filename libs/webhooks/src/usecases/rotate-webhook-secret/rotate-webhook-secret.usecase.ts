import { Injectable } from '@nestjs/common';
import { WebhookSubscriptionStore } from '../../webhook-subscription.store';
import { GetWebhookSubscriptionUseCase, subscriptionNotFound } from '../get-webhook-subscription/get-webhook-subscription.usecase';
import { RotateWebhookSecretCommand } from './rotate-webhook-secret.command';

/** How long the previous secret keeps signing (as a second signature) after a rotation. */
export const SECRET_ROTATION_OVERLAP_MS = 24 * 3600 * 1000;

export interface RotatedWebhookSecret {
  secret: string;
  previousSecretValidUntil: string;
}

/** A new signing secret, shown only in this answer; the old one keeps signing for SECRET_ROTATION_OVERLAP_MS. */
@Injectable()
export class RotateWebhookSecretUseCase {
  constructor(
    private readonly subscriptions: WebhookSubscriptionStore,
    private readonly getSubscription: GetWebhookSubscriptionUseCase,
  ) {}

  async execute({ subscriptionId }: RotateWebhookSecretCommand): Promise<RotatedWebhookSecret> {
    await this.getSubscription.execute({ subscriptionId });
    const secret = await this.subscriptions.rotateSecret(subscriptionId, SECRET_ROTATION_OVERLAP_MS);
    // deleted between the two reads
    if (!secret) throw subscriptionNotFound(subscriptionId);
    return { secret, previousSecretValidUntil: new Date(Date.now() + SECRET_ROTATION_OVERLAP_MS).toISOString() };
  }
}
