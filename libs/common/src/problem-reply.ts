import type { FastifyReply } from 'fastify';
import { ProblemDetails } from './problem';
import { toProblem } from './problem-mapper';

/** Where a server error (5xx) is logged before it is answered; client errors are not logged. */
export type ServerErrorLog = (fields: { err: unknown; requestId?: string }) => void;

export function sendProblem(reply: FastifyReply, problem: ProblemDetails, headers?: Record<string, string>): void {
  if (headers) for (const [k, v] of Object.entries(headers)) void reply.header(k, v);
  void reply.status(problem.status).header('content-type', 'application/problem+json; charset=utf-8').send(JSON.stringify(problem));
}

/** Answers `exception` as RFC 9457 application/problem+json: never an HTML page or a stack trace. */
export function replyWithProblem(reply: FastifyReply, request: { url?: string; id?: string }, exception: unknown, logServerError?: ServerErrorLog): void {
  const { problem, headers } = toProblem(exception, request);
  if (problem.status >= 500) logServerError?.({ err: exception, requestId: request.id });
  sendProblem(reply, problem, headers);
}
