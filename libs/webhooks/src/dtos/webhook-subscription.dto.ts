import { IsOptionalNonNull } from '@rpg/common';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsString, IsUrl, MaxLength } from 'class-validator';

export const SUBSCRIBABLE_EVENTS = ['operation.completed', 'operation.target.completed', '*'] as const;

/** A new webhook subscription. */
export class CreateWebhookSubscriptionDto {
  /**
   * Where events are POSTed (http or https; private and loopback addresses are refused unless the gateway allows them).
   * @example "https://hooks.example.com/routing-policy"
   */
  @IsString()
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] })
  @MaxLength(2048)
  url: string;

  /**
   * Event types to receive, or ["*"] for all.
   * @example ["operation.completed"]
   */
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(10)
  @IsIn(SUBSCRIBABLE_EVENTS, { each: true })
  events: string[];

  /** @example "Platform audit trail" */
  @IsOptionalNonNull()
  @IsString()
  @MaxLength(500)
  description?: string;
}

/** A webhook subscription (the secret is never shown again after creation). */
export class WebhookSubscriptionDto {
  /** @example "whs_01JD8X3Q4M5N6P7R8S9T0V1W2X" */
  id: string;
  url: string;
  events: string[];
  description: string | null;
  createdAt: string;
  /**
   * ENABLED, or DISABLED after the endpoint answered 410 Gone.
   * @example "ENABLED"
   */
  status: string;
  disabledReason?: string | null;
}

/** The answer to a create: the only time the secret is shown. */
export class CreatedWebhookSubscriptionDto extends WebhookSubscriptionDto {
  /**
   * Signing secret (Standard Webhooks), shown only here.
   * @example "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
   */
  secret: string;
}

/** One attempt to deliver an event. */
export class DeliveryAttemptDto {
  attempt: number;
  startedAt: string;
  durationMs: number;
  /** The endpoint's HTTP status; null when no answer came. */
  statusCode: number | null;
  error: string | null;
}

/** One event sent to one endpoint, with every attempt. */
export class WebhookDeliveryDto {
  id: string;
  eventId: string;
  eventType: string;
  /** PENDING, SUCCEEDED or FAILED (after the last attempt; kept for replay). */
  status: string;
  createdAt: string;
  nextRetryAt: string | null;
  attempts: DeliveryAttemptDto[];
}
