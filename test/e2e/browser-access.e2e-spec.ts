/**
 * Browser access over real HTTP (contract §8): stream tokens for EventSource, SSE resume / heartbeat / 204 after the
 * terminal event, the list stream, Prefer: wait on GET, CORS for a frontend origin, operations keeping their changes,
 * and an OpenAPI document Swagger UI can use as it is. The same flows in Chromium live in test/browser.
 */
import { randomBytes } from 'node:crypto';
import { SignedTokenCodec } from '@rpg/common';
import { loadAppConfig } from '@rpg/config';
import { API_KEY, Harness, READ_KEY, auth, finished, l7Target, lbTarget, postUpdates, sandboxControl, startHarness } from '../support/harness';
import { gatewayPort, openSse, readSse } from '../support/sse';

jest.setTimeout(60_000);

const FRONTEND = 'http://127.0.0.1:5173';

async function streamToken(h: Harness, body: object = {}, key = READ_KEY): Promise<{ token: string; expiresAt: string }> {
  const res = await h.http.post('/v1/stream-tokens').set(auth(key)).send(body);
  expect(res.status).toBe(201);
  return res.body as { token: string; expiresAt: string };
}

describe('browser access', () => {
  let h: Harness;
  let port: number;

  beforeAll(async () => {
    h = await startHarness({ env: { CORS_ORIGINS: `${FRONTEND},https://console.example.com`, SSE_HEARTBEAT_MS: '150' } });
    port = await gatewayPort(h);
  });
  afterAll(() => h.close());
  beforeEach(() => sandboxControl(h, 'POST', '/__sandbox/reset'));

  describe('stream tokens', () => {
    it('are issued for 5 minutes at most, optionally bound to an operation that exists', async () => {
      const before = Date.now();
      const { token, expiresAt } = await streamToken(h);
      expect(token).toMatch(/^v1\.[\w-]+\.[\w-]+$/);
      expect(Date.parse(expiresAt) - before).toBeLessThanOrEqual(5 * 60_000 + 1000);
      expect(Date.parse(expiresAt)).toBeGreaterThan(before);

      const unknown = await h.http.post('/v1/stream-tokens').set(auth(READ_KEY)).send({ operationId: 'op_01JD8X3Q4M5N6P7R8S9T0V1W2X' });
      expect(unknown.status).toBe(404);
      expect(unknown.headers['content-type']).toMatch(/^application\/problem\+json/);
      const bad = await h.http.post('/v1/stream-tokens').set(auth(READ_KEY)).send({ operationId: 'nope' });
      expect(bad.status).toBe(400);
      expect(bad.body.errors).toEqual([expect.objectContaining({ path: 'operationId' })]);
      const extra = await h.http
        .post('/v1/stream-tokens')
        .set(auth(READ_KEY))
        .send({ scopes: ['admin'] });
      expect(extra.status).toBe(400);
      expect(extra.body.errors).toEqual([expect.objectContaining({ path: 'scopes' })]);
      expect((await h.http.post('/v1/stream-tokens').send({})).status).toBe(401);
    });

    it('open the SSE stream without Authorization, and nothing else (401), never logged', async () => {
      const res = await postUpdates(h, { updates: [{ target: l7Target(1), changes: { name: 'token-stream' } }] });
      const { token } = await streamToken(h, { operationId: res.body.id });
      const stream = await readSse(port, `/v1/operations/${res.body.id}/events?access_token=${token}`, {});
      expect(stream.res.statusCode).toBe(200);
      expect(JSON.parse(stream.events.at(-1)!.data!).status).toBe('SUCCEEDED');

      for (const [method, path] of [
        ['get', `/v1/operations/${res.body.id}`],
        ['get', '/v1/operations'],
        ['post', '/v1/routing-policy-updates'],
        ['get', '/v1/webhook-subscriptions'],
        ['post', '/v1/stream-tokens'],
      ] as const) {
        const refused = await h.http[method](`${path}?access_token=${token}`).send(method === 'post' ? {} : undefined);
        expect(refused.status).toBe(401);
        expect(refused.body.detail).toMatch(/only on Server-Sent Events routes/);
        // even with a valid key beside it: a token in a URL is refused where it does not belong
        expect((await h.http[method](`${path}?access_token=${token}`).set(auth(API_KEY))).status).toBe(401);
      }
      // it is not an API key either
      expect((await h.http.get(`/v1/operations/${res.body.id}`).set({ authorization: `Bearer ${token}` })).status).toBe(401);
      expect(h.logs.join('\n')).not.toContain(token.split('.')[2]);
    });

    it('bound to one operation: 403 on another operation and on the list stream', async () => {
      const a = await postUpdates(h, { updates: [{ target: l7Target(1), changes: { name: 'bound-a' } }] });
      const b = await postUpdates(h, { updates: [{ target: l7Target(2), changes: { name: 'bound-b' } }] });
      const { token } = await streamToken(h, { operationId: a.body.id });
      const other = await h.http.get(`/v1/operations/${b.body.id}/events?access_token=${token}`);
      expect(other.status).toBe(403);
      expect(other.body.detail).toMatch(/bound to another operation/);
      expect((await h.http.get(`/v1/operations/events?access_token=${token}`)).status).toBe(403);
      await finished(h, a.body.id);
      await finished(h, b.body.id);
    });

    it('refused when tampered, expired, signed with another secret, or issued to a key that is gone', async () => {
      const res = await postUpdates(h, { updates: [{ target: l7Target(1), changes: { name: 'bad-tokens' } }] });
      const id = res.body.id as string;
      const codec = h.gateway.get(SignedTokenCodec);
      const { token } = await streamToken(h);
      const [v, claims, mac] = token.split('.');
      const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(claims, 'base64url').toString()), n: 'admin' })).toString('base64url');
      const cases: Record<string, string> = {
        tampered: `${v}.${forged}.${mac}`,
        truncated: `${v}.${claims}`,
        expired: codec.sign({ purpose: 'stream', keyName: 'reader', expiresAt: Date.now() - 1 }),
        'another secret': new SignedTokenCodec(randomBytes(32)).sign({ purpose: 'stream', keyName: 'reader', expiresAt: Date.now() + 60_000 }),
        'an admin session, not a stream token': codec.sign({ purpose: 'admin-session', keyName: 'admin', expiresAt: Date.now() + 60_000 }),
        'a key that is gone': codec.sign({ purpose: 'stream', keyName: 'retired', expiresAt: Date.now() + 60_000 }),
        empty: '',
      };
      for (const [name, bad] of Object.entries(cases)) {
        const answer = await h.http.get(`/v1/operations/${id}/events?access_token=${encodeURIComponent(bad)}`);
        expect({ name, status: answer.status }).toEqual({ name, status: 401 });
        expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
      }
      await finished(h, id);
    });
  });

  describe('Server-Sent Events', () => {
    it('a reconnect after the terminal event gets 204; one that missed it gets only what it missed', async () => {
      const res = await postUpdates(h, { updates: [{ target: l7Target(1), changes: { name: 'resume' } }] });
      const first = await readSse(port, `/v1/operations/${res.body.id}/events`);
      const ids = first.events.map((e) => Number(e.id));
      const last = ids.at(-1)!;
      const done = await readSse(port, `/v1/operations/${res.body.id}/events`, { ...auth(), 'last-event-id': String(last) });
      expect(done.res.statusCode).toBe(204);
      expect(done.raw).toBe('');

      const missed = await readSse(port, `/v1/operations/${res.body.id}/events`, { ...auth(), 'last-event-id': String(last - 1) });
      expect(missed.res.statusCode).toBe(200);
      expect(missed.events.map((e) => Number(e.id))).toEqual([last]);
      expect(JSON.parse(missed.events[0].data!).status).toBe('SUCCEEDED');
      // a fresh connect (no Last-Event-ID) still gets the terminal state once, then the stream ends
      const fresh = await readSse(port, `/v1/operations/${res.body.id}/events`);
      expect(fresh.events.map((e) => Number(e.id))).toEqual([last]);
    });

    it('the list stream: changes of every operation (filtered by status), a heartbeat, CORS headers, and a resume', async () => {
      const { token } = await streamToken(h);
      const stream = await openSse(port, `/v1/operations/events?status=SUCCEEDED&access_token=${token}`, { origin: FRONTEND });
      try {
        expect(stream.res.statusCode).toBe(200);
        expect(stream.res.headers['access-control-allow-origin']).toBe(FRONTEND);
        await stream.until(({ raw }) => raw.includes(': heartbeat\n\n'));
        const res = await postUpdates(h, { updates: [{ target: l7Target(3), changes: { name: 'list-stream' } }] });
        const event = await stream.until(({ events }) => events.find((e) => JSON.parse(e.data!).id === res.body.id));
        expect(event.event).toBe('operation.updated');
        const operation = JSON.parse(event.data!);
        expect(operation.status).toBe('SUCCEEDED');
        expect(Number(event.id)).toBe(Date.parse(operation.updatedAt));
        expect(stream.events().every((e) => JSON.parse(e.data!).status === 'SUCCEEDED')).toBe(true);

        // reconnecting with the id before that event replays it
        const resumed = await openSse(port, `/v1/operations/events?access_token=${token}`, { 'last-event-id': String(Number(event.id) - 1) });
        try {
          await resumed.until(({ events }) => events.some((e) => JSON.parse(e.data!).id === res.body.id));
        } finally {
          resumed.close();
        }
      } finally {
        stream.close();
      }
      expect((await h.http.get('/v1/operations/events?status=NOPE').set(auth())).status).toBe(400);
    });

    it('the list stream filtered by reference, like the list: only the operations sent with it', async () => {
      const stream = await openSse(port, '/v1/operations/events?reference=ticket-7', auth());
      try {
        expect(stream.res.statusCode).toBe(200);
        await stream.until(({ raw }) => raw.includes(': heartbeat\n\n'));
        const other = await postUpdates(h, { reference: 'ticket-8', updates: [{ target: l7Target(4), changes: { name: 'other-ref' } }] });
        const mine = await postUpdates(h, { reference: 'ticket-7', updates: [{ target: l7Target(5), changes: { name: 'my-ref' } }] });
        await finished(h, other.body.id);
        await stream.until(({ events }) => events.find((e) => JSON.parse(e.data!).id === mine.body.id && JSON.parse(e.data!).status === 'SUCCEEDED'));
        expect(stream.events().every((e) => JSON.parse(e.data!).reference === 'ticket-7')).toBe(true);
      } finally {
        stream.close();
      }
      const tooLong = await h.http.get(`/v1/operations/events?reference=${'x'.repeat(201)}`).set(auth());
      expect(tooLong.status).toBe(400);
    });
  });

  describe('GET /v1/operations/{id} with Prefer: wait', () => {
    it('answers with the terminal state once it is reached, and says what wait it honoured', async () => {
      const res = await postUpdates(h, { updates: [{ target: l7Target(1), changes: { name: 'prefer-get' } }] });
      const waited = await h.http.get(`/v1/operations/${res.body.id}`).set({ ...auth(), prefer: 'wait=30' });
      expect(waited.status).toBe(200);
      expect(waited.body.status).toBe('SUCCEEDED');
      expect(waited.headers['preference-applied']).toBe('wait=30');
      const capped = await h.http.get(`/v1/operations/${res.body.id}`).set({ ...auth(), prefer: 'wait=600' });
      expect(capped.headers['preference-applied']).toBe('wait=60');
      const plain = await h.http.get(`/v1/operations/${res.body.id}`).set(auth());
      expect(plain.headers['preference-applied']).toBeUndefined();
    });

    it('after N seconds answers the running state', async () => {
      await sandboxControl(h, 'PATCH', '/__sandbox/config', { taskDurationMs: 4000 });
      const res = await postUpdates(h, { updates: [{ target: l7Target(2), changes: { name: 'prefer-get-slow' } }] });
      const waited = await h.http.get(`/v1/operations/${res.body.id}`).set({ ...auth(), prefer: 'wait=1' });
      expect(waited.status).toBe(200);
      expect(['PENDING', 'RUNNING']).toContain(waited.body.status);
      expect(waited.headers['preference-applied']).toBe('wait=1');
      await finished(h, res.body.id, 30_000);
    });
  });

  describe('CORS for the configured origins', () => {
    it('preflight allows every method and request header the API uses, with a max-age', async () => {
      const pre = await h.http.options('/v1/webhook-subscriptions/whs_x').set({
        origin: FRONTEND,
        'access-control-request-method': 'DELETE',
        'access-control-request-headers': 'authorization,idempotency-key,prefer,last-event-id',
      });
      expect(pre.status).toBe(204);
      expect(pre.headers['access-control-allow-origin']).toBe(FRONTEND);
      expect(pre.headers['access-control-allow-methods'].split(/,\s*/)).toEqual(expect.arrayContaining(['GET', 'POST', 'DELETE']));
      expect(pre.headers['access-control-allow-headers'].split(/,\s*/)).toEqual(
        expect.arrayContaining(['authorization', 'content-type', 'idempotency-key', 'prefer', 'last-event-id']),
      );
      expect(Number(pre.headers['access-control-max-age'])).toBeGreaterThan(0);
    });

    it('exposes every header a client reads; other origins get no CORS headers', async () => {
      const res = await postUpdates(h, { updates: [{ target: l7Target(1), changes: { name: 'cors' } }] }, { origin: FRONTEND });
      const exposed = res.headers['access-control-expose-headers'].split(/,\s*/);
      for (const name of [
        'location',
        'x-request-id',
        'idempotent-replayed',
        'preference-applied',
        'retry-after',
        'x-ratelimit-limit',
        'x-ratelimit-remaining',
        'x-ratelimit-reset',
      ]) {
        expect(exposed).toContain(name);
      }
      expect(res.headers['x-ratelimit-remaining']).toBeDefined();
      const stranger = await h.http.get('/v1/operations').set({ ...auth(), origin: 'https://evil.example' });
      expect(stranger.headers['access-control-allow-origin']).toBeUndefined();
      await finished(h, res.body.id);
    });
  });

  it('operations keep the changes asked for, and who asked', async () => {
    const updates = [
      { target: l7Target(1), changes: { name: 'kept', position: 2 } },
      { target: lbTarget(), changes: { tags: { team: 'web', gone: null } } },
    ];
    const res = await postUpdates(h, { updates });
    expect(res.body.requestedBy).toBe('admin');
    expect(res.body.results.map((r: { changes: unknown }) => r.changes)).toEqual(updates.map((u) => u.changes));
    const done = await finished(h, res.body.id);
    expect(done.results.map((r: { changes: unknown }) => r.changes)).toEqual(updates.map((u) => u.changes));
    const page = await h.http.get('/v1/operations?limit=5').set(auth(READ_KEY));
    const listed = page.body.items.find((o: { id: string }) => o.id === res.body.id);
    expect(listed.results[1].changes).toEqual({ tags: { team: 'web', gone: null } });
    const dry = await postUpdates(h, { dryRun: true, updates: updates.slice(0, 1) });
    expect(dry.body.results[0].changes).toEqual(updates[0].changes);
  });
});

describe('OpenAPI for Swagger UI', () => {
  let h: Harness;
  let doc: Record<string, any>;

  beforeAll(async () => {
    // what `npm start` runs: the friendly sandbox (full Apinizer lists), where the docs' examples must succeed as they are
    h = await startHarness({ sandbox: { strict: false } });
    doc = (await h.http.get('/docs-json')).body;
  });
  afterAll(() => h.close());

  const operations = () =>
    Object.entries(doc.paths as Record<string, Record<string, any>>).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => ({ route: `${method.toUpperCase()} ${path}`, op })),
    );

  it('header parameters: none duplicated, none required', () => {
    for (const { route, op } of operations()) {
      const headers = ((op.parameters ?? []) as { in: string; name: string; required?: boolean; example?: unknown }[]).filter((p) => p.in === 'header');
      const names = headers.map((p) => p.name.toLowerCase());
      expect({ route, names: [...new Set(names)] }).toEqual({ route, names });
      expect({ route, required: headers.filter((p) => p.required).map((p) => p.name) }).toEqual({ route, required: [] });
      // nothing pre-filled that changes behaviour (Prefer: wait)
      expect({ route, examples: headers.filter((p) => p.example !== undefined).map((p) => p.name) }).toEqual({ route, examples: [] });
    }
  });

  it('each problem status shows an example of that status', () => {
    for (const { route, op } of operations()) {
      for (const [status, response] of Object.entries(op.responses as Record<string, any>)) {
        const example = response.content?.['application/problem+json']?.example;
        if (!example) continue;
        expect({ route, status: example.status }).toEqual({ route, status: Number(status) });
      }
    }
  });

  it('documents the browser routes', () => {
    expect(doc.paths['/v1/stream-tokens'].post).toBeDefined();
    expect(doc.paths['/v1/operations/events'].get).toBeDefined();
    const params = doc.paths['/v1/operations/{id}/events'].get.parameters.map((p: { name: string }) => p.name);
    expect(params).toEqual(expect.arrayContaining(['access_token', 'Last-Event-ID']));
  });

  it('every request example of the update route succeeds against the sandbox as it is', async () => {
    const examples = doc.paths['/v1/routing-policy-updates'].post.requestBody.content['application/json'].examples as Record<string, { value: any }>;
    expect(Object.keys(examples).length).toBeGreaterThan(0);
    for (const [name, { value }] of Object.entries(examples)) {
      await sandboxControl(h, 'POST', '/__sandbox/reset');
      const res = await postUpdates(h, value);
      expect({ name, status: res.status }).toEqual({ name, status: value.dryRun ? 200 : 202 });
      const op = value.dryRun ? res.body : await finished(h, res.body.id);
      expect({ name, status: op.status, errors: op.results.map((r: { error?: unknown }) => r.error ?? null) }).toEqual({
        name,
        status: 'SUCCEEDED',
        errors: op.results.map(() => null),
      });
    }
  });
});

describe('development defaults', () => {
  it('listen on 127.0.0.1 unless HOST is set; production on 0.0.0.0; SESSION_SECRET required in production', () => {
    expect(loadAppConfig({ NODE_ENV: 'development' }).host).toBe('127.0.0.1');
    expect(loadAppConfig({ NODE_ENV: 'development', HOST: '0.0.0.0' }).host).toBe('0.0.0.0');
    const secret = 's'.repeat(32);
    expect(loadAppConfig({ NODE_ENV: 'production', API_KEYS: 'ops:a-long-enough-key:*', SESSION_SECRET: secret }).host).toBe('0.0.0.0');
    expect(() => loadAppConfig({ NODE_ENV: 'production', API_KEYS: 'ops:a-long-enough-key:*' })).toThrow(/SESSION_SECRET/);
    expect(loadAppConfig({ NODE_ENV: 'production', API_KEYS: 'ops:a-long-enough-key:*', SESSION_SECRET: secret }).sessionSecret.toString()).toBe(secret);
  });
});
