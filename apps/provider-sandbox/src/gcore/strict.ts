import type { FastifyReply } from 'fastify';
import type { SandboxConfig } from '../config';
import { sendGcoreError } from './errors';
import type { TaskRecord } from './tasks';

/**
 * What strict mode changes for Gcore (the references' least favourable reading; see README "Provider sandbox"):
 * - exact paths: Gcore's paths have no trailing slash; an extra one (or an empty segment) is a 404;
 * - a new task is invisible for a moment (GET 404, left out of the listing): the task store is eventually consistent;
 * - an L7 PATCH that changes nothing answers `{tasks: []}` (as the v2 lbpools docs say of a no-change PATCH).
 */

/** How long a new task stays invisible in strict mode (unless `taskVisibilityDelayMs` says otherwise). */
export const STRICT_TASK_VISIBILITY_DELAY_MS = 300;

export function taskVisibilityDelayMs(config: SandboxConfig): number {
  return config.taskVisibilityDelayMs ?? (config.strict ? STRICT_TASK_VISIBILITY_DELAY_MS : 0);
}

/** Whether Gcore already shows the task (to GET and to the listing). */
export function isTaskVisible(t: TaskRecord, config: SandboxConfig, now: number): boolean {
  return now >= t.createdAtMs + taskVisibilityDelayMs(config);
}

/**
 * Strict mode: answers 404 (Gcore's error body) for a Gcore API path with a trailing slash or an empty segment, which the
 * router (ignoreTrailingSlash) would otherwise route. Returns true when it answered.
 */
export function refuseInexactGcorePath(config: SandboxConfig, path: string, reply: FastifyReply): boolean {
  if (!config.strict || !path.startsWith('/cloud/')) return false;
  if (!path.endsWith('/') && !path.includes('//')) return false;
  sendGcoreError(reply, 404, 'NotFoundError', 'Not found.');
  return true;
}
