import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ProblemException, sendProblem, toProblem } from '@rpg/common';

export const CONSOLE_PATH = '/console';

/** Where `npm run build` puts the console (apps/console, built by Vite): relative to the working directory, the repo root. */
export const CONSOLE_DIR = resolve(process.cwd(), 'dist', 'console');

/**
 * The console's pages: its own files only (no inline script or style, nothing from another host), API calls and
 * streams to this origin, never framed.
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * Serves the operations console at /console/ from its build, in its own encapsulation context: its CSP, and caching
 * that suits Vite's output (hashed assets immutable, the page itself never cached, so a new build is picked up at once).
 * The console signs in with an API key held in the page's session storage: it has no cookie and no server side of its own.
 */
export async function serveConsole(fastify: FastifyInstance, dir = CONSOLE_DIR): Promise<void> {
  await fastify.register(async (scope) => {
    scope.addHook('onSend', async (_request, reply) => {
      void reply.header('content-security-policy', CONSOLE_CSP).header('referrer-policy', 'no-referrer');
    });
    if (!existsSync(join(dir, 'index.html'))) {
      // e.g. the gateway run from sources without `npm run build`: say so instead of a bare 404
      const notBuilt = (request: FastifyRequest, reply: FastifyReply) => {
        const { problem, headers } = toProblem(
          new ProblemException({ status: 404, slug: 'console-not-built', detail: `The console is not built (no ${dir}): run npm run build.` }),
          request,
        );
        sendProblem(reply, problem, headers);
      };
      scope.get(CONSOLE_PATH, notBuilt);
      scope.get(`${CONSOLE_PATH}/*`, notBuilt);
      return;
    }
    // the page's relative asset URLs need the trailing slash
    scope.get(CONSOLE_PATH, (_request, reply) => reply.redirect(`${CONSOLE_PATH}/`, 301));
    await scope.register(fastifyStatic, {
      root: dir,
      prefix: `${CONSOLE_PATH}/`,
      index: ['index.html'],
      decorateReply: false,
      cacheControl: false,
      setHeaders: (reply, path) => {
        void reply.header('cache-control', path.startsWith(join(dir, 'assets')) ? 'public, max-age=31536000, immutable' : 'no-store');
      },
    });
  });
}
