import { CanActivate, ExecutionContext, Inject, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { APP_CONFIG, AppConfig, ApiKeyEntry, ApiScope, hashApiKey } from '@rpg/config';
import { ProblemException } from './problem';

export const REQUIRED_SCOPE = 'rpg:required-scope';
export const PUBLIC_ROUTE = 'rpg:public-route';

/** The scope a route needs; the key must hold it (or `*`). */
export const RequireScope = (scope: ApiScope) => SetMetadata(REQUIRED_SCOPE, scope);
/** No API key (health, docs, metrics, inbound webhooks whose signature is the credential). */
export const PublicRoute = () => SetMetadata(PUBLIC_ROUTE, true);

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

@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;
    const scope = this.reflector.getAllAndOverride<ApiScope | undefined>(REQUIRED_SCOPE, targets);
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    request.apiKey = authenticate(this.config, request.headers.authorization, scope);
    return true;
  }
}
