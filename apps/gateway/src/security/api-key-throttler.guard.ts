import { ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard, ThrottlerLimitDetail } from '@nestjs/throttler';
import { AuthenticatedRequest, PUBLIC_ROUTE, ProblemException } from '@rpg/common';

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

  protected override getTracker(req: Record<string, unknown>): Promise<string> {
    return Promise.resolve(`key:${(req as unknown as AuthenticatedRequest).apiKey?.name ?? 'anonymous'}`);
  }
}
