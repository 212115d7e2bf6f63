import { gatewayErrorFrom, isGatewayError } from './errors.js';
import { createSseParser, type SseMessage } from './sse.js';
import {
  isTerminal,
  type DriftResponse,
  type CreateSubscriptionRequest,
  type CreatedWebhookSubscription,
  type ListOperationsQuery,
  type LookupResponse,
  type Operation,
  type OperationEvent,
  type OperationPage,
  type OperationStatus,
  type RevertRequest,
  type RotatedSecret,
  type StreamToken,
  type StreamTokenRequest,
  type Target,
  type TestSubscriptionResult,
  type UpdateRequest,
  type WebhookDelivery,
  type WebhookSubscription,
} from './types.js';

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

/** The longest `Prefer: wait` the gateway honours. */
export const MAX_WAIT_SECONDS = 60;
const DEFAULT_RECONNECT_MS = 2000;
const DEFAULT_MAX_RECONNECTS = 10;
/** When the server does not honour Prefer: wait (no Preference-Applied), waitForOperation backs off between reads. */
const FALLBACK_DELAYS_MS = [250, 500, 1000, 2000];

interface Call extends CallOptions {
  method: string;
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
}

/** Creates a client of the routing policy gateway (browser and Node; fetch only, no dependencies). */
export function createRoutingPolicyClient(options: ClientOptions = {}): RoutingPolicyClient {
  const doFetch: FetchLike = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const base = (options.baseUrl ?? '').replace(/\/+$/, '');
  const extraHeaders = { ...options.headers };

  async function authorization(): Promise<Record<string, string>> {
    const key = options.getApiKey ? await options.getApiKey() : options.apiKey;
    return key ? { authorization: `Bearer ${key}` } : {};
  }

  /** One request; every non-2xx answer becomes a GatewayError. */
  async function send({ method, path, body, headers, signal }: Call): Promise<Response> {
    const res = await doFetch(base + path, {
      method,
      headers: {
        accept: 'application/json',
        ...extraHeaders,
        ...(await authorization()),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
    if (!res.ok) throw await gatewayErrorFrom(res);
    return res;
  }

  async function call<T>(request: Call): Promise<T> {
    return readJson<T>(await send(request));
  }

  const prefer = (waitSeconds: number | undefined): Record<string, string> =>
    waitSeconds === undefined ? {} : { prefer: `wait=${Math.min(MAX_WAIT_SECONDS, Math.max(0, Math.ceil(waitSeconds)))}` };

  async function readOperation(id: string, waitSeconds: number | undefined, signal?: AbortSignal) {
    const res = await send({ method: 'GET', path: `/v1/operations/${encodeURIComponent(id)}`, headers: prefer(waitSeconds), signal });
    return { operation: await readJson<Operation>(res), preferenceApplied: res.headers.get('preference-applied') ?? undefined };
  }

  async function submitUpdate(request: UpdateRequest, opts: SubmitOptions = {}): Promise<SubmitResult> {
    const headers = { ...prefer(opts.waitSeconds), ...(opts.idempotencyKey !== undefined ? { 'idempotency-key': opts.idempotencyKey } : {}) };
    const res = await send({ method: 'POST', path: '/v1/routing-policy-updates', body: request, headers, signal: opts.signal });
    return {
      status: res.status,
      operation: await readJson<Operation>(res),
      replayed: res.headers.get('idempotent-replayed') === 'true',
      preferenceApplied: res.headers.get('preference-applied') ?? undefined,
      location: res.headers.get('location') ?? undefined,
    };
  }

  async function planUpdate(request: Omit<UpdateRequest, 'dryRun'>, opts: CallOptions = {}): Promise<Operation> {
    return call<Operation>({ method: 'POST', path: '/v1/routing-policy-updates', body: { ...request, dryRun: true }, signal: opts.signal });
  }

  async function getOperation(id: string, opts: GetOperationOptions = {}): Promise<Operation> {
    return (await readOperation(id, opts.waitSeconds, opts.signal)).operation;
  }

  async function listOperations(query: ListOperationsQuery = {}, opts: CallOptions = {}): Promise<OperationPage> {
    return call<OperationPage>({ method: 'GET', path: `/v1/operations${queryString(query)}`, signal: opts.signal });
  }

  async function waitForOperation(id: string, opts: WaitOptions = {}): Promise<WaitResult> {
    const deadline = Date.now() + Math.max(0, opts.timeoutSeconds ?? MAX_WAIT_SECONDS) * 1000;
    let fallback = 0;
    for (;;) {
      const remainingMs = deadline - Date.now();
      const { operation, preferenceApplied } = await readOperation(id, remainingMs > 0 ? Math.ceil(remainingMs / 1000) : undefined, opts.signal);
      if (isTerminal(operation)) return { operation, timedOut: false };
      const left = deadline - Date.now();
      if (left <= 0) return { operation, timedOut: true };
      // a server that ignores Prefer: wait answers at once: back off instead of spinning until the deadline
      if (preferenceApplied === undefined) await sleep(Math.min(left, FALLBACK_DELAYS_MS[Math.min(fallback++, FALLBACK_DELAYS_MS.length - 1)]), opts.signal);
    }
  }

  async function lookup(targets: Target[], opts: CallOptions = {}): Promise<LookupResponse> {
    return call<LookupResponse>({ method: 'POST', path: '/v1/routing-policies/lookup', body: { targets }, signal: opts.signal });
  }

  const subscription = (id: string) => `/v1/webhook-subscriptions/${encodeURIComponent(id)}`;

  async function createSubscription(request: CreateSubscriptionRequest, opts: CallOptions = {}): Promise<CreatedWebhookSubscription> {
    return call({ method: 'POST', path: '/v1/webhook-subscriptions', body: request, signal: opts.signal });
  }
  async function listSubscriptions(opts: CallOptions = {}): Promise<WebhookSubscription[]> {
    return call({ method: 'GET', path: '/v1/webhook-subscriptions', signal: opts.signal });
  }
  async function getSubscription(id: string, opts: CallOptions = {}): Promise<WebhookSubscription> {
    return call({ method: 'GET', path: subscription(id), signal: opts.signal });
  }
  async function deleteSubscription(id: string, opts: CallOptions = {}): Promise<void> {
    await call<undefined>({ method: 'DELETE', path: subscription(id), signal: opts.signal });
  }
  async function testSubscription(id: string, opts: CallOptions = {}): Promise<TestSubscriptionResult> {
    return call({ method: 'POST', path: `${subscription(id)}/test`, signal: opts.signal });
  }
  async function rotateSubscriptionSecret(id: string, opts: CallOptions = {}): Promise<RotatedSecret> {
    return call({ method: 'POST', path: `${subscription(id)}/rotate-secret`, signal: opts.signal });
  }
  async function listDeliveries(id: string, opts: CallOptions = {}): Promise<WebhookDelivery[]> {
    return call({ method: 'GET', path: `${subscription(id)}/deliveries`, signal: opts.signal });
  }
  async function replayDelivery(id: string, deliveryId: string, opts: CallOptions = {}): Promise<WebhookDelivery> {
    return call({ method: 'POST', path: `${subscription(id)}/deliveries/${encodeURIComponent(deliveryId)}/replay`, signal: opts.signal });
  }

  async function getDrift(id: string, opts: CallOptions = {}): Promise<DriftResponse> {
    return call<DriftResponse>({ method: 'GET', path: `/v1/operations/${encodeURIComponent(id)}/drift`, signal: opts.signal });
  }

  async function revertOperation(id: string, request: RevertRequest = {}, opts: SubmitOptions = {}): Promise<SubmitResult> {
    const headers = opts.idempotencyKey !== undefined ? { 'idempotency-key': opts.idempotencyKey } : undefined;
    const res = await send({ method: 'POST', path: `/v1/operations/${encodeURIComponent(id)}/revert`, body: request, headers, signal: opts.signal });
    return {
      status: res.status,
      operation: await readJson<Operation>(res),
      replayed: res.headers.get('idempotent-replayed') === 'true',
      location: res.headers.get('location') ?? undefined,
    };
  }

  async function createStreamToken(request: StreamTokenRequest = {}, opts: CallOptions = {}): Promise<StreamToken> {
    return call({ method: 'POST', path: '/v1/stream-tokens', body: request, signal: opts.signal });
  }

  async function streamToken(opts: EventsOptions, operationId: string | undefined, signal: AbortSignal): Promise<string | undefined> {
    if (typeof opts.streamToken === 'function') return opts.streamToken();
    if (typeof opts.streamToken === 'string') return opts.streamToken;
    if (opts.useStreamToken) return (await createStreamToken(operationId !== undefined ? { operationId } : {}, { signal })).token;
    return undefined;
  }

  /** Opens one connection of an event stream: 200 text/event-stream, or 204 (nothing more to send). */
  async function connect(
    path: string,
    query: Record<string, string | undefined>,
    opts: EventsOptions,
    lastEventId: string | undefined,
    operationId: string | undefined,
    signal: AbortSignal,
  ): Promise<Response> {
    const token = await streamToken(opts, operationId, signal);
    const headers: Record<string, string> = { accept: 'text/event-stream', ...extraHeaders, ...(token === undefined ? await authorization() : {}) };
    if (lastEventId !== undefined) headers['last-event-id'] = lastEventId;
    const res = await doFetch(base + path + queryString({ ...query, access_token: token }), { method: 'GET', headers, signal });
    if (!res.ok) throw await gatewayErrorFrom(res);
    if (res.status === 204) return res;
    const type = res.headers.get('content-type') ?? '';
    if (!type.toLowerCase().startsWith('text/event-stream')) {
      await res.body?.cancel().catch(() => undefined);
      throw new Error(`Expected text/event-stream from GET ${path}, got ${res.status} ${type || 'without a content type'}`);
    }
    if (!res.body) throw new Error('This fetch cannot stream response bodies (Response.body is null)');
    return res;
  }

  async function* stream(
    path: string,
    query: Record<string, string | undefined>,
    opts: EventsOptions,
    untilTerminal: boolean,
    operationId: string | undefined,
  ): AsyncGenerator<OperationEvent, void, undefined> {
    const { signal } = opts;
    const maxFailures = opts.maxReconnectAttempts ?? DEFAULT_MAX_RECONNECTS;
    let lastEventId = opts.lastEventId;
    let delayMs = opts.reconnectDelayMs ?? DEFAULT_RECONNECT_MS;
    let failures = 0;
    for (let attempt = 0; ; attempt++) {
      if (attempt > 0) await sleep(delayMs, signal);
      const connection = new AbortController();
      const unlink = follow(signal, connection);
      let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
      try {
        let res: Response;
        try {
          res = await connect(path, query, opts, lastEventId, operationId, connection.signal);
        } catch (error) {
          // the first connection fails fast (a wrong URL, key or id); later ones ride out a restarting gateway
          if (attempt === 0 || signal?.aborted || !transient(error) || ++failures > maxFailures) throw error;
          if (isGatewayError(error) && error.retryAfterSeconds !== undefined) await sleep(error.retryAfterSeconds * 1000, signal);
          continue;
        }
        if (res.status === 204) return; // a reconnect after the terminal event: nothing more
        failures = 0;
        const resumedFrom = lastEventId;
        const queue: SseMessage[] = [];
        const parser = createSseParser(
          {
            onEvent: (message) => void queue.push(message),
            onRetry: (ms) => {
              if (opts.reconnectDelayMs === undefined) delayMs = ms;
            },
          },
          lastEventId,
        );
        const decoder = new TextDecoder();
        const body = (res.body as ReadableStream<Uint8Array>).getReader();
        reader = body;
        for (;;) {
          let chunk: Awaited<ReturnType<typeof body.read>>;
          try {
            chunk = await body.read();
          } catch (error) {
            if (signal?.aborted) throw error;
            break; // the connection dropped: reconnect with Last-Event-ID
          }
          parser.feed(chunk.done ? decoder.decode() : decoder.decode(chunk.value, { stream: true }));
          lastEventId = parser.lastEventId;
          for (let message = queue.shift(); message; message = queue.shift()) {
            if (message.event !== 'operation.updated') continue;
            const event: OperationEvent = { id: message.id, event: 'operation.updated', data: parseOperation(message.data) };
            // a resumed stream starts with the current state: not again when it is the event we resumed after
            if (resumedFrom === undefined || message.id !== resumedFrom) yield event;
            if (untilTerminal && isTerminal(event.data)) return;
          }
          if (chunk.done) break; // ended before the terminal state (a restarting gateway): reconnect
        }
      } finally {
        unlink();
        connection.abort(); // closes the connection when the consumer stopped early
        if (reader) void reader.cancel().catch(() => undefined);
      }
    }
  }

  function events(id: string, opts: EventsOptions = {}): AsyncGenerator<OperationEvent, void, undefined> {
    return stream(`/v1/operations/${encodeURIComponent(id)}/events`, {}, opts, true, id);
  }

  function operationEvents(opts: OperationEventsOptions = {}): AsyncGenerator<OperationEvent, void, undefined> {
    return stream('/v1/operations/events', { status: opts.status }, opts, false, undefined);
  }

  function eventsUrl(id: string, token: string): string {
    return `${base}/v1/operations/${encodeURIComponent(id)}/events${queryString({ access_token: token })}`;
  }

  return {
    submitUpdate,
    planUpdate,
    getOperation,
    listOperations,
    waitForOperation,
    lookup,
    createSubscription,
    listSubscriptions,
    getSubscription,
    deleteSubscription,
    testSubscription,
    rotateSubscriptionSecret,
    listDeliveries,
    replayDelivery,
    getDrift,
    revertOperation,
    createStreamToken,
    events,
    operationEvents,
    eventsUrl,
  };
}

/** A 2xx body as JSON; nothing for 204 or an empty body. */
async function readJson<T>(res: Response): Promise<T> {
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  if (text === '') return undefined as T;
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new Error(`The gateway answered ${res.status} with a body that is not JSON: ${text.slice(0, 200)}`);
  }
}

function parseOperation(data: string): Operation {
  try {
    return JSON.parse(data) as Operation;
  } catch {
    throw new Error(`An operation.updated event whose data is not JSON: ${data.slice(0, 200)}`);
  }
}

function queryString(query: object): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined && value !== null) params.set(key, String(value));
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** Worth another connection: a network failure, or the gateway (or its proxy) briefly unavailable. */
function transient(error: unknown): boolean {
  if (isGatewayError(error)) return [429, 502, 503, 504].includes(error.status);
  return error instanceof TypeError; // what fetch throws when the network fails
}

function abortReason(signal: AbortSignal): Error {
  return (signal.reason as Error | undefined) ?? new DOMException('This operation was aborted', 'AbortError');
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortReason(signal));
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortReason(signal as AbortSignal));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Aborts `to` when `from` aborts; returns the unsubscribe. */
function follow(from: AbortSignal | undefined, to: AbortController): () => void {
  if (!from) return () => undefined;
  if (from.aborted) {
    to.abort(from.reason);
    return () => undefined;
  }
  const onAbort = () => to.abort(from.reason);
  from.addEventListener('abort', onAbort, { once: true });
  return () => from.removeEventListener('abort', onAbort);
}
