import { SpanStatusCode } from '@opentelemetry/api';
import { Agent, errors as undiciErrors, request } from 'undici';
import { tracingEnabled, withSpan } from '@rpg/tracing';
import { CallVerdict, CircuitBreaker, CircuitOpenError, CircuitPermit } from './circuit-breaker';

export interface ProviderResponse<T = unknown> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: T;
  durationMs: number;
}

export interface ProviderRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  body?: unknown;
  /** Form-encoded body instead of JSON. */
  form?: Record<string, string>;
  headers?: Record<string, string>;
  /** Label for metrics, e.g. 'l7policy.patch'. */
  operation: string;
  /** Override the attempts for this request. */
  maxAttempts?: number;
  /** Override the request timeout (headers and body) for this request. */
  timeoutMs?: number;
  /**
   * false: the circuit breaker neither gates nor counts this request. For optional background reads (the task sweep),
   * whose failures must not stop the provider calls that matter.
   */
  circuit?: boolean;
}

export interface ProviderHttpOptions {
  provider: string;
  baseUrl: string;
  maxAttempts: number;
  requestTimeoutMs: number;
  connectTimeoutMs?: number;
  /** Cap for honoured Retry-After values (the Stainless SDKs cap at 60 s). */
  maxRetryAfterMs?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  breaker: CircuitBreaker;
  /** Extra retry decision on a response (e.g. Apinizer's rate_limit_exceeded body on a non-429 status). */
  retryAfterFromBody?: (status: number, body: unknown) => number | undefined;
  onCall?: (operation: string, status: string, durationMs: number) => void;
}

/** Thrown when the provider could not be reached or kept failing after every retry. */
export class ProviderUnavailableError extends Error {
  constructor(
    readonly provider: string,
    message: string,
    readonly lastStatus?: number,
    readonly lastBody?: unknown,
  ) {
    super(message);
    this.name = 'ProviderUnavailableError';
  }
}

const RETRYABLE_STATUS = new Set([408, 429, 500, 502, 503, 504]);

/** Stands in for the breaker of a request that must not be gated or counted by it. */
const UNCOUNTED: Pick<CircuitBreaker, 'admit'> = {
  admit: () => Promise.resolve({ trial: false, settle: () => undefined }),
};

/**
 * What an answer tells about the provider's health: any 5xx (retried or not: 501, 505, 52x too) is a failure, 408/429
 * (or a body asking to retry later) says nothing, any other answer shows the provider works.
 */
export function verdictOf(status: number, retryLater: boolean): CallVerdict {
  if (status >= 500) return 'failure';
  if (status === 408 || status === 429 || retryLater) return 'neutral';
  return 'success';
}

export function parseRetryAfterMs(headers: Record<string, string | string[] | undefined>): number | undefined {
  const ms = headers['retry-after-ms'];
  if (typeof ms === 'string' && /^\d+(\.\d+)?$/.test(ms)) return Number(ms);
  const value = headers['retry-after'];
  if (typeof value !== 'string') return undefined;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** Exponential backoff with full-ish jitter: base·2^n capped, minus up to 25 % (as the Stainless SDKs do). */
function backoffMs(attempt: number, baseMs: number, maxMs: number): number {
  const raw = Math.min(baseMs * 2 ** attempt, maxMs);
  return Math.round(raw * (1 - 0.25 * Math.random()));
}

/**
 * JSON over undici with a keep-alive pool, connect/request timeouts, bounded retries on connection errors, 408, 429
 * and 5xx (honouring Retry-After up to a cap), none on other 4xx, and a circuit breaker shared by every call to the provider.
 */
export class ProviderHttpClient {
  private readonly agent: Agent;
  private readonly origin: string;
  private readonly basePath: string;

  constructor(private readonly options: ProviderHttpOptions) {
    const url = new URL(options.baseUrl);
    this.origin = url.origin;
    this.basePath = url.pathname.replace(/\/+$/, '');
    this.agent = new Agent({
      connections: 128,
      pipelining: 1,
      keepAliveTimeout: 30_000,
      connect: { timeout: options.connectTimeoutMs ?? 5_000 },
      headersTimeout: options.requestTimeoutMs,
      bodyTimeout: options.requestTimeoutMs,
    });
  }

  get breaker(): CircuitBreaker {
    return this.options.breaker;
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  /**
   * One provider call, retries included. With tracing on it is a span (`<provider> <operation>`: provider, operation,
   * final HTTP status, attempts); each HTTP attempt below it is the undici instrumentation's span, which also sends
   * `traceparent` to the provider.
   */
  async send<T = unknown>(req: ProviderRequest): Promise<ProviderResponse<T>> {
    if (!tracingEnabled()) return this.call<T>(req);
    const attributes = { 'rpg.provider': this.options.provider.toLowerCase(), 'rpg.provider.operation': req.operation, 'http.request.method': req.method };
    return withSpan(`${this.options.provider} ${req.operation}`, { attributes }, async (span) => {
      const response = await this.call<T>(req, (n) => span?.setAttribute('rpg.provider.attempts', n));
      span?.setAttribute('http.response.status_code', response.status);
      if (response.status >= 400) span?.setStatus({ code: SpanStatusCode.ERROR, message: `HTTP ${response.status}` });
      return response;
    });
  }

  private async call<T>(req: ProviderRequest, onAttempt?: (attempt: number) => void): Promise<ProviderResponse<T>> {
    const maxAttempts = req.maxAttempts ?? this.options.maxAttempts;
    const baseDelay = this.options.baseDelayMs ?? 500;
    const maxDelay = this.options.maxDelayMs ?? 8_000;
    const maxRetryAfter = this.options.maxRetryAfterMs ?? 60_000;
    let last: { status?: number; body?: unknown; error?: unknown } = {};
    const breaker = req.circuit === false ? UNCOUNTED : this.options.breaker;
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      let permit: CircuitPermit;
      try {
        permit = await breaker.admit(this.options.requestTimeoutMs * 2);
      } catch (error) {
        if (error instanceof CircuitOpenError) throw new ProviderUnavailableError(this.options.provider, error.message, last.status, last.body);
        throw error;
      }
      onAttempt?.(attempt + 1);
      const started = performance.now();
      let outcome: { response: ProviderResponse<T>; bodyRetryAfter?: number } | { error: unknown };
      // the one place that settles the permit: every answer, network error, timeout or throw ends the call for the
      // breaker (a half-open trial left unsettled would refuse the provider until restart)
      let verdict: CallVerdict = 'failure';
      try {
        const response = await this.once<T>(req);
        const bodyRetryAfter = this.options.retryAfterFromBody?.(response.status, response.body);
        verdict = verdictOf(response.status, bodyRetryAfter !== undefined);
        outcome = { response, bodyRetryAfter };
      } catch (error) {
        outcome = { error };
      } finally {
        permit.settle(verdict);
      }
      if ('error' in outcome) {
        this.options.onCall?.(req.operation, 'network_error', performance.now() - started);
        last = { error: outcome.error };
        if (attempt + 1 < maxAttempts) await sleep(backoffMs(attempt, baseDelay, maxDelay));
        continue;
      }
      const { response, bodyRetryAfter } = outcome;
      response.durationMs = performance.now() - started;
      this.options.onCall?.(req.operation, String(response.status), response.durationMs);
      if (RETRYABLE_STATUS.has(response.status) || bodyRetryAfter !== undefined) {
        last = { status: response.status, body: response.body };
        if (attempt + 1 >= maxAttempts) return response;
        const retryAfter = parseRetryAfterMs(response.headers) ?? bodyRetryAfter;
        const delay = retryAfter !== undefined && retryAfter > 0 && retryAfter <= maxRetryAfter ? retryAfter : backoffMs(attempt, baseDelay, maxDelay);
        await sleep(delay);
        continue;
      }
      return response;
    }
    const cause = last.error as Error | undefined;
    throw new ProviderUnavailableError(
      this.options.provider,
      `${this.options.provider} could not be reached after ${maxAttempts} attempts: ${describeNetworkError(cause)}`,
      last.status,
      last.body,
    );
  }

  private async once<T>(req: ProviderRequest): Promise<ProviderResponse<T>> {
    const headers: Record<string, string> = { accept: 'application/json', ...req.headers };
    let body: string | undefined;
    if (req.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(req.form).toString();
    } else if (req.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(req.body);
    }
    const res = await request(this.origin + this.basePath + req.path, {
      method: req.method,
      headers,
      body,
      dispatcher: this.agent,
      headersTimeout: req.timeoutMs ?? this.options.requestTimeoutMs,
      bodyTimeout: req.timeoutMs ?? this.options.requestTimeoutMs,
    });
    const text = await res.body.text();
    let parsed: unknown = text;
    if (text.length > 0 && /json/i.test(String(res.headers['content-type'] ?? ''))) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = text;
      }
    } else if (text.length === 0) {
      parsed = null;
    }
    return { status: res.statusCode, headers: res.headers, body: parsed as T, durationMs: 0 };
  }
}

function describeNetworkError(error: Error | undefined): string {
  if (!error) return 'no answer';
  if (error instanceof undiciErrors.HeadersTimeoutError || error instanceof undiciErrors.BodyTimeoutError) return 'request timed out';
  if (error instanceof undiciErrors.ConnectTimeoutError) return 'connect timed out';
  const code = (error as { code?: string }).code;
  return code ? `${code}` : error.message;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
