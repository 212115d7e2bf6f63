import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { CircuitBreaker } from './circuit-breaker';
import { ProviderHttpClient, ProviderUnavailableError, verdictOf } from './provider-http.client';
import { waitFor } from '../../../test/support/wait';

/** The client settles the breaker on every answer: real HTTP server, real timers (open time kept short). */
describe('ProviderHttpClient and its circuit breaker', () => {
  let server: Server;
  let url: string;
  /** Status answered per request, in order; the last one repeats. `hang` never answers. */
  let script: (number | 'hang')[];
  let served = 0;

  beforeAll(async () => {
    server = createServer((req, res) => {
      const step = script[Math.min(served, script.length - 1)];
      served++;
      req.resume();
      if (step === 'hang') return;
      res.writeHead(step, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: step }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
  beforeEach(() => {
    served = 0;
  });

  const client = (breaker: CircuitBreaker, requestTimeoutMs = 2000) =>
    new ProviderHttpClient({ provider: 'P', baseUrl: url, maxAttempts: 1, requestTimeoutMs, breaker, baseDelayMs: 10, maxDelayMs: 20 });
  const get = (c: ProviderHttpClient) => c.send({ method: 'GET', path: '/x', operation: 'x' });
  // the condition is asserted right after: this only gives it time, with the shared generous (TEST_TIME_SCALE) deadline
  const waitUntil = (cond: () => boolean) => waitFor(() => cond() || undefined, undefined, 10).catch(() => undefined);

  it('verdicts: every 5xx is a failure, 408/429 say nothing, other answers are successes', () => {
    expect([500, 501, 502, 505, 520, 524].map((s) => verdictOf(s, false))).toEqual(Array(6).fill('failure'));
    expect([verdictOf(408, false), verdictOf(429, false), verdictOf(400, true)]).toEqual(['neutral', 'neutral', 'neutral']);
    expect([200, 204, 400, 401, 404, 409].map((s) => verdictOf(s, false))).toEqual(Array(6).fill('success'));
  });

  it.each([501, 505, 520])('a non-retried %i during the half-open trial reopens the circuit; once the provider recovers calls go through', async (status) => {
    const breaker = new CircuitBreaker('p', { failureThreshold: 2, openMs: 150 });
    const c = client(breaker);
    script = [503, 503, status, 200];
    expect((await get(c)).status).toBe(503);
    expect((await get(c)).status).toBe(503);
    expect(breaker.current).toBe('open');
    await waitUntil(() => breaker.current === 'half-open');
    expect((await get(c)).status).toBe(status); // the trial
    expect(breaker.current).toBe('open');
    // before the fix the trial stayed in flight: this call waited its whole admission time and failed
    expect((await get(c)).status).toBe(200);
    expect(breaker.current).toBe('closed');
    expect(served).toBe(4);
    await c.close();
  });

  it('a trial that times out settles too (failure), and the next trial closes the circuit', async () => {
    const breaker = new CircuitBreaker('p', { failureThreshold: 1, openMs: 100 });
    const c = client(breaker, 300);
    script = [500, 'hang', 200];
    await get(c);
    await waitUntil(() => breaker.current === 'half-open');
    await expect(get(c)).rejects.toBeInstanceOf(ProviderUnavailableError);
    expect(breaker.current).toBe('open');
    expect((await get(c)).status).toBe(200);
    expect(breaker.current).toBe('closed');
    await c.close();
  });

  it('a trial whose answer makes a body hook throw still settles', async () => {
    const breaker = new CircuitBreaker('p', { failureThreshold: 1, openMs: 100 });
    let throwing = false;
    const retryAfterFromBody = (): undefined => {
      if (throwing) throw new Error('hook bug');
      return undefined;
    };
    const c = new ProviderHttpClient({ provider: 'P', baseUrl: url, maxAttempts: 1, requestTimeoutMs: 2000, breaker, retryAfterFromBody });
    script = [500, 200];
    await get(c);
    await waitUntil(() => breaker.current === 'half-open');
    throwing = true;
    await expect(get(c)).rejects.toBeInstanceOf(ProviderUnavailableError); // the trial
    throwing = false;
    expect(breaker.current).toBe('open');
    await waitUntil(() => breaker.current === 'half-open');
    expect((await get(c)).status).toBe(200);
    expect(breaker.current).toBe('closed');
    await c.close();
  });
});
