/**
 * @routing-policy-gateway/client: the typed, browser-safe client of the routing policy gateway (fetch and Web streams
 * only, no dependencies). See README.md beside this package. Verifying webhooks: `@routing-policy-gateway/client/webhooks`
 * (./webhooks.ts, built on `standardwebhooks`).
 */
export { createRoutingPolicyClient, MAX_WAIT_SECONDS } from './client.js';
export type {
  CallOptions,
  ClientOptions,
  EventsOptions,
  FetchLike,
  GetOperationOptions,
  OperationEventsOptions,
  RoutingPolicyClient,
  SubmitOptions,
  SubmitResult,
  WaitOptions,
  WaitResult,
} from './client-api.js';
export { GatewayError, isGatewayError, parseRetryAfter, problemFrom } from './errors.js';
export type { GatewayErrorInit } from './errors.js';
export { createSseParser } from './sse.js';
export type { SseHandlers, SseMessage, SseParser } from './sse.js';
export * from './types.js';
export type {
  OperationCompletedEvent,
  OperationTargetCompletedData,
  OperationTargetCompletedEvent,
  WebhookEvent,
  WebhookEventName,
  WebhookEventOf,
  WebhookTestData,
  WebhookTestEvent,
} from './events.js';
export type { components, paths } from './schema.js';
