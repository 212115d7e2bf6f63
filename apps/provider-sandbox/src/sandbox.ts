import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { apinizerDefaultErrorBody, sendApinizerError } from './apinizer/errors';
import { refuseInexactApinizerPath } from './apinizer/paths';
import { checkApinizerAuth, isApinizerPublicPath, registerApinizerRoutes } from './apinizer/routes';
import { DEFAULT_SANDBOX_CONFIG, type SandboxConfig, checkConfigPatch } from './config';
import { META_KEY, type SandboxContext, createContext, getMeta, providerOf, setMeta } from './context';
import { registerControlRoutes } from './control';
import { checkGcoreAuth, gcoreDefaultErrorBody, sendGcoreError } from './gcore/errors';
import { registerGcoreRoutes } from './gcore/routes';
import { refuseInexactGcorePath } from './gcore/strict';

export type { SandboxConfig } from './config';
export { DEFAULT_SANDBOX_CONFIG } from './config';
export type { FaultSpec } from './faults';
export { SEED } from './seed';

export interface SandboxOptions extends Partial<SandboxConfig> {
  /** Port to listen on; 0 (default) picks a free one. */
  port?: number;
  /** Address to listen on; default 127.0.0.1. */
  host?: string;
}

export interface ProviderSandbox {
  /** e.g. `http://127.0.0.1:4010` (no trailing slash). Gcore base URL and Apinizer manager URL at once. */
  url: string;
  port: number;
  close(): Promise<void>;
  /** The live config; changing it (or PATCH /__sandbox/config) takes effect at once. */
  config: SandboxConfig;
}

const CONTROL_PREFIX = '/__sandbox';

function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

/** Fake Gcore Cloud + Apinizer Management API on one port, with a control API under /__sandbox. */
export async function createProviderSandbox(options: SandboxOptions = {}): Promise<ProviderSandbox> {
  const { port = 0, host = '127.0.0.1', ...configInput } = options;
  const checked = checkConfigPatch(configInput);
  if (!checked.ok) throw new Error(`invalid sandbox config: ${checked.errors.join('; ')}`);
  const ctx = createContext({ ...DEFAULT_SANDBOX_CONFIG, ...checked.value });
  const app = buildApp(ctx);
  await app.listen({ port, host });
  const actualPort = (app.server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${actualPort}`,
    port: actualPort,
    close: () => app.close(),
    config: ctx.config,
  };
}

export function buildApp(ctx: SandboxContext): FastifyInstance {
  const app = Fastify({
    logger: false,
    forceCloseConnections: true,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 1000 },
    bodyLimit: 5 * 1024 * 1024,
  });

  app.decorateRequest(META_KEY, null);

  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });

  // Latency, faults, request counting and auth for every provider request.
  app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
    const path = pathOf(req.url);
    if (path.startsWith(CONTROL_PREFIX)) return;
    const provider = providerOf(path);
    const traceparent = req.headers.traceparent;
    const entry = ctx.requests.record(req.method, path, Date.now(), typeof traceparent === 'string' ? traceparent : undefined);
    const fault = ctx.faults.match(req.method, req.url); // path and query: a fault can single out a listing
    setMeta(req, { provider, entry, mods: fault?.mods ?? null });

    const delay = ctx.config.latencyMs + (fault?.delayMs ?? 0);
    if (delay > 0) await sleep(delay);
    if (fault) {
      if (fault.hang) await new Promise<never>(() => undefined); // never answered
      if (fault.headers) reply.headers(fault.headers);
      if (fault.status !== undefined) {
        const body = fault.hasBody
          ? fault.body
          : provider === 'apinizer'
            ? apinizerDefaultErrorBody(fault.status, fault.headers)
            : gcoreDefaultErrorBody(fault.status);
        reply.code(fault.status);
        if (typeof body === 'string') reply.type('text/plain; charset=utf-8');
        return reply.send(body === null ? 'null' : body);
      }
    }

    if (provider === 'apinizer' && refuseInexactApinizerPath(ctx.config, req.method, path, reply)) return reply;
    if (provider === 'gcore' && refuseInexactGcorePath(ctx.config, path, reply)) return reply;
    if (provider === 'gcore') {
      if (!path.startsWith('/cloud/')) return;
      const denied = checkGcoreAuth(req.headers.authorization, ctx.config.gcoreApiKey);
      if (denied) return reply.code(401).send(denied);
    } else if (!isApinizerPublicPath(path)) {
      const denied = checkApinizerAuth(ctx, req.headers.authorization, Date.now());
      if (denied) return sendApinizerError(reply, 401, denied[0], denied[1]);
    }
  });

  // writes keep their parsed body in the log, so tests can compare what was sent with a dry run's plan
  app.addHook('preHandler', async (req) => {
    const meta = getMeta(req);
    if (meta && req.method !== 'GET' && req.method !== 'HEAD' && req.body !== undefined) meta.entry.body = req.body;
  });

  app.addHook('onResponse', async (req, reply) => {
    const meta = getMeta(req);
    if (meta) meta.entry.status = reply.statusCode;
  });

  app.setErrorHandler((err: FastifyError, req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    const path = pathOf(req.url);
    const message = status === 400 ? `JSON parse error - ${err.message}` : err.message;
    if (path.startsWith(CONTROL_PREFIX)) return reply.code(status).send({ error: 'error', message: err.message });
    if (providerOf(path) === 'apinizer') {
      return sendApinizerError(reply, status, status >= 500 ? 'internal_error' : 'bad_request', message);
    }
    if (status === 400) return sendGcoreError(reply, 400, 'ValidationError', message, { non_field_errors: [message] });
    return reply.code(status).send(gcoreDefaultErrorBody(status, err.message));
  });

  app.setNotFoundHandler((req, reply) => {
    const path = pathOf(req.url);
    if (path.startsWith(CONTROL_PREFIX)) return reply.code(404).send({ error: 'not_found', message: `no control route ${req.method} ${path}` });
    if (providerOf(path) === 'apinizer') return sendApinizerError(reply, 404, 'not_found', `No endpoint ${req.method} ${path}`);
    return sendGcoreError(reply, 404, 'NotFoundError', 'Not found.');
  });

  registerGcoreRoutes(app, ctx);
  registerApinizerRoutes(app, ctx);
  registerControlRoutes(app, ctx);
  return app;
}
