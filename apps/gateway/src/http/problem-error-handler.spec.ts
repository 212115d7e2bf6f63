import { Body, Controller, Module, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { RoutesResolver } from '@nestjs/core/router/routes-resolver';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { errorCodes } from 'fastify';
import { PROBLEM_TYPE_BASE, ProblemExceptionFilter, toProblem } from '@rpg/common';
import { keepProblemErrorHandler } from './problem-error-handler';

@Controller()
class EchoController {
  @Post('echo')
  echo(@Body() body: unknown): unknown {
    return body;
  }
}

@Module({ controllers: [EchoController] })
class EchoModule {}

/** A Nest app with the problem filter and a 16-byte body limit; `keep` installs the override under test. */
async function echoApp(keep: boolean, logged: unknown[] = []): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({ bodyLimit: 16 });
  const app = await NestFactory.create<NestFastifyApplication>(EchoModule, adapter, { logger: false });
  app.useGlobalFilters(new ProblemExceptionFilter());
  if (keep) keepProblemErrorHandler(adapter, { error: (fields: unknown) => void logged.push(fields) } as never);
  // a route outside Nest: what it throws reaches Fastify's error handler, like a failing hook or body parser
  adapter.getInstance().get('/fastify-boom', async () => {
    throw new Error('boom');
  });
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}

const TOO_LARGE = { method: 'POST' as const, url: '/echo', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ long: 'x'.repeat(64) }) };

describe('keepProblemErrorHandler', () => {
  it('exists because Nest maps a coded Fastify error to a bare HttpException: the code, and so the problem type, is lost', () => {
    const fastifyError = new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE();
    expect(toProblem(fastifyError, {}).problem.type).toBe(PROBLEM_TYPE_BASE + 'body-too-large');
    const mapped: unknown = RoutesResolver.prototype.mapExternalException.call(RoutesResolver.prototype, fastifyError);
    // when this fails, Nest keeps Fastify's error (or its code): the override in problem-error-handler.ts can go
    expect((mapped as { code?: string }).code).toBeUndefined();
    expect(toProblem(mapped, {}).problem.type).toBe(PROBLEM_TYPE_BASE + 'http-413');
  });

  it('without it, a body over the limit answers http-413 instead of body-too-large', async () => {
    const app = await echoApp(false);
    try {
      const res = await app.inject(TOO_LARGE);
      expect(res.statusCode).toBe(413);
      expect(res.json().type).toBe(PROBLEM_TYPE_BASE + 'http-413');
    } finally {
      await app.close();
    }
  });

  it('with it, errors before Nest keep their problem type (413, 415, malformed JSON); routed requests still work', async () => {
    const app = await echoApp(true);
    try {
      const tooLarge = await app.inject(TOO_LARGE);
      expect(tooLarge.statusCode).toBe(413);
      expect(tooLarge.headers['content-type']).toBe('application/problem+json; charset=utf-8');
      expect(tooLarge.json()).toMatchObject({ type: PROBLEM_TYPE_BASE + 'body-too-large', status: 413, instance: '/echo' });
      const xml = await app.inject({ method: 'POST', url: '/echo', headers: { 'content-type': 'application/xml' }, payload: '<a/>' });
      expect(xml.json()).toMatchObject({ type: PROBLEM_TYPE_BASE + 'unsupported-media-type', status: 415 });
      const malformed = await app.inject({ method: 'POST', url: '/echo', headers: { 'content-type': 'application/json' }, payload: '{"a":' });
      expect(malformed.json()).toMatchObject({ type: PROBLEM_TYPE_BASE + 'malformed-json', status: 400 });
      const ok = await app.inject({ method: 'POST', url: '/echo', headers: { 'content-type': 'application/json' }, payload: '{"a":1}' });
      expect(ok.json()).toEqual({ a: 1 });
    } finally {
      await app.close();
    }
  });

  it('logs server errors with the request id, and only those', async () => {
    const logged: unknown[] = [];
    const app = await echoApp(true, logged);
    try {
      await app.inject(TOO_LARGE);
      expect(logged).toEqual([]);
      const res = await app.inject({ method: 'GET', url: '/fastify-boom' });
      expect(res.statusCode).toBe(500);
      expect(res.json()).toMatchObject({ type: PROBLEM_TYPE_BASE + 'internal-error', instance: '/fastify-boom' });
      expect(res.json().detail).not.toContain('boom');
      expect(logged).toEqual([{ err: expect.objectContaining({ message: 'boom' }), requestId: res.json().requestId }]);
    } finally {
      await app.close();
    }
  });
});
