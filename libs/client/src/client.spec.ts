import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { createRoutingPolicyClient, GatewayError, isGatewayError, Operation, OperationEvent, parseRetryAfter, RoutingPolicyClient } from './index';

/** A recorded request of the fake fetch (the client's `fetch` option: its injection point, not a mock of the gateway). */
interface Seen {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: any;
}

function fakeFetch(answer: (req: Seen, n: number) => Response | Promise<Response>) {
  const seen: Seen[] = [];
  const fetch = async (input: string, init: RequestInit = {}): Promise<Response> => {
    const headers = Object.fromEntries(new Headers(init.headers).entries());
    const req: Seen = { method: init.method ?? 'GET', url: input, headers, body: typeof init.body === 'string' ? JSON.parse(init.body) : undefined };
    seen.push(req);
    return answer(req, seen.length);
  };
  return { fetch, seen };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

const op = (status: string, id = 'op_1'): Operation =>
  ({
    id,
    status,
    createdAt: '2025-01-01T00:00:00Z',
    updatedAt: '2025-01-01T00:00:00Z',
    completedAt: null,
    dryRun: false,
    requestedBy: 'web',
    results: [],
  }) as Operation;

const L7 = { provider: 'gcore', kind: 'l7policy', projectId: 1, regionId: 76, id: 'd1b2c3d4-0000-4000-8000-000000000001' } as const;

describe('GatewayError: one error for every non-2xx answer', () => {
  it('synthesizes a problem from a 502 that is not JSON (an HTML page from a proxy)', async () => {
    const html = '<html><head><title>502 Bad Gateway</title></head><body>' + 'x'.repeat(400) + '</body></html>';
    const { fetch } = fakeFetch(
      () => new Response(html, { status: 502, statusText: 'Bad Gateway', headers: { 'content-type': 'text/html', 'x-request-id': 'req-9' } }),
    );
    const { getOperation } = createRoutingPolicyClient({ baseUrl: 'http://gw', apiKey: 'k', fetch });
    const error = await getOperation('op_1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GatewayError);
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({
      name: 'GatewayError',
      status: 502,
      requestId: 'req-9',
      problem: { type: 'about:blank', title: 'Bad Gateway', status: 502, detail: html.slice(0, 200) },
    });
    expect((error as GatewayError).message).toContain('502 Bad Gateway');
  });

  it('passes an RFC 9457 problem through, with field errors, request id and Retry-After', async () => {
    const problem = {
      type: 'https://errors.example/validation',
      title: 'Validation failed',
      status: 400,
      detail: 'The request is invalid.',
      instance: '/v1/routing-policy-updates',
      requestId: 'req-1',
      errors: [{ path: 'updates', message: 'must contain at least 1 item' }],
    };
    const { fetch } = fakeFetch(() => json(400, problem, { 'content-type': 'application/problem+json' }));
    const { submitUpdate } = createRoutingPolicyClient({ apiKey: 'k', fetch });
    await expect(submitUpdate({ updates: [] })).rejects.toMatchObject({ status: 400, problem, requestId: 'req-1' });

    const limited = fakeFetch(() => json(429, { title: 'Too Many Requests', status: 429 }, { 'retry-after': '7' }));
    const error = (await createRoutingPolicyClient({ fetch: limited.fetch })
      .listOperations()
      .catch((e: unknown) => e)) as GatewayError;
    expect(error.retryAfterSeconds).toBe(7);
    // missing fields are completed
    expect(error.problem).toEqual({ type: 'about:blank', title: 'Too Many Requests', status: 429, detail: '' });
  });

  it('synthesizes a problem for JSON that is not an object, and names the status when there is no status text', async () => {
    const { fetch } = fakeFetch(() => new Response('["nope"]', { status: 503, statusText: '' }));
    const error = (await createRoutingPolicyClient({ fetch })
      .listSubscriptions()
      .catch((e: unknown) => e)) as GatewayError;
    expect(error.problem).toEqual({ type: 'about:blank', title: 'Service Unavailable', status: 503, detail: '["nope"]' });
    const empty = fakeFetch(() => new Response(null, { status: 418 }));
    await expect(createRoutingPolicyClient({ fetch: empty.fetch }).getSubscription('x')).rejects.toMatchObject({
      problem: { type: 'about:blank', title: 'HTTP 418', status: 418, detail: '' },
    });
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(parseRetryAfter('120', now)).toBe(120);
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:30 GMT', now)).toBe(30);
    expect(parseRetryAfter('Tue, 31 Dec 2024 00:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });

  it('lets network failures through as they are (not GatewayError), and says so when a 2xx body is not JSON', async () => {
    const down = createRoutingPolicyClient({
      fetch: async () => {
        throw new TypeError('fetch failed');
      },
    });
    const error = await down.getOperation('op_1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect(isGatewayError(error)).toBe(false);

    const odd = fakeFetch(() => new Response('<html>hello</html>', { status: 200 }));
    const bad = await createRoutingPolicyClient({ fetch: odd.fetch })
      .getOperation('op_1')
      .catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(Error);
    expect(bad).not.toBeInstanceOf(SyntaxError);
    expect((bad as Error).message).toMatch(/answered 200 with a body that is not JSON: <html>hello/);
  });

  it('recognizes a GatewayError of another copy of the package', () => {
    const foreign = Object.assign(new Error('x'), { name: 'GatewayError', status: 404, problem: {} });
    expect(isGatewayError(foreign)).toBe(true);
    expect(isGatewayError(new Error('x'))).toBe(false);
    expect(isGatewayError(null)).toBe(false);
  });
});

describe('client functions', () => {
  it('work when destructured, calling the given fetch as a plain function', async () => {
    const receivers: unknown[] = [];
    const { fetch: record, seen } = fakeFetch((req) => {
      if (req.method === 'POST') return json(202, op('PENDING'), { location: '/v1/operations/op_1', 'idempotent-replayed': 'true' });
      return json(200, op('SUCCEEDED'));
    });
    // a `fetch` taken off an object (window.fetch in a browser) must not be called as a method of the options
    const fetch = function (this: unknown, input: string, init?: RequestInit) {
      receivers.push(this);
      return record(input, init);
    };
    const { submitUpdate, getOperation } = createRoutingPolicyClient({ baseUrl: 'http://gw/base/', apiKey: 'secret', fetch });
    const submitted = await submitUpdate({ updates: [{ target: L7, changes: { name: 'web' } }] }, { idempotencyKey: 'key-1', waitSeconds: 5 });
    expect(submitted).toEqual({ status: 202, operation: op('PENDING'), replayed: true, location: '/v1/operations/op_1', preferenceApplied: undefined });
    expect(await getOperation('op_1')).toEqual(op('SUCCEEDED'));
    expect(receivers).toEqual([undefined, undefined]);
    expect(seen[0]).toMatchObject({
      method: 'POST',
      url: 'http://gw/base/v1/routing-policy-updates',
      headers: { authorization: 'Bearer secret', 'idempotency-key': 'key-1', prefer: 'wait=5', 'content-type': 'application/json' },
      body: { updates: [{ target: L7, changes: { name: 'web' } }] },
    });
    expect(seen[1]).toMatchObject({ method: 'GET', url: 'http://gw/base/v1/operations/op_1' });
    expect(seen[1].headers.prefer).toBeUndefined();
  });

  it('calls every route with its method and path', async () => {
    const { fetch, seen } = fakeFetch((req) => {
      if (req.method === 'DELETE') return new Response(null, { status: 204 });
      if (req.url.endsWith('/stream-tokens')) return json(201, { token: 'st_1', expiresAt: '2025-01-01T00:05:00Z' });
      return json(200, req.url.includes('/v1/operations?') ? { items: [], nextCursor: null } : {});
    });
    let keyReads = 0;
    const c = createRoutingPolicyClient({
      baseUrl: 'http://gw',
      getApiKey: async () => `key-${++keyReads}`,
      fetch,
      headers: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
    });
    await c.planUpdate({ updates: [{ target: L7, changes: { position: 2 } }], reference: 'r' });
    await c.listOperations({ status: 'ROLLED_BACK', reference: 'change 1', limit: 5, cursor: undefined });
    await c.lookup([L7]);
    await c.createSubscription({ url: 'https://hooks.example/x', events: ['*'] });
    await c.listSubscriptions();
    await c.getSubscription('whs/1');
    expect(await c.deleteSubscription('whs_1')).toBeUndefined();
    await c.testSubscription('whs_1');
    await c.rotateSubscriptionSecret('whs_1');
    await c.listDeliveries('whs_1');
    await c.replayDelivery('whs_1', 'del_1');
    expect(await c.createStreamToken({ operationId: 'op_1' })).toEqual({ token: 'st_1', expiresAt: '2025-01-01T00:05:00Z' });
    await c.getOperation('op_1', { waitSeconds: 90 });
    expect(seen.map((s) => `${s.method} ${s.url.replace('http://gw', '')}`)).toEqual([
      'POST /v1/routing-policy-updates',
      'GET /v1/operations?status=ROLLED_BACK&reference=change+1&limit=5',
      'POST /v1/routing-policies/lookup',
      'POST /v1/webhook-subscriptions',
      'GET /v1/webhook-subscriptions',
      'GET /v1/webhook-subscriptions/whs%2F1',
      'DELETE /v1/webhook-subscriptions/whs_1',
      'POST /v1/webhook-subscriptions/whs_1/test',
      'POST /v1/webhook-subscriptions/whs_1/rotate-secret',
      'GET /v1/webhook-subscriptions/whs_1/deliveries',
      'POST /v1/webhook-subscriptions/whs_1/deliveries/del_1/replay',
      'POST /v1/stream-tokens',
      'GET /v1/operations/op_1',
    ]);
    expect(seen[0].body).toEqual({ updates: [{ target: L7, changes: { position: 2 } }], reference: 'r', dryRun: true });
    expect(seen[2].body).toEqual({ targets: [L7] });
    expect(seen[11].body).toEqual({ operationId: 'op_1' });
    expect(seen[12].headers.prefer).toBe('wait=60'); // the gateway's maximum
    expect(seen.map((s) => s.headers.authorization)).toEqual(seen.map((_, i) => `Bearer key-${i + 1}`));
    expect(seen.every((s) => s.headers.traceparent?.startsWith('00-'))).toBe(true);
    expect(seen[4].headers['content-type']).toBeUndefined(); // no body, no content type
  });

  it('sends no Authorization header without a key', async () => {
    const { fetch, seen } = fakeFetch(() => json(200, []));
    await createRoutingPolicyClient({ fetch }).listSubscriptions();
    expect(seen[0].headers.authorization).toBeUndefined();
    expect(seen[0].url).toBe('/v1/webhook-subscriptions'); // '' base: the page's own origin
  });
});

describe('waitForOperation', () => {
  it('long-polls with Prefer: wait=min(remaining, 60) and returns the terminal operation', async () => {
    const { fetch, seen } = fakeFetch((_req, n) => json(200, op(n < 3 ? 'RUNNING' : 'ROLLED_BACK'), { 'preference-applied': 'wait=60' }));
    const { waitForOperation } = createRoutingPolicyClient({ fetch });
    const result = await waitForOperation('op_1', { timeoutSeconds: 150 });
    expect(result).toEqual({ operation: op('ROLLED_BACK'), timedOut: false });
    expect(seen).toHaveLength(3); // no interval polling in between: each read is one long poll
    expect(seen.map((s) => s.headers.prefer)).toEqual(['wait=60', 'wait=60', 'wait=60']);
  });

  it('reports timedOut with the last state read when the deadline passes', async () => {
    const { fetch, seen } = fakeFetch(async (req) => {
      const wait = Number(/wait=(\d+)/.exec(req.headers.prefer ?? '')?.[1] ?? 0);
      await new Promise((r) => setTimeout(r, wait * 1000)); // an honoured wait, as the gateway holds the answer
      return json(200, op('RUNNING'), { 'preference-applied': `wait=${wait}` });
    });
    const started = Date.now();
    const result = await createRoutingPolicyClient({ fetch }).waitForOperation('op_1', { timeoutSeconds: 1 });
    expect(result).toEqual({ operation: op('RUNNING'), timedOut: true });
    expect(seen.map((s) => s.headers.prefer)).toEqual(['wait=1']);
    // no backoff or second wait after the deadline (TEST_TIME_SCALE stretches the ceiling for a slower machine)
    expect(Date.now() - started).toBeLessThan(1900 * Math.max(1, Number(process.env.TEST_TIME_SCALE) || 1));
  });

  it('backs off instead of spinning when the server ignores Prefer: wait', async () => {
    const { fetch, seen } = fakeFetch(() => json(200, op('RUNNING'))); // no Preference-Applied
    const result = await createRoutingPolicyClient({ fetch }).waitForOperation('op_1', { timeoutSeconds: 1 });
    expect(result.timedOut).toBe(true);
    expect(seen.length).toBeGreaterThanOrEqual(2);
    expect(seen.length).toBeLessThanOrEqual(5);
  });

  it('reads once with timeoutSeconds 0, and stops on abort', async () => {
    const { fetch, seen } = fakeFetch(() => json(200, op('PENDING')));
    const { waitForOperation } = createRoutingPolicyClient({ fetch });
    expect(await waitForOperation('op_1', { timeoutSeconds: 0 })).toEqual({ operation: op('PENDING'), timedOut: true });
    expect(seen[0].headers.prefer).toBeUndefined();
    const controller = new AbortController();
    const waiting = waitForOperation('op_1', { timeoutSeconds: 30, signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await expect(waiting).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('lets a 404 through as GatewayError', async () => {
    const { fetch } = fakeFetch(() => json(404, { type: 'about:blank', title: 'Not Found', status: 404, detail: 'no such operation' }));
    await expect(createRoutingPolicyClient({ fetch }).waitForOperation('op_x', { timeoutSeconds: 5 })).rejects.toMatchObject({ status: 404 });
  });
});

// ---------------------------------------------------------------------------------------------------- events()

type Handler = (req: IncomingMessage, res: ServerResponse, n: number) => void;

/** A real HTTP server, so the stream is really cut, ended and resumed over a socket. */
async function sseServer(handler: Handler) {
  const requests: IncomingMessage[] = [];
  const closed: number[] = [];
  const server: Server = createServer((req, res) => {
    requests.push(req);
    const n = requests.length;
    res.on('close', () => closed.push(n));
    handler(req, res, n);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    closed,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

const sseHead = { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' };
const frame = (id: number, operation: Operation) => `id: ${id}\nevent: operation.updated\ndata: ${JSON.stringify(operation)}\n\n`;

async function collect(iterable: AsyncIterable<OperationEvent>): Promise<OperationEvent[]> {
  const out: OperationEvent[] = [];
  for await (const event of iterable) out.push(event);
  return out;
}

describe('events(): the operation stream as an async iterator', () => {
  let server: Awaited<ReturnType<typeof sseServer>> | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('reconnects with Last-Event-ID after a dropped connection and ends after the terminal event', async () => {
    server = await sseServer((_req, res, n) => {
      res.writeHead(200, sseHead);
      if (n === 1) {
        // a heartbeat, an event of another type, then the first state split across writes, then the connection drops
        res.write('retry: 20\n\n: heartbeat\n\nevent: something.else\ndata: {}\n\n');
        const text = frame(1, op('RUNNING'));
        res.write(text.slice(0, 25));
        setTimeout(() => {
          res.write(text.slice(25));
          setTimeout(() => res.destroy(), 30);
        }, 20);
      } else {
        // a resumed stream starts with the current state (the same id: not repeated to the consumer)
        res.write('retry: 20\r\n\r\n' + frame(1, op('RUNNING')).replace(/\n/g, '\r\n'));
        res.end(frame(2, op('SUCCEEDED')));
      }
    });
    const { events } = createRoutingPolicyClient({ baseUrl: server.url, apiKey: 'k' });
    const got = await collect(events('op_1'));
    expect(got).toEqual([
      { id: '1', event: 'operation.updated', data: op('RUNNING') },
      { id: '2', event: 'operation.updated', data: op('SUCCEEDED') },
    ]);
    expect(server.requests).toHaveLength(2);
    expect(server.requests[0].headers).toMatchObject({ authorization: 'Bearer k', accept: 'text/event-stream' });
    expect(server.requests[0].headers['last-event-id']).toBeUndefined();
    expect(server.requests[1].headers).toMatchObject({ authorization: 'Bearer k', 'last-event-id': '1' });
    expect(server.requests[1].url).toBe('/v1/operations/op_1/events');
  });

  it('stops when a reconnect answers 204 (the terminal event was already sent)', async () => {
    server = await sseServer((_req, res, n) => {
      if (n === 1) {
        res.writeHead(200, sseHead);
        res.end('retry: 10\n\n' + frame(7, op('RUNNING'))); // the stream ends early (a gateway shutting down)
      } else {
        res.writeHead(204);
        res.end();
      }
    });
    const got = await collect(createRoutingPolicyClient({ baseUrl: server.url, apiKey: 'k' }).events('op_1'));
    expect(got.map((e) => e.id)).toEqual(['7']);
    expect(server.requests).toHaveLength(2);
    expect(server.requests[1].headers['last-event-id']).toBe('7');
  });

  it('rides out a failed reconnect (503), then resumes', async () => {
    server = await sseServer((_req, res, n) => {
      if (n === 2) {
        res.writeHead(503, { 'content-type': 'application/problem+json' });
        return res.end(JSON.stringify({ type: 'about:blank', title: 'Service Unavailable', status: 503, detail: 'restarting' }));
      }
      res.writeHead(200, sseHead);
      res.end(n === 1 ? frame(1, op('PENDING')) : frame(2, op('FAILED')));
    });
    const got = await collect(createRoutingPolicyClient({ baseUrl: server.url }).events('op_1', { reconnectDelayMs: 10 }));
    expect(got.map((e) => e.data.status)).toEqual(['PENDING', 'FAILED']);
    expect(server.requests.map((r) => r.headers['last-event-id'])).toEqual([undefined, '1', '1']);
  });

  it('throws the GatewayError of the first connection (unknown operation, bad key)', async () => {
    server = await sseServer((_req, res) => {
      res.writeHead(404, { 'content-type': 'application/problem+json', 'x-request-id': 'req-404' });
      res.end(JSON.stringify({ type: 'about:blank', title: 'Not Found', status: 404, detail: 'Operation op_x not found' }));
    });
    const error = await collect(createRoutingPolicyClient({ baseUrl: server.url }).events('op_x')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GatewayError);
    expect(error).toMatchObject({ status: 404, requestId: 'req-404', problem: { detail: 'Operation op_x not found' } });
    expect(server.requests).toHaveLength(1);
  });

  it('authenticates with a fresh stream token per connection (useStreamToken): ?access_token=, no Authorization', async () => {
    let tokens = 0;
    server = await sseServer((req, res, n) => {
      if (req.url === '/v1/stream-tokens') {
        let body = '';
        req.on('data', (c: Buffer) => (body += c.toString()));
        req.on('end', () => {
          expect(JSON.parse(body)).toEqual({ operationId: 'op_1' });
          res.writeHead(201, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ token: `st_${++tokens}`, expiresAt: new Date(Date.now() + 300_000).toISOString() }));
        });
        return;
      }
      res.writeHead(200, sseHead);
      if (n === 2) return res.end(frame(1, op('RUNNING'))); // ends early: reconnect with a new token
      res.end(frame(2, op('PARTIALLY_SUCCEEDED')));
    });
    const got = await collect(createRoutingPolicyClient({ baseUrl: server.url, apiKey: 'k' }).events('op_1', { useStreamToken: true, reconnectDelayMs: 5 }));
    expect(got.map((e) => e.data.status)).toEqual(['RUNNING', 'PARTIALLY_SUCCEEDED']);
    const streams = server.requests.filter((r) => r.url?.includes('/events'));
    expect(streams.map((r) => r.url)).toEqual(['/v1/operations/op_1/events?access_token=st_1', '/v1/operations/op_1/events?access_token=st_2']);
    expect(streams.map((r) => r.headers.authorization)).toEqual([undefined, undefined]);
    const minted = server.requests.filter((r) => r.url === '/v1/stream-tokens');
    expect(minted.map((r) => r.headers.authorization)).toEqual(['Bearer k', 'Bearer k']);
  });

  it('takes a stream token from the page (no API key at all), asking the function again on each connection', async () => {
    server = await sseServer((_req, res, n) => {
      res.writeHead(200, sseHead);
      res.end(n === 1 ? frame(3, op('RUNNING')) : frame(4, op('SUCCEEDED')));
    });
    let asked = 0;
    const client = createRoutingPolicyClient({ baseUrl: server.url });
    const got = await collect(client.events('op_1', { streamToken: async () => `from-backend-${++asked}`, reconnectDelayMs: 5 }));
    expect(got).toHaveLength(2);
    expect(server.requests.map((r) => r.url)).toEqual([
      '/v1/operations/op_1/events?access_token=from-backend-1',
      '/v1/operations/op_1/events?access_token=from-backend-2',
    ]);
    expect(client.eventsUrl('op 1', 'a+b')).toBe(`${server.url}/v1/operations/op%201/events?access_token=a%2Bb`);
  });

  it('closes the connection when the consumer breaks out, and ends with AbortError on abort', async () => {
    server = await sseServer((_req, res) => {
      res.writeHead(200, sseHead);
      res.write(frame(1, op('RUNNING')));
      // stays open
    });
    const { events } = createRoutingPolicyClient({ baseUrl: server.url });
    for await (const event of events('op_1')) {
      expect(event.id).toBe('1');
      break;
    }
    const s = server;
    await new Promise<void>((resolve) => {
      const check = () => (s.closed.includes(1) ? resolve() : setTimeout(check, 10));
      check();
    });

    const controller = new AbortController();
    const got: OperationEvent[] = [];
    const reading = (async () => {
      for await (const event of events('op_1', { signal: controller.signal })) {
        got.push(event);
        controller.abort();
      }
    })();
    await expect(reading).rejects.toMatchObject({ name: 'AbortError' });
    expect(got).toHaveLength(1);
  });

  it('operationEvents(): the list stream, filtered by status, not ended by a terminal operation', async () => {
    server = await sseServer((_req, res, n) => {
      res.writeHead(200, sseHead);
      if (n === 1) res.end(frame(10, op('SUCCEEDED', 'op_a')) + frame(11, op('FAILED', 'op_b')));
      else res.write(frame(12, op('SUCCEEDED', 'op_c')));
    });
    const { operationEvents } = createRoutingPolicyClient({ baseUrl: server.url, apiKey: 'k' });
    const got: string[] = [];
    for await (const event of operationEvents({ status: 'SUCCEEDED', reconnectDelayMs: 5 })) {
      got.push(event.data.id);
      if (got.length === 3) break;
    }
    expect(got).toEqual(['op_a', 'op_b', 'op_c']);
    expect(server.requests.map((r) => [r.url, r.headers['last-event-id']])).toEqual([
      ['/v1/operations/events?status=SUCCEEDED', undefined],
      ['/v1/operations/events?status=SUCCEEDED', '11'],
    ]);
  });

  it('refuses a 200 that is not an event stream', async () => {
    server = await sseServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html></html>');
    });
    await expect(collect(createRoutingPolicyClient({ baseUrl: server.url }).events('op_1'))).rejects.toThrow(/Expected text\/event-stream/);
  });
});

it('RoutingPolicyClient lists exactly the functions the client returns', () => {
  const client: RoutingPolicyClient = createRoutingPolicyClient({});
  expect(Object.keys(client).sort()).toEqual(
    [
      'createStreamToken',
      'createSubscription',
      'deleteSubscription',
      'events',
      'eventsUrl',
      'getDrift',
      'getOperation',
      'getSubscription',
      'listDeliveries',
      'listOperations',
      'listSubscriptions',
      'lookup',
      'operationEvents',
      'planUpdate',
      'replayDelivery',
      'revertOperation',
      'rotateSubscriptionSecret',
      'submitUpdate',
      'testSubscription',
      'waitForOperation',
    ].sort(),
  );
  expect(Object.values(client).every((f) => typeof f === 'function')).toBe(true);
});
