import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { replyWithProblem } from './problem-reply';

/** Renders every error Nest's pipeline catches as RFC 9457 application/problem+json, through the one mapper. */
@Catch()
export class ProblemExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Problem');

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    replyWithProblem(ctx.getResponse<FastifyReply>(), ctx.getRequest<FastifyRequest>(), exception, (fields) => this.logger.error(fields, 'request failed'));
  }
}
