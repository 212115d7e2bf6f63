import { Server, createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { CircuitBreaker, ProviderHttpClient } from '@rpg/provider-http';
import { ERROR_CODES, ProviderError } from '@rpg/routing-policy';
import { ApinizerClient, apinizerRetryAfterMs, mapApinizerError } from './apinizer.client';
import { ApinizerTokenProvider } from './apinizer-token.provider';

describe('mapApinizerError', () => {
  it.each<[string, number, unknown, string]>([
    ['401 invalid_token', 401, { error: 'invalid_token', error_description: 'Invalid access token' }, ERROR_CODES.providerAuth],
    [
      '401 unauthorized_client (strict sandbox, auth.md)',
      401,
      { error: 'unauthorized_client', error_description: 'Invalid access token' },
      ERROR_CODES.providerAuth,
    ],
    ['401 token_expired', 401, { error: 'token_expired', error_description: 'Access token expired' }, ERROR_CODES.providerAuth],
    ['403 access_denied', 403, { error: 'access_denied', error_description: 'no role' }, ERROR_CODES.providerAuth],
    ['404 proxy not found', 404, { error: 'not_found', error_description: 'ApiProxy (name: x) was not found!' }, ERROR_CODES.targetNotFound],
    ['400 policy does not exist', 400, { error: 'bad_request', error_description: 'Policy (name: p) does not exist' }, ERROR_CODES.targetNotFound],
    ['400 validation', 400, { error: 'validation_failed', error_description: 'Validation failed' }, ERROR_CODES.validationFailed],
    ['400 already exists', 400, { error: 'bad_request', error_description: 'Policy (name: p) already exists' }, ERROR_CODES.validationFailed],
    ['429', 429, { error: 'rate_limit_exceeded', error_description: 'slow down', retry_after: 2 }, ERROR_CODES.rateLimited],
    ['rate limit body on a 400', 400, { error: 'rate_limit_exceeded', error_description: 'slow down', retry_after: 2 }, ERROR_CODES.rateLimited],
    ['500', 500, { error: 'internal_error', error_description: 'boom' }, ERROR_CODES.providerUnavailable],
    ['503 text body', 503, 'Service Unavailable', ERROR_CODES.providerUnavailable],
    ['409 conflict', 409, { error: 'conflict', error_description: 'busy' }, ERROR_CODES.providerError],
    ['200 FAILURE envelope', 200, { status: 'FAILURE' }, ERROR_CODES.providerError],
  ])('%s → code', (_name, status, body, code) => {
    const error = mapApinizerError(status, body, 'policy update');
    expect(error).toBeInstanceOf(ProviderError);
    expect(error.code).toBe(code);
    expect(error.providerStatus).toBe(status);
    expect(error.providerBody).toBe(body);
  });

  it('puts the description and every validation error in the message', () => {
    const error = mapApinizerError(
      400,
      {
        error: 'validation_failed',
        error_description: 'Validation failed',
        validation_errors: [
          { field: 'policy.ipList', message: 'must not be empty' },
          { field: 'operationMetadata.order', message: 'must be >= 1' },
        ],
      },
      'policy update',
    );
    expect(error.message).toBe(
      'Apinizer policy update failed with 400: Validation failed (policy.ipList: must not be empty; operationMetadata.order: must be >= 1)',
    );
  });
});

describe('apinizerRetryAfterMs', () => {
  it.each<[string, number, unknown, number | undefined]>([
    ['rate limit body with retry_after', 429, { error: 'rate_limit_exceeded', retry_after: 3 }, 3000],
    ['on any error status', 400, { error: 'rate_limit_exceeded', retry_after: 2 }, 2000],
    ['without retry_after: 1 s', 503, { error: 'rate_limit_exceeded' }, 1000],
    ['retry_after 0 is raised to 1 s', 429, { error: 'rate_limit_exceeded', retry_after: 0 }, 1000],
    ['not a rate limit', 400, { error: 'bad_request', retry_after: 5 }, undefined],
    ['a success is never retried', 200, { error: 'rate_limit_exceeded', retry_after: 5 }, undefined],
    ['a text body', 429, 'Too Many Requests', undefined],
  ])('%s', (_name, status, body, expected) => {
    expect(apinizerRetryAfterMs(status, body)).toBe(expected);
  });
});

describe('ApinizerClient paths', () => {
  it('encodes names and ends with a slash', () => {
    expect(ApinizerClient.policyPath({ projectName: 'my project', apiProxyName: 'pet/store', policyName: 'block list' })).toBe(
      '/apiops/projects/my%20project/apiProxies/pet%2Fstore/policies/block%20list/',
    );
    expect(ApinizerClient.policiesPath({ projectName: 'demo', apiProxyName: 'petstore' })).toBe('/apiops/projects/demo/apiProxies/petstore/policies/');
  });
});

describe('ApinizerClient with an unreachable token endpoint', () => {
  let http: ProviderHttpClient;

  beforeAll(async () => {
    // a port that refuses connections: bind one, then free it
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    await new Promise<void>((r) => server.close(() => r()));
    http = new ProviderHttpClient({
      provider: 'Apinizer',
      baseUrl: `http://127.0.0.1:${port}`,
      maxAttempts: 1,
      requestTimeoutMs: 1000,
      breaker: new CircuitBreaker('apinizer', { failureThreshold: 100, openMs: 1000 }),
    });
  });
  afterAll(async () => {
    await http.close();
  });

  it('fails with a retryable PROVIDER_UNAVAILABLE, like any other unreachable call', async () => {
    const client = new ApinizerClient(http, new ApinizerTokenProvider(http, { username: 'u', password: 'p' }));
    const error = await client.listPolicies({ projectName: 'demo', apiProxyName: 'petstore' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).code).toBe(ERROR_CODES.providerUnavailable);
    expect((error as ProviderError).retryable).toBe(true);
  });
});

describe('ApinizerClient token exchange answers', () => {
  let server: Server;
  let http: ProviderHttpClient;
  let answer: { status: number; body: unknown };
  const seen: { path: string; contentType?: string; body: string }[] = [];

  beforeAll(async () => {
    server = createHttpServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        seen.push({ path: req.url ?? '', contentType: req.headers['content-type'], body });
        res.writeHead(answer.status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(answer.body));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    http = new ProviderHttpClient({
      provider: 'Apinizer',
      baseUrl: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
      maxAttempts: 1,
      requestTimeoutMs: 1000,
      breaker: new CircuitBreaker('apinizer', { failureThreshold: 100, openMs: 1000 }),
    });
  });
  afterAll(async () => {
    await http.close();
    await new Promise<void>((r) => server.close(() => r()));
  });
  beforeEach(() => {
    seen.length = 0;
  });

  it('posts client_credentials form-encoded to /apiops/auth/token', async () => {
    const tokens = new ApinizerTokenProvider(http, { username: 'user name', password: 'p&ss' });
    answer = { status: 200, body: { access_token: 'tok-1', token_type: 'Bearer', expires_in: 3600 } };
    expect(await tokens.get()).toBe('tok-1');
    expect(seen).toEqual([
      {
        path: '/apiops/auth/token',
        contentType: 'application/x-www-form-urlencoded',
        body: 'grant_type=client_credentials&client_id=user+name&client_secret=p%26ss',
      },
    ]);
    expect(await tokens.get()).toBe('tok-1');
    expect(seen).toHaveLength(1);
  });

  it.each<[string, number, unknown, string]>([
    ['bad credentials', 401, { error: 'unauthorized_client', error_description: 'Bad credentials' }, ERROR_CODES.providerAuth],
    ['unsupported grant', 400, { error: 'unsupported_grant_type', error_description: 'no' }, ERROR_CODES.providerAuth],
    ['200 without a token', 200, {}, ERROR_CODES.providerAuth],
    ['manager down', 503, { error: 'server_error', error_description: 'down' }, ERROR_CODES.providerUnavailable],
    ['throttled', 429, { error: 'rate_limit_exceeded', retry_after: 1 }, ERROR_CODES.rateLimited],
  ])('%s → %s', async (_name, status, body, code) => {
    answer = { status, body };
    const error = await new ApinizerTokenProvider(http, { username: 'u', password: 'p' }).get().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).code).toBe(code);
    expect((error as ProviderError).providerStatus).toBe(status);
    expect(JSON.stringify(error)).not.toContain('"p"');
  });

  it('a configured token without credentials is used as it is, never exchanged', async () => {
    expect(await new ApinizerTokenProvider(http, { token: 'personal' }).get()).toBe('personal');
    expect(seen).toHaveLength(0);
  });
});
