import type { Problem } from './types.js';

/** At most this much of a body that is not a problem goes into the synthesized problem's `detail`. */
const DETAIL_CHARS = 200;

/** Reason phrases for answers without one (HTTP/2 has no status text). */
const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

export interface GatewayErrorInit {
  status: number;
  problem: Problem;
  requestId?: string;
  retryAfterSeconds?: number;
  headers?: Headers;
}

/**
 * Every non-2xx answer of the gateway (or of a proxy in front of it): `problem` is the RFC 9457 problem it sent, or one
 * synthesized from the status when the body was not one (`type: about:blank`, `title` the status text, `detail` the
 * start of the body). Network failures and aborts are not GatewayErrors: they propagate as fetch throws them.
 */
export class GatewayError extends Error {
  readonly status: number;
  readonly problem: Problem;
  /** The `x-request-id` of the answer (or the problem's requestId): quote it when asking the gateway's operators. */
  readonly requestId: string | undefined;
  /** From Retry-After (429, 503): seconds to wait before trying again. */
  readonly retryAfterSeconds: number | undefined;
  /** Every header of the answer (rate-limit headers, ...). */
  readonly headers: Headers | undefined;

  constructor(init: GatewayErrorInit) {
    super(`${init.status} ${init.problem.title}${init.problem.detail ? `: ${init.problem.detail}` : ''}`);
    this.name = 'GatewayError';
    this.status = init.status;
    this.problem = init.problem;
    this.requestId = init.requestId ?? init.problem.requestId;
    this.retryAfterSeconds = init.retryAfterSeconds;
    this.headers = init.headers;
  }
}

/**
 * `error instanceof GatewayError`, also across copies of this package (an ESM and a CJS copy in one app each have
 * their own class).
 */
export function isGatewayError(error: unknown): error is GatewayError {
  if (error instanceof GatewayError) return true;
  const e = error as Partial<GatewayError> | null;
  return typeof e === 'object' && e !== null && e.name === 'GatewayError' && typeof e.status === 'number' && typeof e.problem === 'object';
}

/** Retry-After as seconds from `now`: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (value === null || value === undefined || value.trim() === '') return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text);
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000));
}

/** The problem of a non-2xx body: the JSON problem completed where fields are missing, or one synthesized from the status. */
export function problemFrom(status: number, statusText: string, body: string): Problem {
  const title = statusText || REASONS[status] || `HTTP ${status}`;
  let parsed: unknown;
  try {
    parsed = body ? JSON.parse(body) : undefined;
  } catch {
    parsed = undefined;
  }
  if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
    const p = parsed as Partial<Problem>;
    return {
      ...p,
      type: typeof p.type === 'string' ? p.type : 'about:blank',
      title: typeof p.title === 'string' ? p.title : title,
      status: typeof p.status === 'number' ? p.status : status,
      detail: typeof p.detail === 'string' ? p.detail : '',
    };
  }
  return { type: 'about:blank', title, status, detail: body.slice(0, DETAIL_CHARS) };
}

/** Reads a non-2xx answer's body (whatever it is) into a GatewayError. */
export async function gatewayErrorFrom(res: Response): Promise<GatewayError> {
  let body = '';
  try {
    body = await res.text();
  } catch {
    // the body broke off: the status still says what happened
  }
  return new GatewayError({
    status: res.status,
    problem: problemFrom(res.status, res.statusText, body),
    requestId: res.headers.get('x-request-id') ?? undefined,
    retryAfterSeconds: parseRetryAfter(res.headers.get('retry-after')),
    headers: res.headers,
  });
}
