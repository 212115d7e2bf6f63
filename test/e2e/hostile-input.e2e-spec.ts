import fc from 'fast-check';
import { Harness, READ_KEY, auth, l7Target, startHarness } from '../support/harness';

const ROUTES: { method: 'get' | 'post' | 'delete'; path: string }[] = [
  { method: 'post', path: '/v1/routing-policy-updates' },
  { method: 'post', path: '/v1/routing-policies/lookup' },
  { method: 'get', path: '/v1/operations' },
  { method: 'get', path: '/v1/operations/op_01JD8X3Q4M5N6P7R8S9T0V1W2X' },
  { method: 'get', path: '/v1/operations/op_01JD8X3Q4M5N6P7R8S9T0V1W2X/events' },
  { method: 'post', path: '/v1/webhook-subscriptions' },
  { method: 'get', path: '/v1/webhook-subscriptions' },
  { method: 'get', path: '/v1/webhook-subscriptions/whs_x' },
  { method: 'delete', path: '/v1/webhook-subscriptions/whs_x' },
  { method: 'post', path: '/v1/webhook-subscriptions/whs_x/test' },
  { method: 'get', path: '/v1/webhook-subscriptions/whs_x/deliveries' },
  { method: 'post', path: '/v1/webhook-subscriptions/whs_x/deliveries/dlv_x/replay' },
  { method: 'post', path: '/v1/inbound-webhooks/ci' },
];

const VALID = { updates: [{ target: l7Target(1), changes: { name: 'fuzzed-name' } }], dryRun: true };

describe('hostile input: never a 5xx, always problem+json', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ withWorker: false, env: { RATE_LIMIT_PER_MINUTE: '100000000' } });
  });
  afterAll(async () => {
    await h.close();
  });

  function expectClientProblem(res: { status: number; headers: Record<string, string>; text: string }, what: string): void {
    if (res.status >= 500) throw new Error(`${what} → ${res.status} ${res.text.slice(0, 300)}`);
    if (res.status >= 400) {
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.text).not.toMatch(/<html|at .*\.(ts|js):\d+/i);
    }
  }

  it('random JSON bodies on every route', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...ROUTES), fc.jsonValue({ maxDepth: 6 }), async (route, body) => {
        const res = await h.http[route.method](route.path).set(auth()).set('content-type', 'application/json').send(JSON.stringify(body));
        expectClientProblem(res, `${route.method} ${route.path} ${JSON.stringify(body).slice(0, 200)}`);
      }),
      { numRuns: 150 },
    );
  });

  it('mutations of a valid update (values replaced by anything at any path)', async () => {
    const paths = [['updates'], ['updates', 0], ['updates', 0, 'target'], ['updates', 0, 'target', 'id'], ['updates', 0, 'target', 'projectId'], ['updates', 0, 'changes'], ['updates', 0, 'changes', 'name'], ['dryRun'], ['callbackUrl'], ['reference']];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...paths), fc.anything({ maxDepth: 4, withNullPrototype: false, withBigInt: false, withDate: false, withMap: false, withSet: false, withTypedArray: false, withSparseArray: false, withBoxedValues: false }), async (path, value) => {
        const body = JSON.parse(JSON.stringify(VALID));
        let node = body;
        for (const key of path.slice(0, -1)) node = node[key as never];
        node[path[path.length - 1] as never] = value as never;
        const res = await h.http.post('/v1/routing-policy-updates').set(auth()).set('content-type', 'application/json').send(JSON.stringify(body) ?? 'null');
        expectClientProblem(res, `mutation ${path.join('.')}`);
      }),
      { numRuns: 150 },
    );
  });

  it('random headers and paths', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ maxLength: 40 }),
        fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=latin1', ''),
        fc.string({ maxLength: 60 }),
        async (authz, contentType, suffix) => {
          const path = '/v1/' + encodeURI(suffix).replace(/#/g, '%23').replace(/\?/g, '%3F');
          const req = h.http.post(path).set('authorization', authz.replace(/[\r\n]/g, '')).set('x-request-id', authz.replace(/[^\x20-\x7e]/g, ''));
          if (contentType) req.set('content-type', contentType);
          const res = await req.send(contentType.startsWith('application/json') ? '{"updates":[]}' : 'a=b');
          expectClientProblem(res, `POST ${path}`);
        },
      ),
      { numRuns: 150 },
    );
  });

  it.each([
    ['__proto__ key', '{"__proto__":{"polluted":1},"updates":[]}'],
    ['constructor.prototype key', '{"constructor":{"prototype":{"polluted":1}},"updates":[]}'],
    ['number beyond 2^53', JSON.stringify({ updates: [{ target: { ...l7Target(1), projectId: 0 }, changes: { name: 'abc' } }] }).replace('"projectId":0', '"projectId":9007199254740993123')],
    ['10,000-deep nesting', '{"updates":' + '['.repeat(10_000) + ']'.repeat(10_000) + '}'],
    ['10,000-deep nesting inside changes.policy', JSON.stringify({ updates: [{ target: { provider: 'apinizer', kind: 'policy', projectName: 'demo', apiProxyName: 'petstore', policyName: 'rate-limit' }, changes: { policy: {} } }] }).replace('"policy":{}', '"policy":' + '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000))],
    ['100k-element array', JSON.stringify({ updates: Array.from({ length: 100_000 }, () => 1) })],
    ['100k tags', JSON.stringify({ updates: [{ target: l7Target(1), changes: { tags: Array.from({ length: 100_000 }, (_, i) => `t${i}`) } }] })],
    ['NUL bytes', JSON.stringify({ updates: [{ target: { provider: 'apinizer', kind: 'policy', projectName: 'de\u0000mo', apiProxyName: 'petstore', policyName: 'x' }, changes: { order: 1 } }] })],
    ['header injection in callbackUrl', JSON.stringify({ updates: [{ target: l7Target(1), changes: { name: 'abc' } }], callbackUrl: 'https://hooks.example.com/x\r\nX-Injected: 1' })],
    ['path traversal in Apinizer names', JSON.stringify({ updates: [{ target: { provider: 'apinizer', kind: 'policy', projectName: 'demo', apiProxyName: '../../admin', policyName: 'x' }, changes: { order: 1 } }] })],
    ['encoded slash in Apinizer names', JSON.stringify({ updates: [{ target: { provider: 'apinizer', kind: 'policy', projectName: 'demo', apiProxyName: 'petstore%2F..%2Fadmin', policyName: 'x' }, changes: { order: 1 } }] })],
    ['dot segment as a name', JSON.stringify({ updates: [{ target: { provider: 'apinizer', kind: 'policy', projectName: '..', apiProxyName: 'petstore', policyName: 'x' }, changes: { order: 1 } }] })],
    ['Gcore id that is not a UUID', JSON.stringify({ updates: [{ target: { ...l7Target(1), id: '../../tasks' }, changes: { name: 'abc' } }] })],
  ])('rejects %s with a 4xx problem', async (_name, raw) => {
    const res = await h.http.post('/v1/routing-policy-updates').set(auth()).set('content-type', 'application/json').send(raw);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('rejects invalid UTF-8 and wrong Content-Type', async () => {
    const bad = Buffer.concat([Buffer.from('{"updates":[{"target":{"provider":"gcore","kind":"l7policy","projectId":1,"regionId":76,"id":"'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('"},"changes":{"name":"abc"}}]}')]);
    const res = await h.http.post('/v1/routing-policy-updates').set(auth()).set('content-type', 'application/json').send(bad);
    expect(res.status).toBe(400);
    const wrong = await h.http.post('/v1/routing-policy-updates').set(auth()).set('content-type', 'text/xml').send('<updates/>');
    expect(wrong.status).toBe(415);
    expect(wrong.headers['content-type']).toContain('application/problem+json');
  });

  it('keeps authorization checks ahead of parsing for keys without the scope', async () => {
    const res = await h.http.post('/v1/routing-policy-updates').set(auth(READ_KEY)).send(VALID);
    expect(res.status).toBe(403);
  });
});
