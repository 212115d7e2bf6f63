/**
 * The webhook events the gateway sends (to subscriptions and callbackUrls), typed from its event catalog
 * (/docs/webhooks.json, generated into ./events-schema.ts): one type per event, and `WebhookEvent`, their union
 * discriminated by `type`. Types only: no code, nothing to load.
 */
import type { components } from './events-schema.js';

type EventSchemas = components['schemas'];

/** `operation.completed`: `data` is the operation, in a terminal status (after all its target events). */
export type OperationCompletedEvent = EventSchemas['OperationCompletedEvent'];
/** `operation.target.completed`: one target ended (or its compensation did: event id ending in `_c`). */
export type OperationTargetCompletedEvent = EventSchemas['OperationTargetCompletedEvent'];
/** `webhook.test`: sent by `POST /v1/webhook-subscriptions/{id}/test`. */
export type WebhookTestEvent = EventSchemas['WebhookTestEvent'];
/** The `data` of `operation.target.completed`: `{operationId, reference?, result}`. */
export type OperationTargetCompletedData = EventSchemas['OperationTargetCompletedData'];
/** The `data` of `webhook.test`. */
export type WebhookTestData = EventSchemas['WebhookTestData'];

/** Any webhook body, discriminated by `type` (narrow with `switch (event.type)`). New types may be added: ignore the others. */
export type WebhookEvent = OperationCompletedEvent | OperationTargetCompletedEvent | WebhookTestEvent;
/** Every event type the catalog describes. */
export type WebhookEventName = WebhookEvent['type'];
/** The event of one type: `WebhookEventOf<'operation.completed'>` is OperationCompletedEvent. */
export type WebhookEventOf<T extends WebhookEventName> = Extract<WebhookEvent, { type: T }>;
