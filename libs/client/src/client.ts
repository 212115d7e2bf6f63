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

import type {
  FetchLike,
  ClientOptions,
  CallOptions,
  SubmitOptions,
  SubmitResult,
  GetOperationOptions,
  WaitOptions,
  WaitResult,
  EventsOptions,
  OperationEventsOptions,
  RoutingPolicyClient,
} from './client-api.js';

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
    return stream('/v1/operations/events', { status: opts.status, reference: opts.reference }, opts, false, undefined);
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
