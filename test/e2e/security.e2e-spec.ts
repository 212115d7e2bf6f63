import { API_KEY, Harness, READ_KEY, auth, l7Target, startHarness } from '../support/harness';

describe('security: rate limits per key, security headers, CORS allowlist, admin queue board', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ withWorker: false, env: { RATE_LIMIT_PER_MINUTE: '5', CORS_ORIGINS: 'https://console.internal.example' } });
  });
  afterAll(async () => {
    await h.close();
  });

  it('limits each API key separately and answers 429 problem+json with Retry-After', async () => {
    const statuses: number[] = [];
    let limited: { headers: Record<string, string>; body: unknown } | undefined;
    for (let i = 0; i < 7; i++) {
      const res = await h.http.get('/v1/operations/op_00000000000000000000000000').set(auth(READ_KEY));
      statuses.push(res.status);
      if (res.status === 429) limited = res;
    }
    expect(statuses.slice(0, 5)).toEqual([404, 404, 404, 404, 404]);
    expect(statuses.slice(5)).toEqual([429, 429]);
    expect(limited?.headers['content-type']).toContain('application/problem+json');
    expect(Number(limited?.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited?.body).toMatchObject({ status: 429 });
    // another key still has its own budget
    const other = await h.http.get('/v1/operations/op_00000000000000000000000000').set(auth(API_KEY));
    expect(other.status).toBe(404);
    // open routes are not limited
    for (let i = 0; i < 8; i++) expect((await h.http.get('/health/live')).status).toBe(200);
  });

  it('sends security headers and allows CORS only for configured origins', async () => {
    const res = await h.http.get('/health/live').set('origin', 'https://console.internal.example');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBeDefined();
    expect(res.headers['strict-transport-security']).toBeDefined();
    expect(res.headers['access-control-allow-origin']).toBe('https://console.internal.example');
    const foreign = await h.http.get('/health/live').set('origin', 'https://evil.example');
    expect(foreign.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('serves Bull Board at /admin/queues only to keys with scope admin', async () => {
    expect((await h.http.get('/admin/queues')).status).toBe(401);
    const forbidden = await h.http.get('/admin/queues').set(auth(READ_KEY));
    expect(forbidden.status).toBe(403);
    expect(forbidden.headers['content-type']).toContain('application/problem+json');
    const ok = await h.http.get('/admin/queues').set(auth(API_KEY));
    expect(ok.status).toBe(200);
    expect(ok.text).toContain('routing-policy-gateway');
    const api = await h.http.get('/admin/queues/api/queues').set(auth(API_KEY));
    expect(api.status).toBe(200);
    expect(JSON.stringify(api.body)).toContain('provider-calls');
  });

  it('never echoes secrets: the API key is not in any response or log line', async () => {
    await h.http
      .post('/v1/routing-policy-updates')
      .set(auth())
      .send({ updates: [{ target: l7Target(1), changes: { name: 'x' } }] });
    await h.http.post('/v1/routing-policy-updates').set({ authorization: 'Bearer wrong-key-but-secret-looking' }).send({});
    expect(h.logs.join('\n')).not.toContain(API_KEY);
    expect(h.logs.join('\n')).not.toContain('wrong-key-but-secret-looking');
  });
});
