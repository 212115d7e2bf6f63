import type {
  DriftResponse,
  CreateSubscriptionRequest,
  CreatedWebhookSubscription,
  ListOperationsQuery,
  LookupResponse,
  Operation,
  OperationEvent,
  OperationPage,
  OperationStatus,
  RevertRequest,
  RotatedSecret,
  StreamToken,
  StreamTokenRequest,
  Target,
  TestSubscriptionResult,
  UpdateRequest,
  WebhookDelivery,
  WebhookSubscription,
} from './types.js';

/* The client's options, results and interface: what a caller types against (the implementation is in client.ts). */

/** The `fetch` the client calls: the global one by default, or any function with its signature. */
export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export interface ClientOptions {
  /** Where the gateway is, e.g. `https://gateway.internal` (a path prefix is kept); `''` (default) is the page's own origin. */
  baseUrl?: string;
  /** Sent as `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /** Called before every request instead of `apiKey` (a key kept in memory or sessionStorage, refreshed elsewhere). */
  getApiKey?: () => string | null | undefined | Promise<string | null | undefined>;
  /** Defaults to the global fetch, looked up at each call. */
  fetch?: FetchLike;
  /** Sent with every request (e.g. `traceparent`). */
  headers?: Record<string, string>;
}

export interface CallOptions {
  signal?: AbortSignal;
}

export interface SubmitOptions extends CallOptions {
  /** Same key and body within 24 h: the same operation again (`replayed: true`); same key, other body: 422. */
  idempotencyKey?: string;
  /** `Prefer: wait=N` (0..60): the answer is 200 with the finished operation if it ends within N seconds, else 202. */
  waitSeconds?: number;
}

export interface SubmitResult {
  /** 202 (accepted, running), or 200 (dry run, or finished within `waitSeconds`). */
  status: number;
  operation: Operation;
  /** The Idempotency-Key was seen before: this is the original operation (`Idempotent-Replayed: true`). */
  replayed: boolean;
  /** `Preference-Applied` (e.g. `wait=20`) when the server honoured `waitSeconds`. */
  preferenceApplied?: string;
  /** `Location` of the operation (`/v1/operations/{id}`). */
  location?: string;
}

export interface GetOperationOptions extends CallOptions {
  /** `Prefer: wait=N` (0..60): the server answers when the operation is terminal or after N seconds. */
  waitSeconds?: number;
}

export interface WaitOptions extends CallOptions {
  /** Give up after this long (default 60; may run up to a second over, as `Prefer: wait` counts whole seconds). */
  timeoutSeconds?: number;
}

export interface WaitResult {
  /** The terminal operation, or the last state read when `timedOut`. */
  operation: Operation;
  /** The deadline passed and the operation is still running. */
  timedOut: boolean;
}

export interface EventsOptions extends CallOptions {
  /** Resume after this event id (sent as Last-Event-ID; the event with this id is not repeated). */
  lastEventId?: string;
  /**
   * Authenticate the stream with a stream token in `?access_token=` instead of the Authorization header: `true` gets a
   * fresh one from POST /v1/stream-tokens (with the API key) for every connection.
   */
  useStreamToken?: boolean;
  /**
   * A stream token obtained elsewhere (a page without an API key): a string, or a function called for every
   * (re)connection, so a reconnect after the 5 minutes of a token gets a new one.
   */
  streamToken?: string | (() => string | Promise<string>);
  /** Wait before reconnecting after a dropped connection (default: the server's `retry:`, else 2000 ms). */
  reconnectDelayMs?: number;
  /** Consecutive failed reconnects before the iterator throws the last error (default 10). */
  maxReconnectAttempts?: number;
}

export interface OperationEventsOptions extends EventsOptions {
  /** Only operations with this status. */
  status?: OperationStatus;
  /** Only operations with this `reference` (exact match). */
  reference?: string;
}

/** The typed client: every function is a plain closure, so `const { submitUpdate } = client` works. */
export interface RoutingPolicyClient {
  /** POST /v1/routing-policy-updates: 202 (running) or 200 (finished within `waitSeconds`, or a dry run). */
  submitUpdate(request: UpdateRequest, options?: SubmitOptions): Promise<SubmitResult>;
  /** POST /v1/routing-policy-updates with `dryRun: true`: every result carries its `plan`; nothing is written. */
  planUpdate(request: Omit<UpdateRequest, 'dryRun'>, options?: CallOptions): Promise<Operation>;
  /** GET /v1/operations/{id}, optionally holding the answer until it is terminal (`waitSeconds`). */
  getOperation(id: string, options?: GetOperationOptions): Promise<Operation>;
  /** GET /v1/operations: newest first, `nextCursor` pages. */
  listOperations(query?: ListOperationsQuery, options?: CallOptions): Promise<OperationPage>;
  /**
   * Waits until the operation is terminal or `timeoutSeconds` passed, with long polls (`Prefer: wait=min(remaining, 60)`),
   * not a polling interval. Resolves `{operation, timedOut}`; it never resolves a running operation without `timedOut: true`.
   */
  waitForOperation(id: string, options?: WaitOptions): Promise<WaitResult>;
  /** POST /v1/routing-policies/lookup: each target's current state, in request order. */
  lookup(targets: Target[], options?: CallOptions): Promise<LookupResponse>;
  /** POST /v1/webhook-subscriptions: the answer holds the signing `secret`, shown only here. */
  createSubscription(request: CreateSubscriptionRequest, options?: CallOptions): Promise<CreatedWebhookSubscription>;
  listSubscriptions(options?: CallOptions): Promise<WebhookSubscription[]>;
  getSubscription(id: string, options?: CallOptions): Promise<WebhookSubscription>;
  deleteSubscription(id: string, options?: CallOptions): Promise<void>;
  /** Sends a `webhook.test` event to the subscription. */
  testSubscription(id: string, options?: CallOptions): Promise<TestSubscriptionResult>;
  rotateSubscriptionSecret(id: string, options?: CallOptions): Promise<RotatedSecret>;
  /** Deliveries of the subscription, newest first, with every attempt. */
  listDeliveries(id: string, options?: CallOptions): Promise<WebhookDelivery[]>;
  replayDelivery(id: string, deliveryId: string, options?: CallOptions): Promise<WebhookDelivery>;
  /** GET /v1/operations/{id}/drift: each target now against the state the operation left (IN_SYNC, DRIFTED with a diff, ...). */
  getDrift(id: string, options?: CallOptions): Promise<DriftResponse>;
  /**
   * POST /v1/operations/{id}/revert: a new operation restoring each succeeded target's `before` (202), or its plan with
   * `dryRun: true` (200). A GatewayError 409 lists drifted targets unless `force: true`.
   */
  revertOperation(id: string, request?: RevertRequest, options?: SubmitOptions): Promise<SubmitResult>;
  /** POST /v1/stream-tokens: a read-only token for `?access_token=` on the event streams (at most 5 minutes). */
  createStreamToken(request?: StreamTokenRequest, options?: CallOptions): Promise<StreamToken>;
  /**
   * The operation's Server-Sent Events (GET /v1/operations/{id}/events) as an async iterator: the current state, then
   * every change, ending after the terminal state. A dropped connection is resumed with Last-Event-ID; `break` closes it.
   */
  events(id: string, options?: EventsOptions): AsyncGenerator<OperationEvent, void, undefined>;
  /** Every change to the caller's operations (GET /v1/operations/events), for lists; runs until `break` or abort. */
  operationEvents(options?: OperationEventsOptions): AsyncGenerator<OperationEvent, void, undefined>;
  /** URL of an operation's event stream with a stream token, for a plain `new EventSource(url)`. */
  eventsUrl(id: string, streamToken: string): string;
}
