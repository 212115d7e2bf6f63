import { extractProxy, findPolicy, listNamesEveryPolicy, locatePolicies } from './list-policies.parser';

type Obj = Record<string, any>;

const throttling = (name: string, extra: Obj = {}): Obj => ({ name, type: 'policy-api-based-throttling', active: true, messageCountForInterval: 10, ...extra });

/** A proxy as in the crud List Policies page, with every list filled. */
const proxy = (): Obj => ({
  name: 'petstore',
  type: 'REST',
  relativePath: '/petstore',
  soapToRest: false,
  requestPolicyList: [throttling('rate-limit'), { name: 'ip-blacklist', type: 'policy-black-ip', ipList: ['203.0.113.7'] }],
  responsePolicyList: [{ name: 'max-size', type: 'policy-max-message-size', maxMessageSize: 1024 }],
  errorPolicyList: [{ name: 'on-error', type: 'policy-script', scriptLanguage: 'GROOVY', scriptBody: 'x' }],
  endpointList: [
    {
      endpoint: '/pets',
      httpMethod: 'GET',
      active: true,
      requestPolicyList: [{ name: 'pets-script', type: 'policy-script' }],
      responsePolicyList: [],
      errorPolicyList: [],
    },
    { endpoint: '/pets/{id}', httpMethod: 'DELETE', active: true, requestPolicyList: [], responsePolicyList: [throttling('delete-limit')] },
  ],
});

describe('extractProxy', () => {
  it('reads the crud envelope {status, resultList:[proxy], resultCount}', () => {
    const p = proxy();
    expect(extractProxy({ status: 'SUCCESS', resultList: [p], resultCount: 1 })).toBe(p);
  });

  it('reads the per-policy-page envelope {success, resultList:[{apiProxy}]}', () => {
    const p = proxy();
    expect(extractProxy({ success: true, resultList: [{ apiProxy: p }] })).toBe(p);
  });

  it.each<[string, unknown]>([
    ['null', null],
    ['a string', 'OK'],
    ['an array', [proxy()]],
    ['no resultList', { status: 'SUCCESS' }],
    ['an empty resultList', { status: 'SUCCESS', resultList: [], resultCount: 0 }],
    ['a resultList that is not an array', { success: true, resultList: { apiProxy: proxy() } }],
    ['a resultList of non-objects', { success: true, resultList: ['petstore'] }],
  ])('gives undefined for %s', (_name, body) => {
    expect(extractProxy(body)).toBeUndefined();
  });
});

describe('locatePolicies', () => {
  it('lists every policy with its scope, pipeline, endpoint, method and 0-based index', () => {
    const found = locatePolicies(proxy()).map((l) => ({
      name: l.policy.name,
      scope: l.scope,
      pipeline: l.pipeline,
      endpoint: l.endpoint,
      method: l.method,
      index: l.index,
    }));
    expect(found).toEqual([
      { name: 'rate-limit', scope: 'ALL', pipeline: 'REQUEST', endpoint: undefined, method: undefined, index: 0 },
      { name: 'ip-blacklist', scope: 'ALL', pipeline: 'REQUEST', endpoint: undefined, method: undefined, index: 1 },
      { name: 'max-size', scope: 'ALL', pipeline: 'RESPONSE', endpoint: undefined, method: undefined, index: 0 },
      { name: 'on-error', scope: 'ALL', pipeline: 'ERROR', endpoint: undefined, method: undefined, index: 0 },
      { name: 'pets-script', scope: 'ENDPOINT', pipeline: 'REQUEST', endpoint: '/pets', method: 'GET', index: 0 },
      { name: 'delete-limit', scope: 'ENDPOINT', pipeline: 'RESPONSE', endpoint: '/pets/{id}', method: 'DELETE', index: 0 },
    ]);
  });

  it('returns the list items themselves (full configs stay full)', () => {
    const p = proxy();
    expect(locatePolicies(p)[0].policy).toBe(p.requestPolicyList[0]);
  });

  it('skips missing lists, non-object items and non-object endpoints', () => {
    const found = locatePolicies({
      requestPolicyList: [null, 'x', throttling('a')],
      responsePolicyList: 'not a list',
      endpointList: [null, 'x', { endpoint: '/e', httpMethod: 'POST', errorPolicyList: [throttling('b')] }],
    });
    expect(found.map((l) => [l.policy.name, l.pipeline, l.index, l.endpoint ?? null])).toEqual([
      ['a', 'REQUEST', 2, null],
      ['b', 'ERROR', 0, '/e'],
    ]);
  });

  it('accepts name/method spellings of an endpoint and defaults the method to ALL', () => {
    const found = locatePolicies({
      endpointList: [
        { name: '/a', method: 'PUT', requestPolicyList: [throttling('x')] },
        { endpoint: '/b', requestPolicyList: [throttling('y')] },
      ],
    });
    expect(found.map((l) => [l.endpoint, l.method])).toEqual([
      ['/a', 'PUT'],
      ['/b', 'ALL'],
    ]);
  });

  it('gives nothing for a proxy without policies', () => {
    expect(locatePolicies({ name: 'empty', requestPolicyList: [], responsePolicyList: [], errorPolicyList: [], endpointList: [] })).toEqual([]);
  });
});

describe('findPolicy', () => {
  it.each([
    ['a proxy-level policy', 'ip-blacklist', { scope: 'ALL', pipeline: 'REQUEST', index: 1 }],
    ['a response-pipeline policy', 'max-size', { scope: 'ALL', pipeline: 'RESPONSE', index: 0 }],
    ['an endpoint policy', 'pets-script', { scope: 'ENDPOINT', pipeline: 'REQUEST', endpoint: '/pets', method: 'GET', index: 0 }],
    ['an endpoint response policy', 'delete-limit', { scope: 'ENDPOINT', pipeline: 'RESPONSE', endpoint: '/pets/{id}', method: 'DELETE' }],
  ])('finds %s by name, in both envelopes', (_what, name, where) => {
    for (const body of [
      { status: 'SUCCESS', resultList: [proxy()], resultCount: 1 },
      { success: true, resultList: [{ apiProxy: proxy() }] },
    ]) {
      const located = findPolicy(extractProxy(body)!, name);
      expect(located).toMatchObject(where);
      expect(located!.policy.name).toBe(name);
    }
  });

  it('matches names case-insensitively', () => {
    expect(findPolicy(proxy(), 'RATE-Limit')?.policy.name).toBe('rate-limit');
    expect(findPolicy(proxy(), 'PETS-SCRIPT')).toMatchObject({ scope: 'ENDPOINT', endpoint: '/pets' });
  });

  it('prefers the exact spelling when two names differ only by case', () => {
    const p = proxy();
    p.responsePolicyList.push(throttling('Rate-Limit', { messageCountForInterval: 99 }));
    expect(findPolicy(p, 'Rate-Limit')).toMatchObject({ pipeline: 'RESPONSE', policy: { messageCountForInterval: 99 } });
    expect(findPolicy(p, 'rate-limit')).toMatchObject({ pipeline: 'REQUEST', policy: { messageCountForInterval: 10 } });
  });

  it('gives undefined for an unknown name and ignores nameless items (crud-page summaries)', () => {
    expect(findPolicy(proxy(), 'no-such-policy')).toBeUndefined();
    expect(findPolicy({ requestPolicyList: [{ type: 'policy-api-based-throttling', active: true }] }, 'rate-limit')).toBeUndefined();
  });

  it('does not match a name prefix', () => {
    expect(findPolicy(proxy(), 'rate')).toBeUndefined();
  });
});

describe('listNamesEveryPolicy', () => {
  it('is true when every item has a name (a missing name then does not exist), also for an empty proxy', () => {
    expect(listNamesEveryPolicy(proxy())).toBe(true);
    expect(listNamesEveryPolicy({ requestPolicyList: [], endpointList: [] })).toBe(true);
  });

  it('is false with any nameless item (crud page summaries), in a proxy list or an endpoint list', () => {
    expect(listNamesEveryPolicy({ requestPolicyList: [{ type: 'policy-black-ip', active: true }] })).toBe(false);
    const mixed = proxy();
    mixed.endpointList[0].requestPolicyList.push({ type: 'policy-script', active: true, description: 'x' });
    expect(listNamesEveryPolicy(mixed)).toBe(false);
    expect(listNamesEveryPolicy({ requestPolicyList: [{ name: '', type: 'policy-black-ip' }] })).toBe(false);
  });
});
