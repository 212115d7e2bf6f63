import { STATUS_CODES } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { clientErrorProblem, replyWithProblem } from '@rpg/common';
import { edgeHeaders } from './security-headers';

/**
 * Requests the HTTP parser rejects (bad header bytes such as NUL, oversized headers, timeouts) never reach Fastify's
 * routing: answer them as problem+json with a fresh x-request-id too, instead of Fastify's plain JSON.
 */
function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const requestId = randomUUID();
  const problem = clientErrorProblem(error, requestId);
  const body = JSON.stringify(problem);
  const headers = {
    'Content-Type': 'application/problem+json; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(body)),
    ...edgeHeaders(requestId),
    Connection: 'close',
  };
  if (socket.writable) {
    const head = Object.entries(headers)
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join('');
    socket.write(`HTTP/1.1 ${problem.status} ${STATUS_CODES[problem.status]}\r\n${head}\r\n${body}`);
  }
  socket.destroy();
}

/**
 * Errors Fastify raises before routing (bad percent-encoding, a path parameter over maxParamLength): problem+json too,
 * instead of Fastify's own JSON that quotes the whole URL back. No hook has run, so the edge headers are set here.
 */
function answerFrameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  void reply.headers(edgeHeaders(request.id));
  replyWithProblem(reply, request, error);
}

/** Fastify options: errors before routing (the HTTP parser's, Fastify's own) answer problem+json like every other. */
export const CLIENT_ERROR_OPTIONS = { clientErrorHandler: answerClientError, frameworkErrors: answerFrameworkError };
