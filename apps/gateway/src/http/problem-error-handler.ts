import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { Logger } from 'pino';
import { replyWithProblem } from '@rpg/common';

/**
 * Fastify's error handler (errors raised before Nest's pipeline: body parsing, size, media type) answers problem+json,
 * and stays the only one. Why the override: Nest's init installs its own handler (RoutesResolver.registerExceptionHandler)
 * whose mapExternalException turns Fastify's coded errors (FST_ERR_CTP_*: malformed JSON, 413, 415) into bare
 * HttpExceptions, losing the code and with it the problem type (body-too-large would become http-413). Fastify takes
 * one error handler per scope, so Nest's call is made a no-op. problem-error-handler.spec.ts fails once Nest keeps the
 * code; then this file can go.
 */
export function keepProblemErrorHandler(adapter: FastifyAdapter, logger: Pick<Logger, 'error'>): void {
  const fastify = adapter.getInstance();
  adapter.setErrorHandler = (() => fastify) as typeof adapter.setErrorHandler;
  fastify.setErrorHandler((error, request, reply) => replyWithProblem(reply, request, error, (fields) => logger.error(fields, 'request failed')));
}
