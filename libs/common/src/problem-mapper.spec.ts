import { HttpException, NotFoundException, ServiceUnavailableException } from '@nestjs/common';
import { PROBLEM_TYPE_BASE, ProblemException } from './problem';
import { clientErrorProblem, toProblem } from './problem-mapper';

const REQUEST = { url: '/v1/things?secret=1', id: 'req-1' };

describe('toProblem', () => {
  it('renders a ProblemException with its errors, extra members and headers, the path as instance and the request id', () => {
    const thrown = new ProblemException({
      status: 409,
      slug: 'conflict',
      detail: 'Taken.',
      errors: [{ path: 'name', message: 'is taken' }],
      extra: { operationId: 'op-1' },
      headers: { 'retry-after': '1' },
    });
    expect(toProblem(thrown, REQUEST)).toEqual({
      problem: {
        type: PROBLEM_TYPE_BASE + 'conflict',
        title: 'Conflict',
        status: 409,
        detail: 'Taken.',
        instance: '/v1/things',
        requestId: 'req-1',
        errors: [{ path: 'name', message: 'is taken' }],
        operationId: 'op-1',
      },
      headers: { 'retry-after': '1' },
    });
  });

  it.each([
    ['Redis away', new Error('connect ECONNREFUSED 127.0.0.1:6379'), 503, 'storage-unavailable'],
    ["Fastify's coded error", Object.assign(new Error('too large'), { code: 'FST_ERR_CTP_BODY_TOO_LARGE', statusCode: 413 }), 413, 'body-too-large'],
    ["another parser's JSON error", new SyntaxError('Unexpected end of JSON input'), 400, 'malformed-json'],
    [
      'a prototype key refused by a parser',
      Object.assign(new Error('Object contains forbidden prototype property'), { statusCode: 400 }),
      400,
      'forbidden-property',
    ],
    ['an unmatched route', new NotFoundException('Cannot GET /x'), 404, 'not-found'],
    ['an HttpException', new HttpException('Gone away', 410), 410, 'http-410'],
    ['a 4xx with a status code', Object.assign(new Error('x'), { statusCode: 405 }), 405, 'http-405'],
    ['anything else', new Error('secret internals'), 500, 'internal-error'],
  ])('%s', (_name, exception, status, slug) => {
    const { problem } = toProblem(exception, REQUEST);
    expect(problem).toMatchObject({ type: PROBLEM_TYPE_BASE + slug, status, instance: '/v1/things', requestId: 'req-1' });
    expect(problem.detail).not.toContain('secret');
  });

  it('keeps which readiness check is down (terminus), with retry-after', () => {
    const down = new ServiceUnavailableException({ status: 'error', error: { redis: { status: 'down' } }, details: { redis: { status: 'down' } } });
    expect(toProblem(down, REQUEST)).toEqual({
      problem: expect.objectContaining({ type: PROBLEM_TYPE_BASE + 'not-ready', detail: 'Not ready: redis down.', checks: { redis: { status: 'down' } } }),
      headers: { 'retry-after': '5' },
    });
  });
});

describe('clientErrorProblem', () => {
  it.each([
    ['ERR_HTTP_REQUEST_TIMEOUT', 408, 'request-timeout'],
    ['HPE_HEADER_OVERFLOW', 431, 'headers-too-large'],
    ['HPE_INVALID_HEADER_TOKEN', 400, 'bad-request'],
    [undefined, 400, 'bad-request'],
  ])('%s answers %i %s at instance /', (code, status, slug) => {
    expect(clientErrorProblem({ code }, 'req-2')).toMatchObject({ type: PROBLEM_TYPE_BASE + slug, status, instance: '/', requestId: 'req-2' });
  });
});
