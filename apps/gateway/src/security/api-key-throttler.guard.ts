import { ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard, ThrottlerLimitDetail } from '@nestjs/throttler';
import { AuthenticatedRequest, PUBLIC_ROUTE, ProblemException } from '@rpg/common';

/** Rate limit per API key (not per IP: many frontends share proxies); open routes are not limited. */
@Injectable()
export class ApiKeyThrottlerGuard extends ThrottlerGuard {
  protected override async shouldSkip(context: ExecutionContext): Promise<boolean> {
    return this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, [context.getHandler(), context.getClass()]) ?? false;
  }

  protected override async throwThrottlingException(_context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    const seconds = Math.max(1, Math.ceil(detail.timeToBlockExpire || detail.timeToExpire));
    throw new ProblemException(429, 'rate-limited', `Rate limit of ${detail.limit} requests per minute for this API key exceeded; retry in ${seconds} s.`, undefined, undefined, {
      'retry-after': String(seconds),
    });
  }

  protected override async getTracker(req: Record<string, unknown>): Promise<string> {
    return `key:${(req as unknown as AuthenticatedRequest).apiKey?.name ?? 'anonymous'}`;
  }
}
