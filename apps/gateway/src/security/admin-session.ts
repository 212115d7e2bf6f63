import type { FastifyReply, FastifyRequest } from 'fastify';
import { ProblemException, SignedTokenCodec, sendProblem, toProblem } from '@rpg/common';
import { AppConfig } from '@rpg/config';

/** The browser session of a person on the admin pages (Bull Board): a signed, HttpOnly, SameSite=Strict cookie. */
export const SESSION_COOKIE = 'rpg_admin_session';
/** Short on purpose: an absolute lifetime, not renewed while the board polls. */
export const SESSION_TTL_SECONDS = 30 * 60;
/** The cookie goes only to the admin pages, never to the API. */
export const ADMIN_COOKIE_PATH = '/admin';

export const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);

/** One cookie's value from a Cookie header (undefined when absent or sent twice: an ambiguous session is none). */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  let found: string | undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    if (found !== undefined) return undefined;
    found = part.slice(eq + 1).trim();
  }
  return found;
}

/**
 * Secure over TLS, and always in production: production sits behind a TLS-terminating proxy (trustProxy is off, so such a
 * request looks like plain HTTP here), and a cookie without Secure would also be sent over a plain-HTTP link an attacker forces.
 */
function cookieAttributes(request: FastifyRequest, maxAge: number, production: boolean): string {
  const secure = production || request.protocol === 'https';
  return `Path=${ADMIN_COOKIE_PATH}; Max-Age=${maxAge}; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
}

export function sessionCookie(request: FastifyRequest, token: string, production: boolean): string {
  return `${SESSION_COOKIE}=${token}; ${cookieAttributes(request, SESSION_TTL_SECONDS, production)}`;
}

export function clearedSessionCookie(request: FastifyRequest, production: boolean): string {
  return `${SESSION_COOKIE}=; ${cookieAttributes(request, 0, production)}`;
}

/**
 * Issues and checks admin sessions. Stateless (SignedTokenCodec, SESSION_SECRET): any gateway sharing the secret
 * accepts them. The key is checked again on every request: a key removed from API_KEYS, or no longer holding the
 * scope `admin`, ends its sessions at the next restart.
 */
export class AdminSessions {
  constructor(
    private readonly config: AppConfig,
    private readonly codec: SignedTokenCodec,
  ) {}

  issue(keyName: string, now = Date.now()): string {
    return this.codec.sign({ purpose: 'admin-session', keyName, expiresAt: now + SESSION_TTL_SECONDS * 1000 });
  }

  /** The key name of the request's valid session, or undefined (no cookie, tampered, expired, or the key lost `admin`). */
  keyNameOf(request: FastifyRequest, now = Date.now()): string | undefined {
    const claims = this.codec.verify(readCookie(request.headers.cookie, SESSION_COOKIE), 'admin-session', now);
    if (!claims) return undefined;
    return this.config.apiKeys.some((entry) => entry.name === claims.keyName && entry.scopes.has('admin')) ? claims.keyName : undefined;
  }

  hasCookie(request: FastifyRequest): boolean {
    return readCookie(request.headers.cookie, SESSION_COOKIE) !== undefined;
  }
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Whether a browser sent this request from another site (or another origin of the same site). Sec-Fetch-Site decides
 * when the browser sends it (all current ones do): it is computed by the browser, and stays exact where Origin is
 * "null" (a form posted under Referrer-Policy: no-referrer). Without it, the Origin header against the Host the request
 * was sent to. A request with neither (curl, an old browser) is not cross-site; the SameSite=Strict cookie covers those.
 */
export function isCrossSite(request: FastifyRequest): boolean {
  const site = single(request.headers['sec-fetch-site']);
  if (site !== undefined) return site !== 'same-origin' && site !== 'none';
  const origin = single(request.headers.origin);
  if (origin === undefined) return false;
  try {
    const url = new URL(origin);
    return !/^https?:$/.test(url.protocol) || url.host.toLowerCase() !== request.host.toLowerCase();
  } catch {
    return true; // "null" (sandboxed frames, privacy-sensitive redirects) or garbage
  }
}

/** Answers 403 problem+json for a cross-site request that would act with the session (login, logout, board changes). */
export function refuseCrossSite(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const { problem, headers } = toProblem(
    new ProblemException({ status: 403, slug: 'cross-site-request', detail: 'The admin pages accept changes only from their own origin.' }),
    request,
  );
  sendProblem(reply, problem, headers);
  return reply;
}

/** A person's browser asking for a page (not the board's XHR calls, not an API client). */
export function wantsHtmlPage(request: FastifyRequest): boolean {
  return (request.method === 'GET' || request.method === 'HEAD') && /\btext\/html\b/i.test(single(request.headers.accept) ?? '');
}

/** A person's browser (Accept includes text/html): answered with a page rather than problem+json. */
export function acceptsHtml(request: FastifyRequest): boolean {
  return /\btext\/html\b/i.test(single(request.headers.accept) ?? '');
}
