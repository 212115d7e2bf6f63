import fc from 'fast-check';
import { AddressInfo, connect } from 'node:net';
import { Harness, READ_KEY, SEED, apinizerTarget, auth, l7Target, lbTarget, sandboxControl, startHarness, waitForOperation } from '../support/harness';

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
    const paths = [
      ['updates'],
      ['updates', 0],
      ['updates', 0, 'target'],
      ['updates', 0, 'target', 'id'],
      ['updates', 0, 'target', 'projectId'],
      ['updates', 0, 'changes'],
      ['updates', 0, 'changes', 'name'],
      ['dryRun'],
      ['callbackUrl'],
      ['reference'],
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...paths),
        fc.anything({
          maxDepth: 4,
          withNullPrototype: false,
          withBigInt: false,
          withDate: false,
          withMap: false,
          withSet: false,
          withTypedArray: false,
          withSparseArray: false,
          withBoxedValues: false,
        }),
        async (path, value) => {
          const body = JSON.parse(JSON.stringify(VALID));
          let node = body;
          for (const key of path.slice(0, -1)) node = node[key as never];
          node[path[path.length - 1] as never] = value as never;
          const res = await h.http
            .post('/v1/routing-policy-updates')
            .set(auth())
            .set('content-type', 'application/json')
            .send(JSON.stringify(body) ?? 'null');
          expectClientProblem(res, `mutation ${path.join('.')}`);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('random headers and paths', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ maxLength: 40 }),
        fc.constantFrom(
          'application/json',
          'text/plain',
          'application/x-www-form-urlencoded',
          'multipart/form-data; boundary=x',
          'application/json; charset=latin1',
          '',
        ),
        fc.string({ maxLength: 60 }),
        async (authz, contentType, suffix) => {
          const path = '/v1/' + encodeURI(suffix).replace(/#/g, '%23').replace(/\?/g, '%3F');
          const req = h.http
            .post(path)
            .set('authorization', authz.replace(/[\r\n]/g, ''))
            .set('x-request-id', authz.replace(/[^\x20-\x7e]/g, ''));
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
    [
      'number beyond 2^53',
      JSON.stringify({ updates: [{ target: { ...l7Target(1), projectId: 0 }, changes: { name: 'abc' } }] }).replace(
        '"projectId":0',
        '"projectId":9007199254740993123',
      ),
    ],
    ['10,000-deep nesting', '{"updates":' + '['.repeat(10_000) + ']'.repeat(10_000) + '}'],
    [
      '10,000-deep nesting inside changes.policy',
      JSON.stringify({
        updates: [
          {
            target: { provider: 'apinizer', kind: 'policy', projectName: 'demo', apiProxyName: 'petstore', policyName: 'rate-limit' },
            changes: { policy: {} },
          },
        ],
      }).replace('"policy":{}', '"policy":' + '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000)),
    ],
    ['100k-element array', JSON.stringify({ updates: Array.from({ length: 100_000 }, () => 1) })],
    ['100k tags', JSON.stringify({ updates: [{ target: l7Target(1), changes: { tags: Array.from({ length: 100_000 }, (_, i) => `t${i}`) } }] })],
    [
      'NUL bytes',
      JSON.stringify({
        updates: [
          { target: { provider: 'apinizer', kind: 'policy', projectName: 'de\u0000mo', apiProxyName: 'petstore', policyName: 'x' }, changes: { order: 1 } },
        ],
      }),
    ],
    [
      'header injection in callbackUrl',
      JSON.stringify({ updates: [{ target: l7Target(1), changes: { name: 'abc' } }], callbackUrl: 'https://hooks.example.com/x\r\nX-Injected: 1' }),
    ],
    [
      'path traversal in Apinizer names',
      JSON.stringify({
        updates: [
          { target: { provider: 'apinizer', kind: 'policy', projectName: 'demo', apiProxyName: '../../admin', policyName: 'x' }, changes: { order: 1 } },
        ],
      }),
    ],
    [
      'encoded slash in Apinizer names',
      JSON.stringify({
        updates: [
          {
            target: { provider: 'apinizer', kind: 'policy', projectName: 'demo', apiProxyName: 'petstore%2F..%2Fadmin', policyName: 'x' },
            changes: { order: 1 },
          },
        ],
      }),
    ],
    [
      'dot segment as a name',
      JSON.stringify({
        updates: [{ target: { provider: 'apinizer', kind: 'policy', projectName: '..', apiProxyName: 'petstore', policyName: 'x' }, changes: { order: 1 } }],
      }),
    ],
    ['Gcore id that is not a UUID', JSON.stringify({ updates: [{ target: { ...l7Target(1), id: '../../tasks' }, changes: { name: 'abc' } }] })],
  ])('rejects %s with a 4xx problem', async (_name, raw) => {
    const res = await h.http.post('/v1/routing-policy-updates').set(auth()).set('content-type', 'application/json').send(raw);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('rejects invalid UTF-8 and wrong Content-Type', async () => {
    const bad = Buffer.concat([
      Buffer.from('{"updates":[{"target":{"provider":"gcore","kind":"l7policy","projectId":1,"regionId":76,"id":"'),
      Buffer.from([0xc3, 0x28, 0xff]),
      Buffer.from('"},"changes":{"name":"abc"}}]}'),
    ]);
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

interface Res {
  status: number;
  headers: Record<string, string>;
  text: string;
}

/** A 4xx problem+json whose errors[].path names every field in `paths`, with the answer's x-request-id. */
function expectFieldProblem(res: Res, status: number, paths: string[]): { errors: { path: string; message: string }[] } {
  expect({ status: res.status, text: res.text.slice(0, 600) }).toMatchObject({ status });
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = JSON.parse(res.text);
  expect(body.requestId).toBe(res.headers['x-request-id']);
  const got = (body.errors ?? []).map((e: { path: string }) => e.path);
  for (const path of paths) expect(got).toContain(path);
  return body;
}

const post = (h: Harness, path: string, raw: string) => h.http.post(path).set(auth()).set('content-type', 'application/json').send(raw);
const update = (target: object, changes: object, extra: object = {}) => JSON.stringify({ updates: [{ target, changes }], ...extra });

/** Every stored operation, through the list (pages followed to the end). */
async function operationCount(h: Harness): Promise<number> {
  let count = 0;
  let cursor: string | null = null;
  do {
    const res: { status: number; body: { items: unknown[]; nextCursor: string | null } } = await h.http
      .get(`/v1/operations?limit=200${cursor ? `&cursor=${cursor}` : ''}`)
      .set(auth());
    expect(res.status).toBe(200);
    count += res.body.items.length;
    cursor = res.body.nextCursor;
  } while (cursor);
  return count;
}

/** One HTTP/1.1 request written as is on a socket (no client normalising the path); the raw answer. */
function rawRequest(h: Harness, text: string): Promise<{ status: number; headers: Record<string, string>; body: string }> {
  const { port } = h.gateway.getHttpServer().address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(text));
    let data = '';
    socket.on('data', (chunk: Buffer) => (data += chunk.toString('latin1')));
    socket.on('error', reject);
    socket.on('close', () => {
      const [head, ...rest] = data.split('\r\n\r\n');
      const [statusLine, ...lines] = head.split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines) headers[line.slice(0, line.indexOf(':')).toLowerCase()] = line.slice(line.indexOf(':') + 1).trim();
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body: rest.join('\r\n\r\n') });
    });
  });
}

const NULLS_REFUSED: [string, object, object, string][] = [
  // [what, target, changes, path under updates[0]]
  ['L7 action', l7Target(1), { action: null }, 'changes.action'],
  ['L7 name', l7Target(1), { name: null }, 'changes.name'],
  ['L7 position', l7Target(1), { position: null }, 'changes.position'],
  ['L7 redirectUrl', l7Target(1), { redirectUrl: null }, 'changes.redirectUrl'],
  ['L7 redirectPrefix', l7Target(1), { redirectPrefix: null }, 'changes.redirectPrefix'],
  ['L7 redirectPoolId', l7Target(1), { redirectPoolId: null }, 'changes.redirectPoolId'],
  ['L7 redirectHttpCode', l7Target(1), { redirectHttpCode: null }, 'changes.redirectHttpCode'],
  ['L7 tags', l7Target(1), { tags: null }, 'changes.tags'],
  ['LB name', lbTarget(), { name: null }, 'changes.name'],
  ['LB preferredConnectivity', lbTarget(), { preferredConnectivity: null }, 'changes.preferredConnectivity'],
  ['LB logging', lbTarget(), { logging: null }, 'changes.logging'],
  ['LB logging.enabled', lbTarget(), { logging: { enabled: null } }, 'changes.logging.enabled'],
  ['Apinizer targetScope', apinizerTarget('rate-limit'), { targetScope: null }, 'changes.targetScope'],
  ['Apinizer targetEndpoint', apinizerTarget('rate-limit'), { targetEndpoint: null }, 'changes.targetEndpoint'],
  ['Apinizer targetEndpointHTTPMethod', apinizerTarget('rate-limit'), { targetEndpointHTTPMethod: null }, 'changes.targetEndpointHTTPMethod'],
  ['Apinizer targetPipeline', apinizerTarget('rate-limit'), { targetPipeline: null }, 'changes.targetPipeline'],
  ['Apinizer order', apinizerTarget('rate-limit'), { order: null }, 'changes.order'],
  ['Apinizer deploy', apinizerTarget('rate-limit'), { deploy: null }, 'changes.deploy'],
  [
    'Apinizer deployTargetEnvironmentNameList',
    apinizerTarget('rate-limit'),
    { deployTargetEnvironmentNameList: null },
    'changes.deployTargetEnvironmentNameList',
  ],
  ['Apinizer policy', apinizerTarget('rate-limit'), { policy: null }, 'changes.policy'],
  ['Apinizer replacePolicy', apinizerTarget('rate-limit'), { replacePolicy: null }, 'changes.replacePolicy'],
  ['the changes', l7Target(1), null as never, 'changes'],
  ['Gcore target projectId', { ...l7Target(1), projectId: null }, { name: 'abc' }, 'target.projectId'],
  ['Gcore target regionId', { ...lbTarget(), regionId: null }, { name: 'abc' }, 'target.regionId'],
  ['Gcore target id', { ...l7Target(1), id: null }, { name: 'abc' }, 'target.id'],
  ['target provider', { ...l7Target(1), provider: null }, { name: 'abc' }, 'target.provider'],
  ['Gcore target kind', { ...l7Target(1), kind: null }, { name: 'abc' }, 'target.kind'],
  ['Apinizer target projectName', { ...apinizerTarget('rate-limit'), projectName: null }, { order: 1 }, 'target.projectName'],
  ['Apinizer target apiProxyName', { ...apinizerTarget('rate-limit'), apiProxyName: null }, { order: 1 }, 'target.apiProxyName'],
  ['Apinizer target policyName', { ...apinizerTarget('rate-limit'), policyName: null }, { order: 1 }, 'target.policyName'],
];

describe('hostile input: every refusal is a 400 naming the field, and stores nothing (issue 12: 2, 3, 9, 10, 11, 12)', () => {
  let h: Harness;
  let stored: number;

  beforeAll(async () => {
    h = await startHarness({ withWorker: false, env: { RATE_LIMIT_PER_MINUTE: '100000000' } });
    // a real port for the raw-socket requests (no client normalising the path)
    await h.gateway.listen(0, '127.0.0.1');
    stored = await operationCount(h);
  });
  afterAll(async () => {
    await h?.close();
  });

  describe('2. null only where the provider defines it', () => {
    it.each(NULLS_REFUSED)('%s: null → 400 naming it', async (_what, target, changes, path) => {
      const res = await post(h, '/v1/routing-policy-updates', update(target, changes));
      expectFieldProblem(res, 400, [`updates[0].${path}`]);
    });

    it('logging: null says "must not be null", and only that', async () => {
      const res = await post(h, '/v1/routing-policy-updates', update(lbTarget(), { logging: null }));
      expect(expectFieldProblem(res, 400, ['updates[0].changes.logging']).errors).toEqual([
        { path: 'updates[0].changes.logging', message: 'must not be null' },
      ]);
    });

    it('a webhook subscription description: null → 400 naming it', async () => {
      const res = await post(h, '/v1/webhook-subscriptions', JSON.stringify({ url: 'http://127.0.0.1:9/x', events: ['*'], description: null }));
      expectFieldProblem(res, 400, ['description']);
    });

    it.each(['dryRun', 'callbackUrl', 'reference', 'updates'])('top-level %s: null → 400 naming it', async (field) => {
      const res = await post(h, '/v1/routing-policy-updates', update(l7Target(1), { name: 'abc' }, { [field]: null }));
      expectFieldProblem(res, 400, [field]);
    });

    it.each([
      ['LB tags (remove every user tag)', lbTarget(), { tags: null }],
      ['an LB tag value (delete the key)', lbTarget(), { tags: { legacy: null } }],
      ['logging.topicName', lbTarget(), { logging: { topicName: null } }],
      ['logging.destinationRegionId', lbTarget(), { logging: { destinationRegionId: null } }],
      ['logging.retentionPolicy', lbTarget(), { logging: { retentionPolicy: null } }],
      ['logging.retentionPolicy.period', lbTarget(), { logging: { retentionPolicy: { period: null } } }],
    ])('%s: null is accepted (dry run 200)', async (_what, target, changes) => {
      const res = await post(h, '/v1/routing-policy-updates', update(target, changes, { dryRun: true }));
      expect({ status: res.status, text: res.text.slice(0, 400) }).toMatchObject({ status: 200 });
    });

    it('nulls inside an Apinizer changes.policy are JSON Merge Patch deletions: the field leaves the planned PUT body', async () => {
      await sandboxControl(h, 'PATCH', '/__sandbox/config', { apinizerListMode: 'status' }); // full items: a merge base exists
      try {
        const res = await post(h, '/v1/routing-policy-updates', update(apinizerTarget('rate-limit'), { policy: { description: null } }, { dryRun: true }));
        expect(res.status).toBe(200);
        const planned = res.body.results[0].plan[0].body.policy;
        expect(planned).not.toHaveProperty('description');
        expect(planned).toMatchObject({ type: 'policy-api-based-throttling', messageCountForInterval: expect.any(Number) });
      } finally {
        await sandboxControl(h, 'PATCH', '/__sandbox/config', { apinizerListMode: 'auto' });
      }
    });

    it.each([
      ['missing', { deploy: true }],
      ['empty', { deploy: true, deployTargetEnvironmentNameList: [] }],
    ])('deploy: true with the environment list %s → 400 naming the list', async (_what, changes) => {
      const res = await post(h, '/v1/routing-policy-updates', update(apinizerTarget('rate-limit'), changes));
      const body = expectFieldProblem(res, 400, ['updates[0].changes.deployTargetEnvironmentNameList']);
      expect(body.errors[0].message).toMatch(/undocumented.*name the environments/);
    });
  });

  describe('3. redirectPrefix and integer ranges', () => {
    it('accepts an absolute path as redirectPrefix (the seed example /api/v1/policies)', async () => {
      const res = await post(
        h,
        '/v1/routing-policy-updates',
        update(l7Target(2), { action: 'REDIRECT_PREFIX', redirectPrefix: '/api/v1/policies' }, { dryRun: true }),
      );
      expect({ status: res.status, text: res.text.slice(0, 400) }).toMatchObject({ status: 200 });
    });

    it.each(['not a url', 'api/v1', '//evil.example/x', 'javascript:alert(1)', 'ftp://example.com/x', '/a b'])('refuses redirectPrefix %j', async (prefix) => {
      const res = await post(h, '/v1/routing-policy-updates', update(l7Target(2), { action: 'REDIRECT_PREFIX', redirectPrefix: prefix }));
      expectFieldProblem(res, 400, ['updates[0].changes.redirectPrefix']);
    });

    const big = (json: string, value: string) => json.replace('"@"', value);
    it.each([
      ['position 2^53+1', l7Target(1), { position: '@' }, '9007199254740993', 'changes.position'],
      ['position 2^53', l7Target(1), { position: '@' }, '9007199254740992', 'changes.position'],
      ['position 1.5', l7Target(1), { position: '@' }, '1.5', 'changes.position'],
      ['position 1e400 (Infinity once parsed)', l7Target(1), { position: '@' }, '1e400', 'changes.position'],
      ['position beyond int32', l7Target(1), { position: '@' }, '2147483648', 'changes.position'],
      ['projectId 2^53+1', { ...l7Target(1), projectId: '@' }, { name: 'abc' }, '9007199254740993', 'target.projectId'],
      ['regionId -1e400', { ...l7Target(1), regionId: '@' }, { name: 'abc' }, '-1e400', 'target.regionId'],
      ['destinationRegionId 2^53+1', lbTarget(), { logging: { destinationRegionId: '@' } }, '9007199254740993', 'changes.logging.destinationRegionId'],
      ['period 2^53+1', lbTarget(), { logging: { retentionPolicy: { period: '@' } } }, '9007199254740993', 'changes.logging.retentionPolicy.period'],
      ['period 1.5', lbTarget(), { logging: { retentionPolicy: { period: '@' } } }, '1.5', 'changes.logging.retentionPolicy.period'],
      ['order 2^53+1', apinizerTarget('rate-limit'), { order: '@' }, '9007199254740993', 'changes.order'],
      ['order beyond int32', apinizerTarget('rate-limit'), { order: '@' }, '2147483648', 'changes.order'],
      [
        'a number inside changes.policy 2^53+1',
        apinizerTarget('rate-limit'),
        { policy: { messageCountForInterval: '@' } },
        '9007199254740993',
        'changes.policy.messageCountForInterval',
      ],
    ])('%s → 400 naming it, never rounded', async (_what, target, changes, literal, path) => {
      const res = await post(h, '/v1/routing-policy-updates', big(update(target, changes), literal));
      expectFieldProblem(res, 400, [`updates[0].${path}`]);
    });
  });

  describe('9. prototype keys anywhere, on every route with a JSON body', () => {
    const inApinizerPolicy = (policy: string) => update(apinizerTarget('rate-limit'), { policy: {} }).replace('"policy":{}', `"policy":${policy}`);
    it.each([
      ['constructor in changes.policy', '/v1/routing-policy-updates', inApinizerPolicy('{"constructor":{"a":1}}'), 'updates[0].changes.policy.constructor'],
      [
        'constructor nested in changes.policy',
        '/v1/routing-policy-updates',
        inApinizerPolicy('{"a":{"b":[{"constructor":"x"}]}}'),
        'updates[0].changes.policy.a.b[0].constructor',
      ],
      [
        'constructor as an LB tag key',
        '/v1/routing-policy-updates',
        update(lbTarget(), { tags: {} }).replace('"tags":{}', '"tags":{"constructor":"x"}'),
        'updates[0].changes.tags.constructor',
      ],
      ['__proto__ in changes.policy', '/v1/routing-policy-updates', inApinizerPolicy('{"__proto__":{"polluted":1}}'), 'updates[0].changes.policy.__proto__'],
      ['prototype in changes.policy', '/v1/routing-policy-updates', inApinizerPolicy('{"prototype":1}'), 'updates[0].changes.policy.prototype'],
      ['__proto__ at the top', '/v1/routing-policy-updates', '{"__proto__":{"polluted":1},"updates":[]}', '__proto__'],
      ['constructor.prototype at the top', '/v1/routing-policy-updates', '{"constructor":{"prototype":{"polluted":1}},"updates":[]}', 'constructor'],
      [
        'constructor in a lookup target',
        '/v1/routing-policies/lookup',
        JSON.stringify({ targets: [l7Target(1)] }).replace('"provider"', '"constructor":1,"provider"'),
        'targets[0].constructor',
      ],
      ['__proto__ in a lookup body', '/v1/routing-policies/lookup', '{"targets":[],"__proto__":{"polluted":1}}', '__proto__'],
      ['prototype in a webhook subscription', '/v1/webhook-subscriptions', '{"url":"http://127.0.0.1:9/x","events":["*"],"prototype":1}', 'prototype'],
      ['constructor in a subscription test', '/v1/webhook-subscriptions/whs_x/test', '{"constructor":{}}', 'constructor'],
    ])('%s → 400 naming the key', async (_what, path, raw, errorPath) => {
      const res = await post(h, path, raw);
      const body = expectFieldProblem(res, 400, [errorPath]);
      expect(body.errors.find((e) => e.path === errorPath)?.message).toMatch(/forbidden key/);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });

    it('on the inbound webhook route too (before any signature work)', async () => {
      const res = await h.http.post('/v1/inbound-webhooks/ci').set('content-type', 'application/json').send('{"type":"x","data":{"constructor":1}}');
      expectFieldProblem(res, 400, ['data.constructor']);
    });
  });

  describe('10. ill-formed Unicode', () => {
    it.each([
      ['an L7 name', '/v1/routing-policy-updates', update(l7Target(1), { name: 'ab\ud800cd' }), 'updates[0].changes.name'],
      ['an Apinizer policy name (target)', '/v1/routing-policy-updates', update(apinizerTarget('rate\udc00'), { order: 1 }), 'updates[0].target.policyName'],
      [
        'a string inside changes.policy',
        '/v1/routing-policy-updates',
        update(apinizerTarget('rate-limit'), { policy: { description: 'x\ud83d' } }),
        'updates[0].changes.policy.description',
      ],
      ['an LB tag key', '/v1/routing-policy-updates', update(lbTarget(), { tags: { 'k\ud800': 'v' } }), 'updates[0].changes.tags["k\\ud800"]'],
      ['the reference', '/v1/routing-policy-updates', update(l7Target(1), { name: 'abc' }, { reference: '\udfff' }), 'reference'],
      ['a lookup target', '/v1/routing-policies/lookup', JSON.stringify({ targets: [apinizerTarget('x\ud800')] }), 'targets[0].policyName'],
      [
        'a webhook description',
        '/v1/webhook-subscriptions',
        JSON.stringify({ url: 'http://127.0.0.1:9/x', events: ['*'], description: '\ud800' }),
        'description',
      ],
    ])('in %s → 400 naming the field', async (_what, path, raw, errorPath) => {
      expect(raw).toMatch(/\\ud[89a-f]/i); // sent as an escape: JSON.parse makes it a lone surrogate
      const res = await post(h, path, raw);
      const body = expectFieldProblem(res, 400, [errorPath]);
      expect(body.errors.find((e) => e.path === errorPath)?.message).toMatch(/well-formed Unicode/);
    });

    it('keeps correct surrogate pairs', async () => {
      const res = await post(h, '/v1/routing-policy-updates', update(apinizerTarget('rate-limit'), { policy: { description: 'ok 😀' } }, { dryRun: true }));
      expect(res.status).not.toBe(400);
    });
  });

  describe('11. forged list cursors', () => {
    const b64 = (text: string) => Buffer.from(text).toString('base64url');
    it.each([
      ['a non-numeric score', b64('abc:def')],
      ['a Redis range', b64('(1:op_01JD8X3Q4M5N6P7R8S9T0V1W2X')],
      ['a foreign id', b64('1:whs_01JD8X3Q4M5N6P7R8S9T0V1W2X')],
      ['a score beyond 2^53', b64('9007199254740993:op_01JD8X3Q4M5N6P7R8S9T0V1W2X')],
      ['no separator', b64('12345')],
      ['bad characters', '%24%24%24'],
      ['empty', ''],
    ])('%s → 400 naming cursor', async (_what, cursor) => {
      for (const status of ['', '&status=FAILED']) {
        const res = await h.http.get(`/v1/operations?cursor=${cursor}${status}`).set(auth());
        expectFieldProblem(res, 400, ['cursor']);
      }
    });
  });

  describe("12. Fastify's own errors, over a raw socket", () => {
    const get = (path: string, extra = '') =>
      `GET ${path} HTTP/1.1\r\nhost: localhost\r\nauthorization: Bearer test-admin-key-0001\r\n${extra}connection: close\r\n\r\n`;
    const expectRawProblem = (res: { status: number; headers: Record<string, string>; body: string }, status: number) => {
      expect({ status: res.status, body: res.body.slice(0, 300) }).toMatchObject({ status });
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.headers['x-request-id']).toMatch(/\S/);
      const body = JSON.parse(res.body);
      expect(body).toMatchObject({ status, requestId: res.headers['x-request-id'] });
      expect(typeof body.instance).toBe('string');
      expect(body.instance.length).toBeLessThanOrEqual(131);
      return body;
    };

    it('bad percent-encoding in the path → 400 problem+json', async () => {
      const body = expectRawProblem(await rawRequest(h, get('/v1/operations/%E0%A4%A')), 400);
      expect(body.type).toMatch(/bad-url$/);
      expect(body.detail).not.toContain('%E0%A4%A');
    });

    it('a path parameter over the limit → 414 problem+json, the URL not echoed whole', async () => {
      const path = `/v1/operations/op_${'A'.repeat(400)}`;
      const res = await rawRequest(h, get(path));
      const body = expectRawProblem(res, 414);
      expect(res.body).not.toContain(path);
      expect(body.detail).not.toContain('AAAA');
    });

    it('an unknown long path → 404 problem+json, the URL not echoed whole', async () => {
      const path = `/v1/${'b'.repeat(5000)}`;
      const res = await rawRequest(h, get(path + '?q=secret'));
      expectRawProblem(res, 404);
      expect(res.body).not.toContain(path);
      expect(res.body).not.toContain('secret');
    });

    it('a header with a forbidden byte → 400 problem+json with x-request-id', async () => {
      expectRawProblem(await rawRequest(h, get('/v1/operations', 'x-bad: a\u0001b\r\n')), 400);
    });

    it('a request line too long for the parser → 431 problem+json', async () => {
      expectRawProblem(await rawRequest(h, get(`/v1/operations?cursor=${'a'.repeat(20_000)}`)), 431);
    });
  });

  // runs last (declaration order): every request above was refused or a dry run
  it('stored no operation for any of the requests above', async () => {
    expect(await operationCount(h)).toBe(stored);
  });
});

describe('hostile input with the worker: nothing decidable up front is answered 202 and then fails (issue 12: 2, 3)', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ env: { RATE_LIMIT_PER_MINUTE: '100000000' } });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('logging: null (a job crash retried for 75 s before) is refused at once, and no operation is stored', async () => {
    const before = await operationCount(h);
    const res = await post(h, '/v1/routing-policy-updates', update(lbTarget(SEED.lbApi), { logging: null }));
    expectFieldProblem(res, 400, ['updates[0].changes.logging']);
    expect(await operationCount(h)).toBe(before);
  });

  it.each([
    ['tags: null (every user tag removed)', { tags: null }],
    ['a tag deleted by null', { tags: { team: 'edge', legacy: null } }],
    ['the nullable logging fields', { logging: { enabled: true, topicName: null, destinationRegionId: null, retentionPolicy: { period: null } } }],
    ['retentionPolicy: null', { logging: { retentionPolicy: null } }],
  ])('load balancer %s: 202, then SUCCEEDED at the provider', async (_what, changes) => {
    const res = await post(h, '/v1/routing-policy-updates', update(lbTarget(SEED.lbApi), changes));
    expect({ status: res.status, text: res.text.slice(0, 400) }).toMatchObject({ status: 202 });
    const op = await waitForOperation(h, res.body.id);
    expect({ status: op.status, error: op.results[0].error }).toEqual({ status: 'SUCCEEDED', error: undefined });
  });

  it('redirectPrefix as an absolute path: 202, then SUCCEEDED at the provider', async () => {
    const res = await post(h, '/v1/routing-policy-updates', update(l7Target(2), { action: 'REDIRECT_PREFIX', redirectPrefix: '/api/v1/policies' }));
    expect({ status: res.status, text: res.text.slice(0, 400) }).toMatchObject({ status: 202 });
    const op = await waitForOperation(h, res.body.id);
    expect({ status: op.status, error: op.results[0].error }).toEqual({ status: 'SUCCEEDED', error: undefined });
  });
});
