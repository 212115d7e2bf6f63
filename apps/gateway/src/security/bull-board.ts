import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter as BullBoardAdapter } from '@bull-board/fastify';
import { getQueueToken } from '@nestjs/bullmq';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Queue } from 'bullmq';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { parse as parseQueryString } from 'node:querystring';
import { authenticate, ProblemException, SignedTokenCodec, sendProblem, toProblem } from '@rpg/common';
import { APP_CONFIG, AppConfig } from '@rpg/config';
import { ALL_QUEUES } from '@rpg/queues';
import { BOARD_CSP, LOGIN_PAGE_CSP, loginPage, logoutPage, withoutExternalResources } from './admin-pages';
import { AdminSessions, SAFE_METHODS, acceptsHtml, clearedSessionCookie, isCrossSite, refuseCrossSite, sessionCookie, wantsHtmlPage } from './admin-session';

export const BULL_BOARD_PATH = '/admin/queues';
export const ADMIN_LOGIN_PATH = '/admin/login';
export const ADMIN_LOGOUT_PATH = '/admin/logout';

/**
 * Instead of helmet's no-referrer: under no-referrer a browser posts a same-origin form with `Origin: null`, which
 * an Origin check (browsers without Sec-Fetch-Site) must refuse. same-origin still sends nothing to another site.
 */
const ADMIN_REFERRER_POLICY = 'same-origin';

/** The login form is a few hundred bytes: anything much larger is not a login. */
const LOGIN_BODY_LIMIT = 4096;

function problem(request: FastifyRequest, reply: FastifyReply, exception: ProblemException): FastifyReply {
  const { problem: body, headers } = toProblem(exception, request);
  sendProblem(reply, body, headers);
  return reply;
}

function html(reply: FastifyReply, status: number, body: string): FastifyReply {
  return reply.status(status).type('text/html; charset=utf-8').send(body);
}

/**
 * The admin pages under /admin, each group in its own Fastify encapsulation context (their parsers, hooks, CSP and
 * error handling stay there):
 * - /admin/login, /admin/logout: a person signs in with an admin API key and gets a session cookie (admin-session.ts);
 * - /admin/queues: Bull Board, for `Authorization: Bearer <admin key>` or that session cookie.
 */
export async function mountBullBoard(app: NestFastifyApplication): Promise<void> {
  const config = app.get<AppConfig>(APP_CONFIG);
  const sessions = new AdminSessions(config, app.get(SignedTokenCodec));
  const queues = ALL_QUEUES.map((name) => app.get<Queue>(getQueueToken(name)));
  const serverAdapter = new BullBoardAdapter();
  serverAdapter.setBasePath(BULL_BOARD_PATH);
  createBullBoard({
    queues: queues.map((q) => new BullMQAdapter(q)),
    serverAdapter,
    options: { uiConfig: { boardTitle: 'routing-policy-gateway', miscLinks: [{ text: 'Sign out', url: ADMIN_LOGOUT_PATH }] } },
  });
  const fastify = app.getHttpAdapter().getInstance();
  await fastify.register((scope, _opts, done) => {
    mountLoginPages(scope, config, sessions);
    done();
  });
  await fastify.register(async (scope) => mountBoard(scope, config, sessions, serverAdapter), { prefix: BULL_BOARD_PATH });
}

/** GET/POST /admin/login and /admin/logout. The only place the gateway reads a form body. */
function mountLoginPages(scope: FastifyInstance, config: AppConfig, sessions: AdminSessions): void {
  scope.addHook('onRequest', async (_request, reply) => {
    void reply.headers({ 'content-security-policy': LOGIN_PAGE_CSP, 'referrer-policy': ADMIN_REFERRER_POLICY });
  });
  // the app parses JSON only (json-body.ts); a browser's form arrives urlencoded, so this scope alone parses that too
  scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: LOGIN_BODY_LIMIT }, (_request, body, done) => {
    done(null, parseQueryString(body as string, '&', '=', { maxKeys: 16 }));
  });
  scope.setErrorHandler((error: FastifyError, request, reply) => {
    // the gateway's handler (problem+json) with this scope's limits in the detail; anything else goes on to it
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return problem(
        request,
        reply,
        new ProblemException({ status: 413, slug: 'body-too-large', detail: `The login body exceeds ${LOGIN_BODY_LIMIT} bytes.` }),
      );
    }
    if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      const detail = 'Send the login as application/x-www-form-urlencoded (a form) or application/json.';
      return problem(request, reply, new ProblemException({ status: 415, slug: 'unsupported-media-type', detail }));
    }
    throw error;
  });

  scope.get(ADMIN_LOGIN_PATH, async (_request, reply) => html(reply, 200, loginPage()));

  scope.post(ADMIN_LOGIN_PATH, { bodyLimit: LOGIN_BODY_LIMIT }, async (request, reply) => {
    if (isCrossSite(request)) return refuseCrossSite(request, reply);
    const body = request.body as { apiKey?: unknown } | null | undefined;
    const apiKey = typeof body?.apiKey === 'string' ? body.apiKey.trim() : '';
    // a person (the form) sees the login page again; an API client gets problem+json
    const refuse = (status: 401 | 403, message: string): FastifyReply =>
      acceptsHtml(request)
        ? html(reply, status, loginPage(message))
        : problem(request, reply, new ProblemException({ status, slug: status === 401 ? 'unauthorized' : 'forbidden', detail: message }));
    if (!apiKey) return refuse(401, 'Enter an admin API key.');
    let keyName: string;
    try {
      keyName = authenticate(config, `Bearer ${apiKey}`, 'admin').name;
    } catch (error) {
      if (error instanceof ProblemException && error.getStatus() === 403) return refuse(403, 'This API key lacks the scope "admin".');
      return refuse(401, 'The API key is not valid.');
    }
    return reply
      .status(303)
      .header('set-cookie', sessionCookie(request, sessions.issue(keyName), config.production))
      .header('location', BULL_BOARD_PATH)
      .send();
  });

  // GET shows a button and never signs out by itself (a link or prefetch must not end a session)
  scope.get(ADMIN_LOGOUT_PATH, async (_request, reply) => html(reply, 200, logoutPage()));

  scope.post(ADMIN_LOGOUT_PATH, { bodyLimit: LOGIN_BODY_LIMIT }, async (request, reply) => {
    if (isCrossSite(request)) return refuseCrossSite(request, reply);
    return reply.status(303).header('set-cookie', clearedSessionCookie(request, config.production)).header('location', ADMIN_LOGIN_PATH).send();
  });
}

/** Bull Board under /admin/queues, for an admin key (Bearer) or an admin session cookie. */
async function mountBoard(scope: FastifyInstance, config: AppConfig, sessions: AdminSessions, serverAdapter: BullBoardAdapter): Promise<void> {
  scope.addHook('onRequest', async (request, reply) => {
    void reply.headers({ 'content-security-policy': BOARD_CSP, 'referrer-policy': ADMIN_REFERRER_POLICY });
    if (request.headers.authorization !== undefined) {
      try {
        authenticate(config, request.headers.authorization, 'admin');
        return;
      } catch (error) {
        return problem(
          request,
          reply,
          error instanceof ProblemException ? error : new ProblemException({ status: 401, slug: 'unauthorized', detail: 'Unauthorized' }),
        );
      }
    }
    if (sessions.keyNameOf(request) !== undefined) {
      // the cookie is SameSite=Strict; a change also needs this origin (a sibling subdomain is same-site, not same-origin)
      if (!SAFE_METHODS.has(request.method) && isCrossSite(request)) return refuseCrossSite(request, reply);
      return;
    }
    // no valid credential: a person is sent to the login page (an expired or stale cookie is dropped), a client gets 401
    if (wantsHtmlPage(request)) {
      if (sessions.hasCookie(request)) void reply.header('set-cookie', clearedSessionCookie(request, config.production));
      return reply.status(303).header('location', ADMIN_LOGIN_PATH).send();
    }
    return problem(
      request,
      reply,
      new ProblemException({
        status: 401,
        slug: 'unauthorized',
        detail: `Sign in at ${ADMIN_LOGIN_PATH}, or send an admin API key as "Authorization: Bearer <key>".`,
        headers: { 'www-authenticate': 'Bearer' },
      }),
    );
  });

  scope.addHook('onSend', async (request, reply, payload) => {
    const type = String(reply.getHeader('content-type') ?? '');
    // the board's page without Google Fonts (or anything else from another host)
    if (typeof payload === 'string' && type.startsWith('text/html')) return withoutExternalResources(payload);
    // Bull Board's own refusals ({error, message}: queue not found, read-only, ...) as problem+json, their fields kept
    if (reply.statusCode >= 400 && type.startsWith('application/json') && typeof payload === 'string') {
      let parsed: { error?: unknown; message?: unknown } = {};
      try {
        parsed = JSON.parse(payload) as typeof parsed;
      } catch {
        // not JSON after all: the status still tells
      }
      const detail = typeof parsed.message === 'string' ? parsed.message : typeof parsed.error === 'string' ? parsed.error : 'The request was refused.';
      const { problem: body } = toProblem(
        new ProblemException({
          status: reply.statusCode,
          slug: reply.statusCode === 404 ? 'not-found' : 'queue-board-error',
          detail,
          extra: { error: parsed.error },
        }),
        request,
      );
      void reply.header('content-type', 'application/problem+json; charset=utf-8');
      return JSON.stringify(body);
    }
    return payload;
  });

  const plugin = serverAdapter.registerPlugin();
  await scope.register((instance: FastifyInstance, opts: Record<string, unknown>, done: (err?: Error) => void) => {
    // Bull Board's error handler answers {error, message} with a stack trace in development: the gateway's
    // handler (problem+json, inherited from the root) answers instead
    instance.setErrorHandler = (() => instance) as unknown as FastifyInstance['setErrorHandler'];
    plugin(instance, opts, done);
  });
}
