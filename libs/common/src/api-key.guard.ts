import { CanActivate, ExecutionContext, Inject, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { APP_CONFIG, AppConfig, ApiKeyEntry, ApiScope, hashApiKey } from '@rpg/config';
import { ProblemException } from './problem';
import { SignedTokenCodec } from './signed-token';

export const REQUIRED_SCOPE = 'rpg:required-scope';
export const PUBLIC_ROUTE = 'rpg:public-route';
export const STREAM_TOKEN_ROUTE = 'rpg:stream-token-route';
/** The query parameter that carries a stream token (EventSource cannot send headers). */
export const STREAM_TOKEN_PARAM = 'access_token';

/** The scope a route needs; the key must hold it (or `*`). */
export const RequireScope = (scope: ApiScope) => SetMetadata(REQUIRED_SCOPE, scope);
/** No API key (health, docs, metrics, inbound webhooks whose signature is the credential). */
export const PublicRoute = () => SetMetadata(PUBLIC_ROUTE, true);

/** A Server-Sent Events route: besides the API key, a stream token in `?access_token=` is accepted (read-only routes only). */
export const AcceptStreamToken = () => SetMetadata(STREAM_TOKEN_ROUTE, true);

export interface AuthenticatedRequest extends FastifyRequest {
  apiKey?: { name: string; scopes: ReadonlySet<ApiScope> };
}

/** Finds the key whose hash matches, comparing every stored hash in constant time. */
function findApiKey(entries: ApiKeyEntry[], presented: string): ApiKeyEntry | undefined {
  const hash = hashApiKey(presented);
  let found: ApiKeyEntry | undefined;
  for (const entry of entries) {
    if (timingSafeEqual(entry.hash, hash) && !found) found = entry;
  }
  return found;
}

export function authenticate(
  config: AppConfig,
  authorization: string | undefined,
  scope: ApiScope | undefined,
): { name: string; scopes: ReadonlySet<ApiScope> } {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  if (!match) {
    throw new ProblemException({
      status: 401,
      slug: 'unauthorized',
      detail: 'Send an API key as "Authorization: Bearer <key>".',
      headers: { 'www-authenticate': 'Bearer' },
    });
  }
  const entry = findApiKey(config.apiKeys, match[1]);
  if (!entry) {
    throw new ProblemException({
      status: 401,
      slug: 'unauthorized',
      detail: 'The API key is not valid.',
      headers: { 'www-authenticate': 'Bearer error="invalid_token"' },
    });
  }
  if (scope && !entry.scopes.has(scope)) {
    throw new ProblemException({ status: 403, slug: 'forbidden', detail: `The API key "${entry.name}" lacks the scope "${scope}".` });
  }
  return { name: entry.name, scopes: entry.scopes };
}

const invalidStreamToken = (detail: string) =>
  new ProblemException({ status: 401, slug: 'unauthorized', detail, headers: { 'www-authenticate': 'Bearer error="invalid_token"' } });

/**
 * A stream token (POST /v1/stream-tokens) presented on an SSE route: signed by a gateway sharing SESSION_SECRET, not
 * expired, its key still configured with the scope, and bound to this operation when it names one.
 */
export function authenticateStreamToken(
  config: AppConfig,
  tokens: SignedTokenCodec,
  token: string,
  scope: ApiScope | undefined,
  operationId: string | undefined,
): { name: string; scopes: ReadonlySet<ApiScope> } {
  const claims = tokens.verify(token, 'stream');
  if (!claims) throw invalidStreamToken('The stream token is invalid or has expired: get a new one from POST /v1/stream-tokens.');
  const entry = config.apiKeys.find((k) => k.name === claims.keyName);
  if (!entry) throw invalidStreamToken('The API key this stream token was issued to no longer exists.');
  if (scope && !entry.scopes.has(scope)) {
    throw new ProblemException({ status: 403, slug: 'forbidden', detail: `The API key "${entry.name}" lacks the scope "${scope}".` });
  }
  if (claims.operationId && claims.operationId !== operationId) {
    throw new ProblemException({ status: 403, slug: 'forbidden', detail: 'This stream token is bound to another operation.' });
  }
  // read-only whatever the key holds: the token opens streams, nothing else
  return { name: entry.name, scopes: new Set(scope ? [scope] : []) };
}

@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly tokens: SignedTokenCodec,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;
    const scope = this.reflector.getAllAndOverride<ApiScope | undefined>(REQUIRED_SCOPE, targets);
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const query = request.query as Record<string, unknown> | undefined;
    if (query && Object.prototype.hasOwnProperty.call(query, STREAM_TOKEN_PARAM)) {
      if (!this.reflector.getAllAndOverride<boolean>(STREAM_TOKEN_ROUTE, targets)) {
        throw invalidStreamToken(`A stream token (?${STREAM_TOKEN_PARAM}=) is accepted only on Server-Sent Events routes; send "Authorization: Bearer <key>".`);
      }
      if (request.headers.authorization === undefined) {
        const token = query[STREAM_TOKEN_PARAM];
        const params = request.params as Record<string, string> | undefined;
        request.apiKey = authenticateStreamToken(this.config, this.tokens, typeof token === 'string' ? token : '', scope, params?.id);
        return true;
      }
    }
    request.apiKey = authenticate(this.config, request.headers.authorization, scope);
    return true;
  }
}
