import { waitFor } from '../../../test/support/wait';
import { type ProviderSandbox, createProviderSandbox } from './sandbox';

const L7 = (n: number): string => `d1b2c3d4-0000-4000-8000-${String(n).padStart(12, '0')}`;
const LB_WEB = 'a1b2c3d4-0000-4000-8000-000000000001';
const POOL_2 = 'b1b2c3d4-0000-4000-8000-000000000002';
const GCORE = { authorization: 'APIKey sandbox-gcore-key' };
const APINIZER = { authorization: 'Bearer sandbox-apinizer-token' };
const NAIVE_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/;

type Json = any;

interface Answer {
  status: number;
  body: Json;
  headers: Headers;
}

let sbx: ProviderSandbox;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function call(
  method: string,
  path: string,
  opts: { headers?: Record<string, string>; json?: unknown; raw?: string; signal?: AbortSignal } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { ...opts.headers };
  let body: string | undefined;
  if (opts.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(opts.json);
  } else if (opts.raw !== undefined) {
    headers['content-type'] ??= 'application/json';
    body = opts.raw;
  }
  const res = await fetch(sbx.url + path, { method, headers, body, signal: opts.signal });
  const text = await res.text();
  let parsed: Json = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    /* text body */
  }
  return { status: res.status, body: parsed, headers: res.headers };
}

const gcore = (method: string, path: string, json?: unknown): Promise<Answer> => call(method, path, { headers: GCORE, json });
const apinizer = (method: string, path: string, json?: unknown): Promise<Answer> => call(method, path, { headers: APINIZER, json });
const control = (method: string, path: string, json?: unknown): Promise<Answer> => call(method, `/__sandbox${path}`, { json });

/** A task that outlasts the few requests a test sends while it runs, however slowly a busy machine sends them. */
const LOCKED_TASK_MS = 2000;

const l7Path = (n: number): string => `/cloud/v1/l7policies/1/76/${L7(n)}`;
const lbPath = `/cloud/v1/loadbalancers/1/76/${LB_WEB}`;
const petstore = '/apiops/projects/demo/apiProxies/petstore/policies';

async function waitForTask(id: string): Promise<Json> {
  const ctl = await control('GET', `/tasks/${id}`);
  await sleep(Math.max(0, ctl.body.finishAtMs - Date.now()) + 10);
  return (await gcore('GET', `/cloud/v1/tasks/${id}`)).body;
}

async function petstoreState(): Promise<Json> {
  return (await control('GET', '/state/apinizer/demo/petstore')).body;
}
const names = (list: { name: string }[]): string[] => list.map((p) => p.name);

beforeAll(async () => {
  sbx = await createProviderSandbox({ taskDurationMs: 150 });
});

afterAll(async () => {
  await sbx.close();
});

beforeEach(async () => {
  expect((await control('POST', '/reset')).status).toBe(200);
});

describe('Gcore auth', () => {
  it('answers 401 NotAuthenticated without a header', async () => {
    const r = await call('GET', l7Path(1));
    expect(r.status).toBe(401);
    expect(r.body).toEqual({
      exception_class: 'NotAuthenticated',
      message: 'Authentication credentials were not provided.',
      request_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
  });

  it('answers 401 AuthenticationFailed for a wrong key without echoing it', async () => {
    const r = await call('GET', l7Path(1), { headers: { authorization: 'APIKey wrong$secret-value' } });
    expect(r.status).toBe(401);
    expect(r.body.exception_class).toBe('AuthenticationFailed');
    expect(r.body.message).toMatch(/^Bad permanent token: /);
    expect(JSON.stringify(r.body)).not.toContain('wrong$secret-value');
  });

  it('accepts the scheme in any case', async () => {
    const r = await call('GET', l7Path(1), { headers: { authorization: 'apikey sandbox-gcore-key' } });
    expect(r.status).toBe(200);
  });
});

describe('Gcore L7 policies', () => {
  it('GET returns every field of the schema', async () => {
    const r = await gcore('GET', l7Path(1));
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      id: L7(1),
      name: 'redirect-to-url',
      action: 'REDIRECT_TO_URL',
      listener_id: 'c1b2c3d4-0000-4000-8000-000000000001',
      position: 1,
      redirect_url: 'https://example.com/new',
      redirect_prefix: null,
      redirect_pool_id: null,
      redirect_http_code: 302,
      rules: [],
      tags: ['web'],
      provisioning_status: 'ACTIVE',
      operating_status: 'ONLINE',
      project_id: 1,
      region_id: 76,
      region: 'Luxembourg-2',
      task_id: null,
    });
    const list = await gcore('GET', '/cloud/v1/l7policies/1/76');
    expect(list.body.count).toBe(12);
    expect(list.body.results.map((p: Json) => p.name).slice(0, 5)).toEqual(['redirect-to-url', 'redirect-prefix', 'to-pool', 'reject-bots', 'policy-5']);
  });

  it('answers 404 NotFoundError for unknown ids, projects and regions', async () => {
    for (const path of [`/cloud/v1/l7policies/1/76/${L7(99)}`, `/cloud/v1/l7policies/2/76/${L7(1)}`, `/cloud/v1/l7policies/1/77/${L7(1)}`]) {
      const r = await gcore('GET', path);
      expect(r.status).toBe(404);
      expect(r.body.exception_class).toBe('NotFoundError');
    }
  });

  it.each([
    ['missing redirect_url', { action: 'REDIRECT_TO_URL' }, { redirect_url: ['This field is required.'] }],
    ['bad code 304', { action: 'REDIRECT_TO_URL', redirect_url: 'https://x', redirect_http_code: 304 }, { redirect_http_code: [expect.any(String)] }],
    ['REJECT with an extra field', { action: 'REJECT', redirect_url: 'https://x' }, { redirect_url: ['Unknown field.'] }],
    ['name pattern', { action: 'REJECT', name: '-bad' }, { name: [expect.stringMatching(/^does not match pattern /)] }],
    ['position 0', { action: 'REJECT', position: 0 }, { position: ['must be >= 1'] }],
    ['missing action', { name: 'abc' }, { action: ['This field is required.'] }],
  ])('PATCH rejects %s with 400 ValidationError', async (_label, body, fields) => {
    const r = await gcore('PATCH', l7Path(4), body);
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ exception_class: 'ValidationError', request_id: expect.any(String) });
    expect(r.body.invalid_fields).toEqual(fields);
    expect((await control('GET', `/state/l7policies/${L7(4)}`)).body.lock).toBeNull();
  });

  it('PATCH rejects malformed JSON with 400 ValidationError', async () => {
    const r = await call('PATCH', l7Path(4), { headers: GCORE, raw: '{"action":' });
    expect(r.status).toBe(400);
    expect(r.body.exception_class).toBe('ValidationError');
  });

  it('runs the task NEW → RUNNING → FINISHED and applies the change only at FINISHED', async () => {
    // long enough that the RUNNING phase (from 200 ms on) is still on when a busy machine reads it
    await control('PATCH', '/config', { taskDurationMs: 3000 });
    const r = await gcore('PATCH', l7Path(1), { action: 'REDIRECT_TO_URL', redirect_url: 'https://example.com/changed', tags: ['a', 'b'] });
    expect(r.status).toBe(200);
    expect(r.body.tasks).toHaveLength(1);
    const taskId: string = r.body.tasks[0];

    const asked = Date.now();
    const first = await gcore('GET', `/cloud/v1/tasks/${taskId}`);
    const answered = Date.now();
    // NEW for its first 200 ms: a read answered within them sees NEW, one sent after them RUNNING (a busy machine may
    // send the read late; the task's own creation time tells which it must see)
    const runningAt = (await control('GET', `/tasks/${taskId}`)).body.createdAtMs + 200;
    const possible = answered < runningAt ? ['NEW'] : asked >= runningAt ? ['RUNNING'] : ['NEW', 'RUNNING'];
    expect(possible).toContain(first.body.state);
    expect(first.body).toMatchObject({ id: taskId, task_type: 'update_l7policy', finished_on: null, error: null });
    expect(first.body.created_on).toMatch(NAIVE_UTC);
    expect(first.body.created_resources.l7polices).toEqual([]);
    expect(first.body.data).toEqual({ action: 'REDIRECT_TO_URL', redirect_url: 'https://example.com/changed', tags: ['a', 'b'] });

    const ctl = (await control('GET', `/tasks/${taskId}`)).body;
    expect(ctl.durationMs).toBe(3000);
    expect(ctl.finishAtMs).toBe(ctl.createdAtMs + 3000);

    await sleep(Math.max(0, ctl.createdAtMs + 250 - Date.now()));
    expect((await gcore('GET', `/cloud/v1/tasks/${taskId}`)).body.state).toBe('RUNNING');
    const locked = (await gcore('GET', l7Path(1))).body;
    expect(locked).toMatchObject({ task_id: taskId, provisioning_status: 'PENDING_UPDATE', redirect_url: 'https://example.com/new', tags: ['web'] });

    const done = await waitForTask(taskId);
    expect(done.state).toBe('FINISHED');
    expect(done.finished_on).toMatch(NAIVE_UTC);
    const after = (await gcore('GET', l7Path(1))).body;
    expect(after).toMatchObject({
      task_id: null,
      provisioning_status: 'ACTIVE',
      redirect_url: 'https://example.com/changed',
      redirect_http_code: 302,
      tags: ['a', 'b'],
      name: 'redirect-to-url',
    });
  });

  it('clears redirect fields of the old action when the action changes', async () => {
    const r = await gcore('PATCH', l7Path(1), { action: 'REDIRECT_TO_POOL', redirect_pool_id: POOL_2 });
    await waitForTask(r.body.tasks[0]);
    expect((await gcore('GET', l7Path(1))).body).toMatchObject({
      action: 'REDIRECT_TO_POOL',
      redirect_pool_id: POOL_2,
      redirect_url: null,
      redirect_http_code: null,
    });
  });

  it('legacy PUT replaces the policy (tags reset, default code, listener_id tolerated)', async () => {
    const r = await gcore('PUT', l7Path(1), {
      action: 'REDIRECT_PREFIX',
      redirect_prefix: 'https://example.com/put',
      listener_id: 'c1b2c3d4-0000-4000-8000-000000000001',
    });
    expect(r.status).toBe(200);
    await waitForTask(r.body.tasks[0]);
    expect((await gcore('GET', l7Path(1))).body).toMatchObject({
      name: 'redirect-to-url',
      action: 'REDIRECT_PREFIX',
      redirect_prefix: 'https://example.com/put',
      redirect_url: null,
      redirect_http_code: 302,
      tags: [],
    });
    expect((await gcore('PUT', l7Path(1), { action: 'REJECT', foo: 1 })).status).toBe(400);
  });

  it('answers 409 ConflictError while the policy is locked', async () => {
    await control('PATCH', '/config', { taskDurationMs: LOCKED_TASK_MS }); // still running at the next request on a busy machine
    const r = await gcore('PATCH', l7Path(4), { action: 'REJECT', name: 'reject-all' });
    const second = await gcore('PATCH', l7Path(4), { action: 'REJECT', name: 'reject-more' });
    expect(second.status).toBe(409);
    expect(second.body.exception_class).toBe('ConflictError');
    expect(second.body.message).toBe(`L7 policy ${L7(4)} is locked by task ${r.body.tasks[0]}`);
    await waitForTask(r.body.tasks[0]);
    expect((await gcore('PATCH', l7Path(4), { action: 'REJECT', name: 'reject-more' })).status).toBe(200);
  });

  it('a taskError fault ends the task in ERROR and leaves the policy unchanged', async () => {
    await control('POST', '/faults', { method: 'PATCH', path: L7(2), taskError: 'Octavia said no' });
    const r = await gcore('PATCH', l7Path(2), { action: 'REDIRECT_PREFIX', redirect_prefix: 'https://other.example' });
    const task = await waitForTask(r.body.tasks[0]);
    expect(task).toMatchObject({ state: 'ERROR', error: 'Octavia said no', finished_on: expect.stringMatching(NAIVE_UTC) });
    expect((await gcore('GET', l7Path(2))).body).toMatchObject({
      redirect_prefix: 'https://example.com/v2',
      provisioning_status: 'ACTIVE',
      task_id: null,
    });
  });

  it('extraTasks answers several tasks; only the last fails; unlock when all end', async () => {
    await control('POST', '/faults', { method: 'PATCH', path: L7(5), extraTasks: 2, taskError: 'boom' });
    const r = await gcore('PATCH', l7Path(5), { action: 'REJECT', name: 'renamed' });
    expect(r.body.tasks).toHaveLength(3);
    const states = [];
    for (const id of r.body.tasks) states.push((await waitForTask(id)).state);
    expect(states).toEqual(['FINISHED', 'FINISHED', 'ERROR']);
    expect((await gcore('GET', l7Path(5))).body).toMatchObject({ name: 'policy-5', task_id: null });

    await control('POST', '/faults', { method: 'PATCH', path: L7(5), extraTasks: 1 });
    const ok = await gcore('PATCH', l7Path(5), { action: 'REJECT', name: 'renamed' });
    expect(ok.body.tasks).toHaveLength(2);
    for (const id of ok.body.tasks) await waitForTask(id);
    expect((await gcore('GET', l7Path(5))).body.name).toBe('renamed');
  });

  it('a 429 fault answers TooManyRequests with Retry-After, once', async () => {
    await control('POST', '/faults', { path: '/cloud/v1/l7policies', status: 429, headers: { 'Retry-After': '1' } });
    const r = await gcore('GET', l7Path(1));
    expect(r.status).toBe(429);
    expect(r.headers.get('retry-after')).toBe('1');
    expect(r.body).toMatchObject({ exception_class: 'TooManyRequests', request_id: expect.any(String) });
    expect((await gcore('GET', l7Path(1))).status).toBe(200);
  });

  it('a hang fault never answers; the next request is normal', async () => {
    await control('POST', '/faults', { method: 'GET', path: L7(1), hang: true });
    await expect(call('GET', l7Path(1), { headers: GCORE, signal: AbortSignal.timeout(150) })).rejects.toThrow();
    expect((await gcore('GET', l7Path(1))).status).toBe(200);
  });

  it('latencyMs delays every provider request but not control ones', async () => {
    await control('PATCH', '/config', { latencyMs: 100 });
    let t0 = Date.now();
    await control('GET', '/config');
    expect(Date.now() - t0).toBeLessThan(90);
    t0 = Date.now();
    expect((await gcore('GET', l7Path(1))).status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(95);
  });

  it('a delay fault delays the answer', async () => {
    await control('POST', '/faults', { path: '/cloud/v1/tasks', delayMs: 120, count: -1 });
    const t0 = Date.now();
    const r = await gcore('GET', '/cloud/v1/tasks/00000000-0000-4000-8000-000000000000');
    expect(r.status).toBe(404);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(110);
  });
});

describe('Gcore load balancers', () => {
  it('merge-patches tags, keeps read-only ones and removes all user tags on tags:null', async () => {
    const r = await gcore('PATCH', lbPath, { tags: { env: 'stage', team: 'web', 'managed-by': 'me' }, name: 'lb-web-2' });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ name: 'lb-web-2', task_id: null, provisioning_status: 'ACTIVE' });
    expect(r.body.tags_v2).toEqual([
      { key: 'managed-by', value: 'gcore', read_only: true },
      { key: 'env', value: 'stage', read_only: false },
      { key: 'team', value: 'web', read_only: false },
    ]);
    const removed = await gcore('PATCH', lbPath, { tags: { team: null } });
    expect(removed.body.tags_v2.map((t: Json) => t.key)).toEqual(['managed-by', 'env']);
    const cleared = await gcore('PATCH', lbPath, { tags: null });
    expect(cleared.body.tags_v2).toEqual([{ key: 'managed-by', value: 'gcore', read_only: true }]);
  });

  it('validates the v1 body', async () => {
    const r = await gcore('PATCH', lbPath, { admin_state_up: false, preferred_connectivity: 'L4' });
    expect(r.status).toBe(400);
    expect(Object.keys(r.body.invalid_fields).sort()).toEqual(['admin_state_up', 'preferred_connectivity']);
    expect(r.body.invalid_fields.admin_state_up).toEqual(['Unknown field.']);
  });

  it('GET has the required and optional fields', async () => {
    const lb = (await gcore('GET', lbPath)).body;
    for (const key of [
      'id',
      'admin_state_up',
      'created_at',
      'name',
      'operating_status',
      'project_id',
      'provisioning_status',
      'region',
      'region_id',
      'tags_v2',
      'logging',
      'preferred_connectivity',
      'listeners',
      'vip_address',
      'vip_port_id',
      'task_id',
      'creator_task_id',
      'updated_at',
    ]) {
      expect(lb).toHaveProperty(key);
    }
    expect(lb.logging).toEqual({ enabled: false, topic_name: null, destination_region_id: null, retention_policy: null });
  });

  it('lbTask fault: applies at once, answers task_id and locks until the task ends', async () => {
    await control('PATCH', '/config', { taskDurationMs: LOCKED_TASK_MS }); // still running at the next request on a busy machine
    await control('POST', '/faults', { method: 'PATCH', path: LB_WEB, lbTask: true });
    const r = await gcore('PATCH', lbPath, { preferred_connectivity: 'L3', logging: { enabled: true, topic_name: 'lb-logs' } });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ preferred_connectivity: 'L3', provisioning_status: 'PENDING_UPDATE', task_id: expect.any(String) });
    expect(r.body.logging).toEqual({ enabled: true, topic_name: 'lb-logs', destination_region_id: null, retention_policy: null });
    const locked = await gcore('PATCH', lbPath, { name: 'x-lb' });
    expect(locked.status).toBe(409);
    expect(locked.body.exception_class).toBe('ConflictError');
    const task = await waitForTask(r.body.task_id);
    expect(task).toMatchObject({ state: 'FINISHED', task_type: 'update_loadbalancer' });
    expect((await gcore('GET', lbPath)).body).toMatchObject({ task_id: null, provisioning_status: 'ACTIVE', preferred_connectivity: 'L3' });
  });

  it('lbPatchCreatesTask config does the same for every v1 PATCH', async () => {
    await control('PATCH', '/config', { lbPatchCreatesTask: true });
    const r = await gcore('PATCH', lbPath, { name: 'lb-web-3' });
    expect(r.body.task_id).toEqual(expect.any(String));
  });

  it('v2 PATCH answers tasks and applies at FINISHED', async () => {
    await control('PATCH', '/config', { taskDurationMs: LOCKED_TASK_MS }); // still running at the next request on a busy machine
    const r = await gcore('PATCH', `/cloud/v2/loadbalancers/1/76/${LB_WEB}`, { admin_state_up: false, name: 'lb-v2' });
    expect(r.status).toBe(200);
    expect(r.body.tasks).toHaveLength(1);
    expect((await gcore('GET', lbPath)).body).toMatchObject({ name: 'lb-web', admin_state_up: true, provisioning_status: 'PENDING_UPDATE' });
    await waitForTask(r.body.tasks[0]);
    expect((await gcore('GET', lbPath)).body).toMatchObject({ name: 'lb-v2', admin_state_up: false, task_id: null });
  });
});

describe('Apinizer', () => {
  it('lists policies in the three modes', async () => {
    const status = await apinizer('GET', `${petstore}/`);
    expect(status.body).toMatchObject({ status: 'SUCCESS', resultCount: 1 });
    const proxy = status.body.resultList[0];
    expect(names(proxy.requestPolicyList)).toEqual(['rate-limit', 'ip-blacklist', 'spare-1', 'spare-2', 'spare-3', 'spare-4', 'spare-5', 'spare-6']);
    expect(proxy.requestPolicyList[0]).toMatchObject({ type: 'policy-api-based-throttling', messageCountForInterval: 100, throttlingInterval: 'ONE_MINUTE' });
    expect(proxy.endpointList[0].requestPolicyList[0]).toMatchObject({ name: 'pets-script', scriptLanguage: 'GROOVY' });

    await control('PATCH', '/config', { apinizerListMode: 'success' });
    const success = await apinizer('GET', `${petstore}/`);
    expect(success.body.success).toBe(true);
    expect(success.body.resultList[0].apiProxy.responsePolicyList[0]).toMatchObject({ name: 'max-size', maxMessageSize: 1048576 });

    await control('PATCH', '/config', { apinizerListMode: 'summary' });
    const summary = await apinizer('GET', `${petstore}/`);
    expect(summary.body.status).toBe('SUCCESS');
    expect(summary.body.resultList[0].requestPolicyList[0]).toEqual({
      name: 'rate-limit',
      type: 'policy-api-based-throttling',
      active: true,
      description: '100 per minute per client IP',
    });
  });

  it('answers 404 for an unknown proxy and 401 without or with a bad token', async () => {
    const r = await apinizer('GET', '/apiops/projects/demo/apiProxies/nope/policies/');
    expect(r.status).toBe(404);
    expect(r.body).toEqual({ error: 'not_found', error_description: 'ApiProxy (name: nope) was not found!' });
    const none = await call('GET', `${petstore}/`);
    expect(none.status).toBe(401);
    expect(none.body.error).toBe('invalid_token');
    const bad = await call('GET', `${petstore}/`, { headers: { authorization: 'Bearer nope' } });
    expect(bad.body.error).toBe('invalid_token');
    const health = await call('GET', '/apiops/test/healthcheck');
    expect(health.status).toBe(200);
    expect(health.body).toBe('OK');
  });

  const throttlingPolicy = (count: number): Json => ({
    name: 'ignored-name',
    type: 'policy-api-based-throttling',
    description: 'changed',
    active: true,
    policyCondition: { conditionRuleList: [] },
    targetVariableForIdentity: { name: 'clientIp', type: 'CONTEXT_VALUES', contextValue: 'REQUEST_REMOTE_ADDRESS' },
    messageCountForInterval: count,
    throttlingInterval: 'ONE_MINUTE',
  });

  it('PUT moves a policy from ALL to ENDPOINT (full replace)', async () => {
    const r = await apinizer('PUT', `${petstore}/rate-limit/`, {
      operationMetadata: { targetScope: 'ENDPOINT', targetEndpoint: '/pets', targetEndpointHTTPMethod: 'GET', targetPipeline: 'REQUEST', deploy: false },
      policy: throttlingPolicy(5),
    });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ status: 'SUCCESS' });
    const proxy = await petstoreState();
    expect(names(proxy.requestPolicyList)).not.toContain('rate-limit');
    const endpointPolicies = proxy.endpointList[0].requestPolicyList;
    expect(names(endpointPolicies)).toEqual(['pets-script', 'rate-limit']);
    expect(endpointPolicies[1]).toEqual({ ...throttlingPolicy(5), name: 'rate-limit' });
  });

  it('PUT moves a policy to another pipeline', async () => {
    const r = await apinizer('PUT', `${petstore}/ip-blacklist/`, {
      operationMetadata: { targetScope: 'ALL', targetPipeline: 'RESPONSE', deploy: false },
      policy: { type: 'policy-black-ip', ipList: ['198.51.100.1'] },
    });
    expect(r.status).toBe(200);
    const proxy = await petstoreState();
    expect(names(proxy.requestPolicyList)).not.toContain('ip-blacklist');
    expect(names(proxy.responsePolicyList)).toEqual(['max-size', 'ip-blacklist']);
    expect(proxy.responsePolicyList[1]).toMatchObject({ ipList: ['198.51.100.1'], active: true, policyCondition: { conditionRuleList: [] } });
  });

  it('PUT order: null keeps the index, n places at n-1, large goes last, 0 is rejected', async () => {
    const put = (name: string, order: number | null): Promise<Answer> =>
      apinizer('PUT', `${petstore}/${name}/`, {
        operationMetadata: { targetScope: 'ALL', targetPipeline: 'REQUEST', deploy: false, order },
        policy: throttlingPolicy(10),
      });
    expect((await put('spare-3', null)).status).toBe(200);
    expect(names((await petstoreState()).requestPolicyList).indexOf('spare-3')).toBe(4);
    expect((await put('spare-3', 1)).status).toBe(200);
    expect(names((await petstoreState()).requestPolicyList)[0]).toBe('spare-3');
    expect((await put('spare-4', 99)).status).toBe(200);
    expect(names((await petstoreState()).requestPolicyList).at(-1)).toBe('spare-4');
    const zero = await put('spare-5', 0);
    expect(zero.status).toBe(400);
    expect(zero.body.error).toBe('bad_request');
    expect(zero.body.validation_errors).toEqual([{ field: 'operationMetadata.order', message: expect.any(String) }]);
  });

  it('PUT rejects a type change, a missing required field, an unknown policy and a bad endpoint', async () => {
    const md = { targetScope: 'ALL', targetPipeline: 'REQUEST', deploy: false };
    const typeChange = await apinizer('PUT', `${petstore}/rate-limit/`, { operationMetadata: md, policy: { type: 'policy-black-ip', ipList: ['1.2.3.4'] } });
    expect(typeChange.status).toBe(400);
    expect(typeChange.body.validation_errors[0].field).toBe('policy.type');

    const { messageCountForInterval: _dropped, ...incomplete } = throttlingPolicy(1);
    const missing = await apinizer('PUT', `${petstore}/rate-limit/`, { operationMetadata: md, policy: incomplete });
    expect(missing.status).toBe(400);
    expect(missing.body.validation_errors).toEqual([{ field: 'policy.messageCountForInterval', message: expect.any(String) }]);

    const unknown = await apinizer('PUT', `${petstore}/no-such/`, { operationMetadata: md, policy: throttlingPolicy(1) });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error_description).toBe('Policy (name: no-such) does not exist');

    const badEndpoint = await apinizer('PUT', `${petstore}/rate-limit/`, {
      operationMetadata: { ...md, targetScope: 'ENDPOINT', targetEndpoint: '/cats', targetEndpointHTTPMethod: 'GET' },
      policy: throttlingPolicy(1),
    });
    expect(badEndpoint.status).toBe(400);
    const noMethod = await apinizer('PUT', `${petstore}/rate-limit/`, {
      operationMetadata: { ...md, targetScope: 'ENDPOINT', targetEndpoint: '/pets' },
      policy: throttlingPolicy(1),
    });
    expect(noMethod.status).toBe(400);
    expect((await petstoreState()).requestPolicyList[0].messageCountForInterval).toBe(100);
  });

  it('deploys by default and reports a failed env in the detailList shape (policy still saved)', async () => {
    const r = await apinizer('PUT', `${petstore}/spare-1/`, {
      operationMetadata: { targetScope: 'ALL', targetPipeline: 'REQUEST', deployTargetEnvironmentNameList: ['dev', 'qa'] },
      policy: throttlingPolicy(42),
    });
    expect(r.status).toBe(200);
    expect(r.body.status).toBe('SUCCESS');
    expect(r.body.deploymentResult).toMatchObject({ success: false, responseTime: expect.any(Number) });
    expect(r.body.deploymentResult.detailList).toEqual([
      expect.objectContaining({ envName: 'dev', success: true, podName: expect.any(String), podIp: expect.any(String) }),
      expect.objectContaining({ envName: 'qa', success: false }),
    ]);
    expect((await petstoreState()).requestPolicyList[2].messageCountForInterval).toBe(42);
  });

  it('reports deploymentResults shape with a deployFailEnvs fault over all envs', async () => {
    await control('PATCH', '/config', { apinizerDeployShape: 'deploymentResults' });
    await control('POST', '/faults', { method: 'PUT', path: '/policies/spare-2', deployFailEnvs: ['prod'] });
    const r = await apinizer('PUT', `${petstore}/spare-2/`, {
      operationMetadata: { targetScope: 'ALL', targetPipeline: 'REQUEST', deploy: true, deployTargetEnvironmentNameList: [] },
      policy: throttlingPolicy(7),
    });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      success: true,
      deploymentResult: {
        success: false,
        deploymentResults: [
          { environmentName: 'dev', success: true, message: expect.any(String) },
          { environmentName: 'prod', success: false, message: expect.any(String) },
        ],
      },
    });
    expect((await petstoreState()).requestPolicyList[3].messageCountForInterval).toBe(7);
  });

  it('adds and deletes policies', async () => {
    const md = { targetScope: 'ENDPOINT', targetEndpoint: '/pets/{id}', targetEndpointHTTPMethod: 'DELETE', targetPipeline: 'REQUEST', deploy: false };
    const add = await apinizer('POST', `${petstore}/${encodeURIComponent('block list')}/`, {
      operationMetadata: md,
      policy: { type: 'policy-white-ip', ipList: ['10.0.0.0/8'] },
    });
    expect(add.status).toBe(200);
    expect(names((await petstoreState()).endpointList[1].requestPolicyList)).toEqual(['block list']);
    expect(
      (await apinizer('POST', `${petstore}/block%20list/`, { operationMetadata: md, policy: { type: 'policy-white-ip', ipList: ['1.1.1.1'] } })).status,
    ).toBe(400);
    const wrongPlace = await apinizer('DELETE', `${petstore}/block%20list/`, {
      operationMetadata: { targetScope: 'ALL', targetPipeline: 'REQUEST', deploy: false },
    });
    expect(wrongPlace.status).toBe(400);
    const { deploy: _noDeploy, ...deployByDefault } = md;
    const del = await apinizer('DELETE', `${petstore}/Block%20List/`, { operationMetadata: deployByDefault });
    expect(del.status).toBe(200);
    expect(del.body.deploymentResult.success).toBe(true);
    expect((await petstoreState()).endpointList[1].requestPolicyList).toEqual([]);
  });

  it('exchanges credentials for a token that expires', async () => {
    // long enough for the token's first use to come before it expires on a busy machine; its expiry is then awaited
    await control('PATCH', '/config', { apinizerTokenTtlS: 1.5 });
    const form = (body: string): Promise<Answer> =>
      call('POST', '/apiops/auth/token', { headers: { 'content-type': 'application/x-www-form-urlencoded' }, raw: body });
    const badGrant = await form('grant_type=password&client_id=sandbox&client_secret=sandbox-password');
    expect(badGrant.status).toBe(400);
    expect(badGrant.body.error).toBe('unsupported_grant_type');
    const badCreds = await form('grant_type=client_credentials&client_id=sandbox&client_secret=nope');
    expect(badCreds.status).toBe(401);
    expect(badCreds.body).toEqual({ error: 'unauthorized_client', error_description: 'Bad credentials' });

    const ok = await form('grant_type=client_credentials&client_id=sandbox&client_secret=sandbox-password');
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ access_token: expect.any(String), token_type: 'Bearer', expires_in: 1.5 });
    const auth = { authorization: `Bearer ${ok.body.access_token}` };
    expect((await call('GET', `${petstore}/`, { headers: auth })).status).toBe(200);
    const expired = await waitFor(async () => {
      const res = await call('GET', `${petstore}/`, { headers: auth });
      return res.status === 401 ? res : undefined;
    });
    expect(expired.body.error).toBe('token_expired');
  });

  it('a 429 fault answers rate_limit_exceeded with retry_after', async () => {
    await control('POST', '/faults', { path: '/apiops/projects', status: 429, headers: { 'Retry-After': '3' } });
    const r = await apinizer('GET', `${petstore}/`);
    expect(r.status).toBe(429);
    expect(r.headers.get('retry-after')).toBe('3');
    expect(r.body).toEqual({ error: 'rate_limit_exceeded', error_description: expect.any(String), retry_after: 3 });
  });
});

describe("Apinizer strict mode (the references' least favourable reading)", () => {
  beforeEach(async () => {
    expect((await control('PATCH', '/config', { strict: true })).status).toBe(200);
  });

  it('lists summaries without names by default (crud page example); an explicit list mode still wins', async () => {
    const r = await apinizer('GET', `${petstore}/`);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ status: 'SUCCESS', resultCount: 1 });
    const proxy = r.body.resultList[0];
    expect(proxy.requestPolicyList[0]).toEqual({ type: 'policy-api-based-throttling', active: true, description: '100 per minute per client IP' });
    expect(proxy.endpointList[0].requestPolicyList).toEqual([{ type: 'policy-script', active: true, description: 'Adds X-Sandbox' }]);
    expect(JSON.stringify(proxy)).not.toContain('rate-limit');

    await control('PATCH', '/config', { apinizerListMode: 'status' });
    expect((await apinizer('GET', `${petstore}/`)).body.resultList[0].requestPolicyList[0]).toMatchObject({ name: 'rate-limit', messageCountForInterval: 100 });
    await control('PATCH', '/config', { apinizerListMode: 'summary-nameless', strict: false });
    expect((await apinizer('GET', `${petstore}/`)).body.resultList[0].requestPolicyList[0]).not.toHaveProperty('name');
    await control('PATCH', '/config', { apinizerListMode: 'auto' });
    expect((await apinizer('GET', `${petstore}/`)).body.resultList[0].requestPolicyList[0]).toHaveProperty('name', 'rate-limit');
  });

  it('answers every 401 with unauthorized_client (missing, unknown and expired tokens)', async () => {
    await control('PATCH', '/config', { apinizerTokenTtlS: 1.5 }); // the token's first use comes before it expires
    const none = await call('GET', `${petstore}/`);
    expect(none.status).toBe(401);
    expect(none.body).toEqual({ error: 'unauthorized_client', error_description: expect.any(String) });
    const bad = await call('GET', `${petstore}/`, { headers: { authorization: 'Bearer nope' } });
    expect([bad.status, bad.body.error]).toEqual([401, 'unauthorized_client']);
    const token = await call('POST', '/apiops/auth/token', {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      raw: 'grant_type=client_credentials&client_id=sandbox&client_secret=sandbox-password',
    });
    const usable = await call('GET', `${petstore}/`, { headers: { authorization: `Bearer ${token.body.access_token}` } });
    expect(usable.status).toBe(200);
    // the token expires 1.5 s after it was issued: wait for that, then every answer is the strict 401
    const expired = await waitFor(
      async () => {
        const res = await call('GET', `${petstore}/`, { headers: { authorization: `Bearer ${token.body.access_token}` } });
        return res.status === 401 ? res : undefined;
      },
      10_000,
      20,
      'the token to expire',
    );
    expect(expired.body.error).toBe('unauthorized_client');
  });

  const throttling = {
    type: 'policy-api-based-throttling',
    targetVariableForIdentity: { type: 'HEADER', headerName: 'X' },
    messageCountForInterval: 3,
    throttlingInterval: 'ONE_HOUR',
  };

  it.each([
    ['missing', {}],
    ['empty', { deployTargetEnvironmentNameList: [] }],
  ])('deploy: true with the environment list %s deploys nowhere: no deploymentResult (detailList shape), saved', async (_name, envs) => {
    const r = await apinizer('PUT', `${petstore}/spare-1/`, {
      operationMetadata: { targetScope: 'ALL', targetPipeline: 'REQUEST', deploy: true, ...envs },
      policy: throttling,
    });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ status: 'SUCCESS' });
    expect((await petstoreState()).requestPolicyList[2].messageCountForInterval).toBe(3);
  });

  it('deploy: true with no environments answers an empty deploymentResults list in that shape; named environments deploy as usual', async () => {
    await control('PATCH', '/config', { apinizerDeployShape: 'deploymentResults' });
    const md = { targetScope: 'ALL', targetPipeline: 'REQUEST', deploy: true };
    const nowhere = await apinizer('PUT', `${petstore}/spare-1/`, { operationMetadata: md, policy: throttling });
    expect(nowhere.body).toEqual({ success: true, deploymentResult: { success: true, deploymentResults: [] } });
    const dev = await apinizer('PUT', `${petstore}/spare-1/`, { operationMetadata: { ...md, deployTargetEnvironmentNameList: ['dev'] }, policy: throttling });
    expect(dev.body.deploymentResult.deploymentResults).toEqual([{ environmentName: 'dev', success: true, message: expect.any(String) }]);
  });

  it('accepts a policy-script without executionType (update-policy.md example 4); the friendly mode requires it', async () => {
    const body = {
      operationMetadata: { targetScope: 'ENDPOINT', targetEndpoint: '/pets', targetEndpointHTTPMethod: 'GET', targetPipeline: 'REQUEST', deploy: false },
      policy: { type: 'policy-script', scriptLanguage: 'GROOVY', scriptBody: 'x()' },
    };
    expect((await apinizer('PUT', `${petstore}/pets-script/`, body)).status).toBe(200);
    expect((await petstoreState()).endpointList[0].requestPolicyList[0]).not.toHaveProperty('executionType');
    await control('PATCH', '/config', { strict: false });
    const friendly = await apinizer('PUT', `${petstore}/pets-script/`, body);
    expect(friendly.status).toBe(400);
    expect(friendly.body.validation_errors).toEqual([{ field: 'policy.executionType', message: expect.any(String) }]);
  });

  it.each<[string, string, number]>([
    ['GET', `${petstore}/`, 200],
    ['GET', petstore, 404],
    ['GET', `${petstore}//`, 404],
    ['PUT', `${petstore}/rate-limit`, 404],
    ['GET', '/apiops/projects/', 200],
    ['GET', '/apiops/projects', 404],
    ['GET', '/apiops/projects/demo/apiProxies/', 200],
    ['GET', '/apiops/projects/demo/apiProxies', 404],
    ['GET', '/apiops/environments/demo', 200],
    ['GET', '/apiops/environments/demo/', 404],
    ['GET', '/apiops/test/healthcheck', 200],
    ['GET', '/apiops/test/healthcheck/', 404],
    ['POST', '/apiops/auth/token/', 404],
    ['POST', '/apiops/projects/demo/apiProxies/petstore/environments/dev/', 200],
    ['POST', '/apiops/projects/demo/apiProxies/petstore/environments/dev', 404],
  ])('exact paths: %s %s → %i', async (method, path, status) => {
    const r = await call(method, path, {
      headers: APINIZER,
      json: method === 'PUT' ? { operationMetadata: { targetScope: 'ALL', targetPipeline: 'REQUEST', deploy: false }, policy: throttling } : undefined,
    });
    expect(r.status).toBe(status);
    if (status === 404) expect(r.body).toEqual({ error: 'not_found', error_description: expect.stringContaining(path) });
  });

  it('exact paths follow the strict switch at run time (the friendly mode tolerates a missing slash)', async () => {
    expect((await apinizer('GET', petstore)).status).toBe(404);
    await control('PATCH', '/config', { strict: false });
    expect((await apinizer('GET', petstore)).status).toBe(200);
    expect((await call('GET', '/apiops/test/healthcheck/')).status).toBe(200);
  });
});

describe("Gcore strict mode (the references' least favourable reading)", () => {
  beforeEach(async () => {
    expect((await control('PATCH', '/config', { strict: true })).status).toBe(200);
  });

  it('an L7 PATCH that changes nothing answers {tasks: []} and creates no task; a real change still answers a task', async () => {
    const current = (await gcore('GET', l7Path(1))).body;
    const same = await gcore('PATCH', l7Path(1), { action: current.action, redirect_url: current.redirect_url, tags: current.tags, name: current.name });
    expect([same.status, same.body]).toEqual([200, { tasks: [] }]);
    expect((await gcore('GET', l7Path(1))).body).toMatchObject({ task_id: null, provisioning_status: 'ACTIVE' });
    const changed = await gcore('PATCH', l7Path(1), { action: current.action, redirect_url: current.redirect_url, name: 'renamed' });
    expect(changed.body.tasks).toHaveLength(1);
    await control('PATCH', '/config', { strict: false });
    expect((await gcore('PATCH', l7Path(6), { action: 'REJECT' })).body.tasks).toHaveLength(1); // friendly: a task even for a no-op
  });

  it('a new task answers 404 NotFoundError (and is not listed) for taskVisibilityDelayMs, then shows', async () => {
    await control('PATCH', '/config', { taskVisibilityDelayMs: 200, taskDurationMs: 1000 });
    const [id] = (await gcore('PATCH', l7Path(6), { action: 'REJECT', name: 'hidden-task' })).body.tasks;
    const early = await gcore('GET', `/cloud/v1/tasks/${id}`);
    expect(early.status).toBe(404);
    expect(early.body).toEqual({ exception_class: 'NotFoundError', message: `Task ${id} not found.`, request_id: expect.any(String) });
    const listed = async () =>
      (await gcore('GET', '/cloud/v1/tasks?project_id=1&region_id=76&state=NEW&state=RUNNING&limit=1000')).body.results.map((t: Json) => t.id);
    expect(await listed()).not.toContain(id);
    expect((await control('GET', `/tasks/${id}`)).status).toBe(200); // the control API always sees it
    const shown = await waitFor(
      async () => {
        const res = await gcore('GET', `/cloud/v1/tasks/${id}`);
        return res.status === 200 ? res : undefined;
      },
      10_000,
      20,
      'the task to become visible',
    );
    expect(shown.body).toMatchObject({ id, state: 'RUNNING' });
    expect(await listed()).toContain(id);
  });

  it('tasks are invisible for a moment by default in strict mode only', async () => {
    const [id] = (await gcore('PATCH', l7Path(6), { action: 'REJECT', name: 'strict-default' })).body.tasks;
    expect((await gcore('GET', `/cloud/v1/tasks/${id}`)).status).toBe(404);
    await control('PATCH', '/config', { strict: false });
    expect((await gcore('GET', `/cloud/v1/tasks/${id}`)).status).toBe(200);
  });

  it.each<[string, string]>([
    ['GET', `${l7Path(1)}/`],
    ['GET', '/cloud/v1/l7policies/1/76/'],
    ['GET', '/cloud/v1/l7policies/1//76'],
    ['PATCH', `${l7Path(1)}/`],
    ['PATCH', `${lbPath}/`],
    ['GET', '/cloud/v1/tasks/'],
  ])('exact paths: %s %s (extra slash) → 404 NotFoundError', async (method, path) => {
    const r = await gcore(method, path, method === 'PATCH' ? { action: 'REJECT' } : undefined);
    expect(r.status).toBe(404);
    expect(r.body).toEqual({ exception_class: 'NotFoundError', message: 'Not found.', request_id: expect.any(String) });
  });

  it('exact Gcore paths follow the strict switch at run time', async () => {
    expect((await gcore('GET', `${l7Path(1)}/`)).status).toBe(404);
    expect((await gcore('GET', l7Path(1))).status).toBe(200);
    await control('PATCH', '/config', { strict: false });
    expect((await gcore('GET', `${l7Path(1)}/`)).status).toBe(200);
  });

  it('faults answer any status and body: a 200 L7 PATCH without tasks, a 501 or 505 on any route', async () => {
    await control('POST', '/faults', { method: 'PATCH', path: L7(2), status: 200, body: { id: L7(2) } });
    expect(await gcore('PATCH', l7Path(2), { action: 'REJECT' })).toMatchObject({ status: 200, body: { id: L7(2) } });
    await control('POST', '/faults', { path: '/cloud/v1/loadbalancers', status: 501, count: 1 });
    expect(await gcore('GET', lbPath)).toMatchObject({ status: 501, body: { exception_class: 'HTTPError', message: '501 Not Implemented' } });
    await control('POST', '/faults', { path: '/cloud/v1/tasks', status: 505, count: 1 });
    expect((await gcore('GET', '/cloud/v1/tasks/00000000-0000-4000-8000-000000000000')).status).toBe(505);
  });
});

describe('control API', () => {
  it('counts provider requests but not control ones', async () => {
    await control('DELETE', '/requests');
    await gcore('GET', l7Path(1));
    await gcore('GET', `${l7Path(1)}?x=1`);
    await call('GET', l7Path(1));
    await apinizer('GET', `${petstore}/`);
    const r = await control('GET', '/requests');
    expect(r.body.counts).toEqual({
      [`GET ${l7Path(1)}`]: 3,
      [`GET ${petstore}/`]: 1,
    });
    expect(r.body.log.map((e: Json) => e.status)).toEqual([200, 200, 401, 200]);
    expect(r.body.log[0]).toEqual({ method: 'GET', path: l7Path(1), status: 200, at: expect.any(Number) });
  });

  it('reset restores state and config', async () => {
    await control('PATCH', '/config', { latencyMs: 5, apinizerListMode: 'summary' });
    await gcore('PATCH', lbPath, { name: 'changed' });
    await control('POST', '/faults', { path: '/x', status: 500, count: -1 });
    await control('POST', '/reset');
    expect((await control('GET', '/config')).body).toMatchObject({ latencyMs: 0, apinizerListMode: 'auto', taskDurationMs: 150 });
    expect((await gcore('GET', lbPath)).body.name).toBe('lb-web');
    expect((await control('GET', '/faults')).body.faults).toEqual([]);
    expect(sbx.config.apinizerListMode).toBe('auto');
  });

  it('rejects a bad config patch and a bad fault', async () => {
    expect((await control('PATCH', '/config', { apinizerListMode: 'nope' })).status).toBe(400);
    expect((await control('POST', '/faults', { status: 500 })).status).toBe(400);
    const created = await control('POST', '/faults', { path: '/x', status: 503 });
    expect(created.status).toBe(201);
    expect(created.body.id).toEqual(expect.any(String));
  });

  it('uses a random duration in [min, max] when both are set', async () => {
    await control('PATCH', '/config', { taskDurationMinMs: 50, taskDurationMaxMs: 80 });
    const r = await gcore('PATCH', l7Path(6), { action: 'REJECT' });
    const ctl = (await control('GET', `/tasks/${r.body.tasks[0]}`)).body;
    expect(ctl.durationMs).toBeGreaterThanOrEqual(50);
    expect(ctl.durationMs).toBeLessThanOrEqual(80);
  });
});
