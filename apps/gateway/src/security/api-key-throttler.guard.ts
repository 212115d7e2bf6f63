import { ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard, ThrottlerLimitDetail } from '@nestjs/throttler';
import { AuthenticatedRequest, PUBLIC_ROUTE, ProblemException } from '@rpg/common';

const routeNames = new WeakMap<object, string>();

/** Rate limit per API key (not per IP: many frontends share proxies); open routes are not limited. */
@Injectable()
export class ApiKeyThrottlerGuard extends ThrottlerGuard {
  protected override shouldSkip(context: ExecutionContext): Promise<boolean> {
    return Promise.resolve(this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, [context.getHandler(), context.getClass()]) ?? false);
  }

  protected override throwThrottlingException(_context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    const seconds = Math.max(1, Math.ceil(detail.timeToBlockExpire || detail.timeToExpire));
    return Promise.reject(
      new ProblemException({
        status: 429,
        slug: 'rate-limited',
        detail: `Rate limit of ${detail.limit} requests per minute for this API key exceeded; retry in ${seconds} s.`,
        headers: { 'retry-after': String(seconds) },
      }),
    );
  }

  /**
   * The counter's key: route and API key name in clear (the library hashes them with SHA-256 on every request; neither
   * is a secret, and the name of the route is cached per handler).
   */
  protected override generateKey(context: ExecutionContext, tracker: string, throttlerName: string): string {
    const handler = context.getHandler();
    let route = routeNames.get(handler);
    if (route === undefined) routeNames.set(handler, (route = `${context.getClass().name}.${handler.name}`));
    return `${route}:${throttlerName}:${tracker}`;
  }

  protected override getTracker(req: Record<string, unknown>): Promise<string> {
    return Promise.resolve(`key:${(req as unknown as AuthenticatedRequest).apiKey?.name ?? 'anonymous'}`);
  }
}
