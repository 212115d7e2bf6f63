import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { AddressInfo } from 'node:net';
import pino from 'pino';
import request from 'supertest';
import { loadAppConfig } from '@rpg/config';
import { REDIS } from '@rpg/redis';
import type Redis from 'ioredis';
import { createGatewayApp } from '../../apps/gateway/src/gateway.factory';
import { API_KEY, Harness, READ_KEY, apinizerTarget, auth, l7Target, lbTarget, startHarness } from '../support/harness';
import { scaled } from '../support/wait';

/** A key holding only webhooks.manage: lacks operations.read and policies.write. */
const HOOKS_KEY = 'test-hooks-key-0001';
const UNKNOWN_KEY = 'not-a-configured-key-123';
const NAME = `conv${randomBytes(3).toString('hex')}`;
const PROBLEM_FIELDS = ['type', 'title', 'status', 'detail', 'instance', 'requestId'];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Nothing a client may ever see: HTML pages, stack frames, file paths, internal error class names. */
function expectNoLeak(text: string): void {
  expect(text).not.toMatch(/<html|<!doctype|<body/i);
  expect(text).not.toMatch(/\bat [\w.<>]+ \(|\bat .*:\d+:\d+|\.ts:\d+|\.js:\d+|node_modules|"stack"/i);
}

interface Res {
  status: number;
  headers: Record<string, string>;
  text: string;
  body: any;
}

/** An RFC 9457 problem with every required field, the x-request-id of the answer, and no leak. */
function expectProblem(res: Res, status: number, slug?: string): void {
  expect({ status: res.status, text: res.text }).toMatchObject({ status });
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = JSON.parse(res.text);
  for (const field of PROBLEM_FIELDS) expect(body).toHaveProperty(field);
  expect(body.status).toBe(status);
  expect(typeof body.type).toBe('string');
  expect(typeof body.title).toBe('string');
  expect(typeof body.detail).toBe('string');
  expect(typeof body.instance).toBe('string');
  expect(body.requestId).toBe(res.headers['x-request-id']);
  if (slug) expect(body.type).toMatch(new RegExp(`/${slug}$`));
  expectNoLeak(res.text);
}

function paths(res: Res): string[] {
  return (res.body.errors ?? []).map((e: { path: string }) => e.path);
}

const validUpdate = (n = 1) => ({ target: l7Target(n), changes: { name: `policy-${n}-renamed` } });

describe('API conventions: auth, problem+json, request ids, validation, docs, health, metrics', () => {
  let h: Harness;
  let subscriptionId: string;

  beforeAll(async () => {
    h = await startHarness({
      withWorker: false,
      // key names of our own: rate-limit counters are per key name and other suites may exhaust theirs
      env: {
        API_KEYS: `${NAME}-admin:${API_KEY}:*,${NAME}-reader:${READ_KEY}:operations.read,${NAME}-hooks:${HOOKS_KEY}:webhooks.manage`,
        RATE_LIMIT_PER_MINUTE: '100000000',
      },
    });
    const created = await h.http
      .post('/v1/webhook-subscriptions')
      .set(auth())
      .send({ url: 'http://127.0.0.1:9/hook', events: ['*'] });
    expect(created.status).toBe(201);
    subscriptionId = created.body.id;
  });
  afterAll(async () => {
    await h?.close();
  });

  const send = (method: string, path: string, body?: unknown) => {
    const r = (h.http as any)[method.toLowerCase()](path);
    return body === undefined ? r : r.send(body);
  };

  // [method, path, body, scope]
  const routes = (): Array<[string, string, unknown, string]> => [
    ['POST', '/v1/routing-policy-updates', { updates: [validUpdate()] }, 'policies.write'],
    ['GET', '/v1/operations/op_01JD8X3Q4M5N6P7R8S9T0V1W2X', undefined, 'operations.read'],
    ['POST', '/v1/webhook-subscriptions', { url: 'http://127.0.0.1:9/hook', events: ['*'] }, 'webhooks.manage'],
    ['GET', '/v1/webhook-subscriptions', undefined, 'webhooks.manage'],
    ['GET', `/v1/webhook-subscriptions/${subscriptionId}`, undefined, 'webhooks.manage'],
    ['DELETE', `/v1/webhook-subscriptions/${subscriptionId}`, undefined, 'webhooks.manage'],
    ['POST', `/v1/webhook-subscriptions/${subscriptionId}/test`, undefined, 'webhooks.manage'],
    ['GET', `/v1/webhook-subscriptions/${subscriptionId}/deliveries`, undefined, 'webhooks.manage'],
  ];
  const ROUTE_NAMES = [
    'POST /v1/routing-policy-updates',
    'GET /v1/operations/{id}',
    'POST /v1/webhook-subscriptions',
    'GET /v1/webhook-subscriptions',
    'GET /v1/webhook-subscriptions/{id}',
    'DELETE /v1/webhook-subscriptions/{id}',
    'POST /v1/webhook-subscriptions/{id}/test',
    'GET /v1/webhook-subscriptions/{id}/deliveries',
  ];

  describe('auth on every /v1 route', () => {
    it.each(ROUTE_NAMES.map((name, i) => [name, i]))('%s: 401 problem without a key, with a non-Bearer scheme and with an unknown key', async (_name, i) => {
      const [method, path, body] = routes()[i];
      const none = await send(method, path, body);
      expectProblem(none, 401, 'unauthorized');
      expect(none.headers['www-authenticate']).toMatch(/^Bearer/);
      const basic = await send(method, path, body).set('authorization', `Basic ${Buffer.from('admin:' + API_KEY).toString('base64')}`);
      expectProblem(basic, 401, 'unauthorized');
      const unknown = await send(method, path, body).set(auth(UNKNOWN_KEY));
      expectProblem(unknown, 401, 'unauthorized');
      expect(unknown.text).not.toContain(UNKNOWN_KEY);
    });

    it.each(ROUTE_NAMES.map((name, i) => [name, i]))('%s: 403 problem naming the scope when the key lacks it', async (_name, i) => {
      const [method, path, body, scope] = routes()[i];
      const key = scope === 'operations.read' ? HOOKS_KEY : READ_KEY;
      const res = await send(method, path, body).set(auth(key));
      expectProblem(res, 403, 'forbidden');
      expect(res.body.detail).toContain(scope);
      expect(res.text).not.toContain(key);
    });

    it('the scoped key passes where it holds the scope (operations.read → 404 for an unknown operation, not 401/403)', async () => {
      const res = await h.http.get('/v1/operations/op_01JD8X3Q4M5N6P7R8S9T0V1W2X').set(auth(READ_KEY));
      expectProblem(res, 404, 'not-found');
      const hooks = await h.http.get('/v1/webhook-subscriptions').set(auth(HOOKS_KEY));
      expect(hooks.status).toBe(200);
    });

    it('health, docs and metrics are open', async () => {
      for (const path of ['/health/live', '/health/ready', '/docs-json', '/metrics']) {
        expect((await h.http.get(path)).status).toBe(200);
      }
    });
  });

  describe('x-request-id', () => {
    it('is on every response (success, problem, docs, health, metrics) and echoes a valid incoming one', async () => {
      const answers = await Promise.all([
        h.http.get('/health/live'),
        h.http.get('/metrics'),
        h.http.get('/docs-json'),
        h.http.get('/v1/webhook-subscriptions').set(auth()),
        h.http.get('/v1/webhook-subscriptions'),
        h.http.get('/nope'),
        h.http.post('/v1/routing-policy-updates').set(auth()).send({ updates: [] }),
      ]);
      for (const res of answers) expect(res.headers['x-request-id']).toMatch(UUID);
      expect(new Set(answers.map((r) => r.headers['x-request-id'])).size).toBe(answers.length);

      const mine = 'client-req.42:abc_DEF-1';
      const ok = await h.http.get('/health/live').set('x-request-id', mine);
      expect(ok.headers['x-request-id']).toBe(mine);
      const problem = await h.http.get('/v1/webhook-subscriptions').set('x-request-id', mine);
      expect(problem.headers['x-request-id']).toBe(mine);
      expect(problem.body.requestId).toBe(mine);
    });

    it('replaces an invalid incoming id (spaces, too long, control characters)', async () => {
      for (const bad of ['bad id', 'x'.repeat(129), 'a<script>']) {
        const res = await h.http.get('/v1/webhook-subscriptions').set('x-request-id', bad);
        expect(res.headers['x-request-id']).toMatch(UUID);
        expect(res.body.requestId).toBe(res.headers['x-request-id']);
      }
    });

    it('replaces an id with a NUL byte (rejected by the HTTP parser): still a problem+json with a fresh id', async () => {
      const server = h.gateway.getHttpServer();
      if (!server.listening) await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      const { port } = server.address() as AddressInfo;
      const raw = await new Promise<string>((resolve, reject) => {
        const socket = connect(port, '127.0.0.1', () => {
          socket.write(`GET /health/live HTTP/1.1\r\nHost: localhost\r\nx-request-id: bad id\u0000\r\nConnection: close\r\n\r\n`);
        });
        let data = '';
        socket.on('data', (c) => (data += c.toString('utf8')));
        socket.on('end', () => resolve(data));
        socket.on('close', () => resolve(data));
        socket.on('error', reject);
        // the server ends the exchange (Connection: close): a ceiling for a socket left open, never a time to read for
        setTimeout(() => reject(new Error(`no end of the answer within ${scaled(15_000)} ms; got ${JSON.stringify(data)}`)), scaled(15_000)).unref();
      });
      const [head, body] = raw.split('\r\n\r\n');
      const headers = Object.fromEntries(
        head
          .split('\r\n')
          .slice(1)
          .map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]),
      );
      expect(head).toMatch(/^HTTP\/1\.1 (200|400) /);
      expect(headers['x-request-id']).toMatch(UUID);
      expect(raw).not.toContain('bad id');
      if (head.startsWith('HTTP/1.1 400')) {
        expect(headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(JSON.parse(body)).toMatchObject({ status: 400, requestId: headers['x-request-id'] });
      }
    });
  });

  describe('validation (400 problem with field paths)', () => {
    const post = (body: unknown, key = API_KEY) =>
      h.http
        .post('/v1/routing-policy-updates')
        .set(auth(key))
        .send(body as object);

    it('names nested field paths like updates[0].changes.redirectHttpCode', async () => {
      const res = await post({
        updates: [validUpdate(1), { target: l7Target(2), changes: { action: 'REDIRECT_TO_URL', redirectUrl: 'https://example.com', redirectHttpCode: 399 } }],
      });
      expectProblem(res, 400, 'validation-failed');
      expect(paths(res)).toContain('updates[1].changes.redirectHttpCode');
      const first = await post({
        updates: [{ target: l7Target(2), changes: { action: 'REDIRECT_PREFIX', redirectPrefix: 'https://example.com', redirectHttpCode: 200 } }],
      });
      expect(first.body.errors).toEqual(expect.arrayContaining([{ path: 'updates[0].changes.redirectHttpCode', message: expect.any(String) }]));
      const lb = await post({ updates: [{ target: lbTarget(), changes: { logging: { retentionPolicy: { period: 0 } } } }] });
      expectProblem(lb, 400);
      expect(paths(lb)).toContain('updates[0].changes.logging.retentionPolicy.period');
    });

    it.each([
      ['top level', { updates: [validUpdate()], extra: true }, 'extra'],
      ['an update', { updates: [{ ...validUpdate(), comment: 'x' }] }, 'updates[0].comment'],
      ['a target', { updates: [{ target: { ...l7Target(1), listenerId: 'x' }, changes: { name: 'policy-one' } }] }, 'updates[0].target.listenerId'],
      ['l7 changes', { updates: [{ target: l7Target(1), changes: { name: 'policy-one', redirect_http_code: 301 } }] }, 'updates[0].changes.redirect_http_code'],
      ['lb changes', { updates: [{ target: lbTarget(), changes: { name: 'lb', flavor: 'big' } }] }, 'updates[0].changes.flavor'],
      ['lb logging', { updates: [{ target: lbTarget(), changes: { logging: { enabled: true, color: 'red' } } }] }, 'updates[0].changes.logging.color'],
      ['apinizer changes', { updates: [{ target: apinizerTarget('rate-limit'), changes: { deploy: false, extra: 1 } }] }, 'updates[0].changes.extra'],
    ])('rejects an unknown field in %s', async (_where, body, path) => {
      const res = await post(body);
      expectProblem(res, 400, 'validation-failed');
      expect(paths(res)).toContain(path);
    });

    it('rejects unknown fields in a webhook subscription body', async () => {
      const res = await h.http
        .post('/v1/webhook-subscriptions')
        .set(auth())
        .send({ url: 'http://127.0.0.1:9/hook', events: ['*'], secret: 'whsec_mine' });
      expectProblem(res, 400, 'validation-failed');
      expect(paths(res)).toContain('secret');
      const bad = await h.http
        .post('/v1/webhook-subscriptions')
        .set(auth())
        .send({ url: 'not a url', events: ['nope'] });
      expectProblem(bad, 400, 'validation-failed');
      expect(paths(bad)).toEqual(expect.arrayContaining(['url', expect.stringMatching(/^events/)]));
    });

    it('accepts 1..50 updates: 0 and 51 are 400, 50 is 202', async () => {
      const none = await post({ updates: [] });
      expectProblem(none, 400, 'validation-failed');
      expect(paths(none)).toContain('updates');
      const many = await post({ updates: Array.from({ length: 51 }, (_, i) => validUpdate((i % 20) + 1)) });
      expectProblem(many, 400, 'validation-failed');
      expect(paths(many)).toContain('updates');
      const fifty = await post({ updates: Array.from({ length: 50 }, (_, i) => validUpdate((i % 20) + 1)) });
      expect(fifty.status).toBe(202);
      expect(fifty.body.results).toHaveLength(50);
      expect(fifty.headers.location).toBe(`/v1/operations/${fifty.body.id}`);
      expect(fifty.headers['content-type']).toMatch(/^application\/json/);
    });

    it('rejects a missing or non-object body', async () => {
      expectProblem(await post({}), 400, 'validation-failed');
      expectProblem(await post({ updates: 'all' }), 400, 'validation-failed');
      expectProblem(await h.http.post('/v1/routing-policy-updates').set(auth()).set('content-type', 'application/json').send('[1,2]'), 400);
      expectProblem(await h.http.post('/v1/routing-policy-updates').set(auth()).set('content-type', 'application/json').send('"text"'), 400);
      expectProblem(await h.http.post('/v1/routing-policy-updates').set(auth()), 400);
    });

    it('answers malformed JSON with 400 malformed-json', async () => {
      for (const raw of ['{"updates": [', '{updates: []}', "{'a':1}", '{"a":1}}']) {
        const res = await h.http.post('/v1/routing-policy-updates').set(auth()).set('content-type', 'application/json').send(raw);
        expectProblem(res, 400, 'malformed-json');
      }
      const sub = await h.http.post('/v1/webhook-subscriptions').set(auth()).set('content-type', 'application/json').send('{"url":');
      expectProblem(sub, 400, 'malformed-json');
    });

    it('answers a body over 1 MiB with 413', async () => {
      const big = JSON.stringify({ updates: [validUpdate()], reference: 'x'.repeat(1024 * 1024) });
      const res = await h.http.post('/v1/routing-policy-updates').set(auth()).set('content-type', 'application/json').send(big);
      expectProblem(res, 413, 'body-too-large');
      const sub = await h.http
        .post('/v1/webhook-subscriptions')
        .set(auth())
        .set('content-type', 'application/json')
        .send(JSON.stringify({ url: 'http://127.0.0.1:9/' + 'a'.repeat(1100 * 1024), events: ['*'] }));
      expectProblem(sub, 413, 'body-too-large');
    });

    it('answers a body that is not JSON (text/plain, form, xml) with 415', async () => {
      const json = JSON.stringify({ updates: [validUpdate()] });
      for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/xml', 'multipart/form-data; boundary=x']) {
        const res = await h.http.post('/v1/routing-policy-updates').set(auth()).set('content-type', type).send(json);
        expectProblem(res, 415, 'unsupported-media-type');
      }
      const sub = await h.http.post('/v1/webhook-subscriptions').set(auth()).set('content-type', 'text/plain').send('url=http://x');
      expectProblem(sub, 415, 'unsupported-media-type');
      // a JSON body with charset and case variations is still JSON
      const ok = await h.http.post('/v1/routing-policy-updates').set(auth()).set('content-type', 'Application/JSON; charset=utf-8').send(json);
      expect(ok.status).toBe(202);
    });

    it('rejects __proto__, constructor and prototype keys with a 400 problem naming the key path', async () => {
      for (const [raw, path] of [
        ['{"__proto__":{"isAdmin":true},"updates":[]}', '__proto__'],
        [`{"updates":[{"target":${JSON.stringify(l7Target(1))},"changes":{"__proto__":{"x":1},"name":"policy-one"}}]}`, 'updates[0].changes.__proto__'],
        ['{"updates":[],"constructor":{"prototype":{"x":1}}}', 'constructor'],
        [
          `{"updates":[{"target":${JSON.stringify(apinizerTarget('rate-limit'))},"changes":{"policy":{"a":{"prototype":1}}}}]}`,
          'updates[0].changes.policy.a.prototype',
        ],
      ]) {
        const res = await h.http.post('/v1/routing-policy-updates').set(auth()).set('content-type', 'application/json').send(raw);
        expectProblem(res, 400, 'validation-failed');
        expect(paths(res)).toEqual([path]);
      }
      expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
    });

    it('rejects numbers beyond 2^53 (and other non-int32 ids) in projectId and regionId', async () => {
      const target = JSON.stringify(l7Target(1)).replace(/"projectId":\d+/, '"projectId":9007199254740993');
      const res = await h.http
        .post('/v1/routing-policy-updates')
        .set(auth())
        .set('content-type', 'application/json')
        .send(`{"updates":[{"target":${target},"changes":{"name":"policy-one"}}]}`);
      expectProblem(res, 400, 'validation-failed');
      expect(paths(res)).toContain('updates[0].target.projectId');
      for (const projectId of [1e20, 1.5, -1, 0, '1']) {
        const r = await post({ updates: [{ target: { ...l7Target(1), projectId }, changes: { name: 'policy-one' } }] });
        expectProblem(r, 400, 'validation-failed');
        expect(paths(r)).toContain('updates[0].target.projectId');
      }
      const region = await post({ updates: [{ target: { ...lbTarget(), regionId: 2 ** 53 + 2 }, changes: { name: 'lb' } }] });
      expect(paths(region)).toContain('updates[0].target.regionId');
    });

    it('rejects a Gcore id that is not a UUID', async () => {
      for (const id of ['not-a-uuid', '../../l7policies', 'd1b2c3d4-0000-4000-8000-00000000000', '']) {
        const res = await post({ updates: [{ target: { ...l7Target(1), id }, changes: { name: 'policy-one' } }] });
        expectProblem(res, 400, 'validation-failed');
        expect(paths(res)).toContain('updates[0].target.id');
      }
      const lb = await post({ updates: [{ target: { ...lbTarget(), id: 'lb-web' }, changes: { name: 'lb' } }] });
      expect(paths(lb)).toContain('updates[0].target.id');
    });

    it.each([
      ['projectName', 'demo/other'],
      ['projectName', '..'],
      ['apiProxyName', 'pet%2Fstore'],
      ['apiProxyName', '%2e%2e'],
      ['policyName', 'rate\\limit'],
      ['policyName', '.'],
      ['policyName', 'a%2fb'],
      ['policyName', ''],
    ])('rejects the Apinizer %s %j', async (field, value) => {
      const res = await post({ updates: [{ target: { ...apinizerTarget('rate-limit'), [field]: value }, changes: { deploy: false } }] });
      expectProblem(res, 400, 'validation-failed');
      expect(paths(res)).toContain(`updates[0].target.${field}`);
    });

    it('rejects an unknown provider or kind naming the field', async () => {
      const provider = await post({ updates: [{ target: { provider: 'aws', kind: 'l7policy' }, changes: {} }] });
      expect(paths(provider)).toContain('updates[0].target.provider');
      const kind = await post({ updates: [{ target: { ...l7Target(1), kind: 'listener' }, changes: {} }] });
      expect(paths(kind)).toContain('updates[0].target.kind');
    });
  });

  describe('unknown routes and methods', () => {
    it.each([
      ['GET', '/nope'],
      ['GET', '/v1/nope'],
      ['POST', '/v1/operations/op_01JD8X3Q4M5N6P7R8S9T0V1W2X'],
      ['GET', '/v1/routing-policy-updates/../../etc/passwd'],
      ['DELETE', '/docs-json'],
    ])('%s %s → 404 problem', async (method, path) => {
      const res = await send(method, path).set(auth());
      expectProblem(res, 404, 'not-found');
    });

    it.each([
      ['a malformed percent-encoding', 400, '/v1/operations/%E0%A4%A', 'bad-url'],
      ['a path parameter over 100 characters', 414, `/v1/operations/op_${'A'.repeat(300)}`, 'uri-too-long'],
      ['a long unknown path', 404, `/v1/${'x'.repeat(3000)}`, 'not-found'],
    ])("Fastify's own errors are problems too: %s → %i", async (_what, status, path, slug) => {
      const res = await send('GET', path).set(auth());
      expectProblem(res, status, slug);
      // a long URL is never echoed whole: instance is cut at 128 characters, detail never quotes it
      expect(res.body.instance.length).toBeLessThanOrEqual(131);
      expect(res.body.detail).not.toContain(path);
      if (path.length > 131) expect(res.text).not.toContain(path);
    });
  });

  describe('docs', () => {
    let doc: any;
    beforeAll(async () => {
      doc = (await h.http.get('/docs-json')).body;
    });

    it('serves interactive docs as HTML at /docs', async () => {
      const res = await h.http.get('/docs').redirects(2);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.text).toMatch(/swagger/i);
    });

    it('serves OpenAPI 3 with every path of the contract', () => {
      expect(doc.openapi).toMatch(/^3\./);
      const expected: Record<string, string[]> = {
        '/v1/routing-policy-updates': ['post'],
        '/v1/operations': ['get'],
        '/v1/operations/{id}': ['get'],
        '/v1/operations/{id}/events': ['get'],
        '/v1/routing-policies/lookup': ['post'],
        '/v1/webhook-subscriptions': ['post', 'get'],
        '/v1/webhook-subscriptions/{id}': ['get', 'delete'],
        '/v1/webhook-subscriptions/{id}/test': ['post'],
        '/v1/webhook-subscriptions/{id}/deliveries': ['get'],
        '/v1/webhook-subscriptions/{id}/deliveries/{deliveryId}/replay': ['post'],
        '/v1/inbound-webhooks/{source}': ['post'],
        '/health/live': ['get'],
        '/health/ready': ['get'],
      };
      const missing = Object.entries(expected).flatMap(([path, methods]) =>
        methods.filter((m) => !doc.paths?.[path]?.[m]).map((m) => `${m.toUpperCase()} ${path}`),
      );
      expect(missing).toEqual([]);
    });

    it('declares bearer security on every /v1 route except inbound webhooks', () => {
      expect(Object.values(doc.components.securitySchemes)).toContainEqual(expect.objectContaining({ type: 'http', scheme: 'bearer' }));
      const schemeName = Object.entries(doc.components.securitySchemes).find(([, s]: [string, any]) => s.scheme === 'bearer')![0];
      for (const [path, item] of Object.entries<Record<string, any>>(doc.paths)) {
        if (!path.startsWith('/v1/') || path.startsWith('/v1/inbound-webhooks')) continue;
        for (const [method, op] of Object.entries(item)) {
          expect({ op: `${method} ${path}`, security: op.security }).toEqual({
            op: `${method} ${path}`,
            security: expect.arrayContaining([{ [schemeName]: expect.any(Array) }]),
          });
        }
      }
    });

    it('describes the update request: updates.items.oneOf the three kinds, with descriptions and examples', () => {
      const schemas = doc.components.schemas;
      const req = schemas.RoutingPolicyUpdateRequestDto;
      expect(req).toBeDefined();
      const oneOf = req.properties.updates.items.oneOf;
      expect(oneOf).toHaveLength(3);
      const refs = oneOf.map((o: { $ref: string }) => o.$ref);
      expect(refs).toEqual([
        '#/components/schemas/GcoreL7PolicyUpdateDto',
        '#/components/schemas/GcoreLoadBalancerUpdateDto',
        '#/components/schemas/ApinizerPolicyUpdateDto',
      ]);
      for (const ref of refs) expect(schemas[ref.split('/').pop()]).toBeDefined();
      expect(req.properties.updates.description).toEqual(expect.any(String));
      expect(req.properties.updates.example).toBeDefined();
      expect(req.properties.dryRun).toMatchObject({ description: expect.any(String), example: false });

      const l7 = schemas.GcoreL7PolicyChangesDto.properties;
      expect(l7.tags.description).toMatch(/full list/i);
      for (const [name, prop] of Object.entries<any>(l7)) {
        expect({ name, description: typeof prop.description, example: prop.example !== undefined }).toEqual({ name, description: 'string', example: true });
      }
      expect(l7.redirectHttpCode.enum).toEqual([301, 302, 303, 307, 308]);
      expect(schemas.GcoreLoadBalancerChangesDto.properties.tags.description).toMatch(/merge patch/i);
      expect(schemas.GcoreL7PolicyTargetDto.properties.projectId).toMatchObject({ description: expect.any(String), example: expect.any(Number) });
      expect(schemas.ApinizerPolicyChangesDto.properties.policy).toMatchObject({ description: expect.any(String), example: expect.any(Object) });
    });

    it('documents problem+json error answers', () => {
      const post = doc.paths['/v1/routing-policy-updates'].post;
      for (const status of ['400', '401', '403', '413', '415']) {
        expect(post.responses[status]?.content?.['application/problem+json']).toBeDefined();
      }
    });
  });

  describe('health and metrics', () => {
    it('is live', async () => {
      const res = await h.http.get('/health/live');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ status: 'ok' });
    });

    it('is ready with Redis and queues up', async () => {
      const res = await h.http.get('/health/ready');
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ status: 'ok', details: { redis: { status: 'up' }, queues: { status: 'up' } } });
    });

    it('serves Prometheus text with http_request_duration_seconds', async () => {
      await h.http.get('/health/live');
      const res = await h.http.get('/metrics');
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/plain/);
      expect(res.text).toContain('# TYPE http_request_duration_seconds histogram');
      expect(res.text).toMatch(/http_request_duration_seconds_bucket\{[^}]*route="\/health\/live"/);
    });
  });

  describe('a gateway whose Redis is down', () => {
    let down: NestFastifyApplication | undefined;
    let http: ReturnType<typeof request>;

    beforeAll(async () => {
      const config = loadAppConfig({
        REDIS_URL: 'redis://127.0.0.1:6390',
        QUEUE_PREFIX: `${h.prefix}down`,
        API_KEYS: `${NAME}-down:${API_KEY}:*`,
        RATE_LIMIT_PER_MINUTE: '100000000',
        GCORE_API_URL: h.sandbox.url,
        APINIZER_API_URL: h.sandbox.url,
        LOG_LEVEL: 'silent',
      });
      const started = Date.now();
      const boot = (async () => {
        const app = await createGatewayApp(config, pino({ level: 'silent' }));
        await app.init();
        await app.getHttpAdapter().getInstance().ready();
        return app;
      })();
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('gateway creation hangs without Redis')), scaled(10_000))));
      try {
        down = await Promise.race([boot, timeout]);
      } finally {
        clearTimeout(timer);
      }
      expect(Date.now() - started).toBeLessThan(scaled(10_000));
      http = request(down.getHttpServer());
    }, scaled(20_000));
    afterAll(async () => {
      await down?.close();
    });

    it('is live but not ready (503, redis down)', async () => {
      expect((await http.get('/health/live')).status).toBe(200);
      const started = Date.now();
      const res = await http.get('/health/ready');
      expect(res.status).toBe(503);
      expect(Date.now() - started).toBeLessThan(scaled(5000));
      expect(res.headers['content-type']).toMatch(/json/);
      expect(res.headers['x-request-id']).toMatch(UUID);
      expectNoLeak(res.text);
      expect(JSON.stringify(res.body)).toMatch(/redis/);
    });

    it('answers a valid update with 503 problem+json, never 202', async () => {
      const started = Date.now();
      const res = await http
        .post('/v1/routing-policy-updates')
        .set(auth())
        .send({ updates: [validUpdate()] });
      expectProblem(res, 503, 'storage-unavailable');
      expect(res.headers['retry-after']).toBeDefined();
      expect(Date.now() - started).toBeLessThan(scaled(5000));
    });

    it('answers reads and webhook management with 503 problem+json too', async () => {
      expectProblem(await http.get('/v1/operations/op_01JD8X3Q4M5N6P7R8S9T0V1W2X').set(auth()), 503, 'storage-unavailable');
      expectProblem(await http.get('/v1/webhook-subscriptions').set(auth()), 503, 'storage-unavailable');
      expectProblem(
        await http
          .post('/v1/webhook-subscriptions')
          .set(auth())
          .send({ url: 'http://127.0.0.1:9/hook', events: ['*'] }),
        503,
        'storage-unavailable',
      );
    });

    it('still authenticates without Redis (401 before any storage access)', async () => {
      expectProblem(await http.post('/v1/routing-policy-updates').send({ updates: [validUpdate()] }), 401, 'unauthorized');
      expectProblem(await http.get('/v1/webhook-subscriptions').set(auth(UNKNOWN_KEY)), 401, 'unauthorized');
    });

    it('closes without Redis: no client is left reconnecting (the process can exit)', async () => {
      const client = down!.get<Redis>(REDIS);
      await down!.close();
      down = undefined;
      let attempts = 0;
      client.on('reconnecting', () => attempts++);
      await new Promise((r) => setTimeout(r, 2500));
      expect(attempts).toBe(0);
    });
  });

  it('never logged an API key', () => {
    const all = h.logs.join('\n');
    for (const key of [API_KEY, READ_KEY, HOOKS_KEY, UNKNOWN_KEY]) expect(all).not.toContain(key);
  });
});
