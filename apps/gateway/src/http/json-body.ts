import { FastifyAdapter } from '@nestjs/platform-fastify';
import { parseJsonBody } from '@rpg/common';

export const BODY_LIMIT = 1024 * 1024;

/** Fastify options: the body limit, and prototype poisoning refused (an error, not a silently stripped key). */
export const JSON_BODY_OPTIONS = { bodyLimit: BODY_LIMIT, onProtoPoisoning: 'error', onConstructorPoisoning: 'error' } as const;

/**
 * JSON in only: register our JSON parser now (keeping rawBody for inbound signatures) so init adds no form parser,
 * and drop Fastify's text/plain one: any other media type answers 415 (FST_ERR_CTP_INVALID_MEDIA_TYPE).
 * The parser checks every key and value once (prototype keys, lone surrogates, inexact numbers, depth) for every
 * route, before class-transformer or any merge sees the body.
 */
export function acceptJsonBodiesOnly(adapter: FastifyAdapter): void {
  adapter.useBodyParser(
    'application/json',
    true,
    { bodyLimit: BODY_LIMIT },
    (_request: unknown, raw: Buffer, done: (err: Error | null, body?: unknown) => void) => {
      let body: unknown;
      try {
        body = parseJsonBody(raw);
      } catch (error) {
        return done(error as Error);
      }
      done(null, body);
    },
  );
  adapter.getInstance().removeContentTypeParser(['text/plain', 'application/x-www-form-urlencoded']);
}
