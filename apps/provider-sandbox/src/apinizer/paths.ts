import type { FastifyReply } from 'fastify';
import type { SandboxConfig } from '../config';
import { sendApinizerError } from './errors';

/** Documented without a trailing slash; every other Apinizer endpoint ends with `/` (reference §1, create-token.md). */
const NO_SLASH: readonly RegExp[] = [
  /^\/apiops\/auth\/token$/,
  /^\/apiops\/test\/healthcheck$/,
  /^\/apiops\/test\/hello\/[^/]+$/,
  /^\/apiops\/environments\/[^/]+$/, // GET /apiops/environments/{projectName}
];

/** True when `path` is spelled as the docs spell it: with its trailing slash, or without one for the few listed above. */
function isExactApinizerPath(path: string): boolean {
  const bare = path.endsWith('/') ? path.slice(0, -1) : path;
  if (NO_SLASH.some((r) => r.test(bare))) return !path.endsWith('/');
  return path.endsWith('/') && !path.endsWith('//');
}

/**
 * Strict mode has no tolerance for a missing or extra trailing slash (the app is built with ignoreTrailingSlash, so this
 * is checked per request: PATCH /__sandbox/config can switch strict on and off). Answers 404 and returns true when refused.
 */
export function refuseInexactApinizerPath(config: SandboxConfig, method: string, path: string, reply: FastifyReply): boolean {
  if (!config.strict || isExactApinizerPath(path)) return false;
  sendApinizerError(reply, 404, 'not_found', `No endpoint ${method} ${path}`);
  return true;
}
