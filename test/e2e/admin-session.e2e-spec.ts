import { createServer } from 'node:http';
import request from 'supertest';
import { SignedTokenCodec } from '@rpg/common';
import { API_KEY, Harness, READ_KEY, auth, startHarness } from '../support/harness';
import { SESSION_COOKIE, SESSION_TTL_SECONDS } from '../../apps/gateway/src/security/admin-session';

/** Every request names this host, so a same-origin Origin can be written down (supertest picks a new port per request). */
const HOST = 'gateway.admin.test';
const SAME_ORIGIN = `http://${HOST}`;
const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
const FORM = 'application/x-www-form-urlencoded';
/** Anything a page could load from another host: an absolute or protocol-relative URL in href/src/url(), or Google Fonts. */
const EXTERNAL_REFERENCE = /(?:href|src)\s*=\s*["']?\s*(?:[a-z][a-z0-9+.-]*:)?\/\/|url\(\s*["']?(?:https?:)?\/\/|fonts\.googleapis|gstatic/i;

describe('admin session: a person signs in to Bull Board with an admin API key (cookie, CSP, CSRF)', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ withWorker: false });
  });
  afterAll(async () => {
    await h.close();
  });

  const setCookieOf = (res: { headers: Record<string, unknown> }): string[] => {
    const raw = res.headers['set-cookie'] as string | string[] | undefined;
    return Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  };
  const sessionValue = (res: { headers: Record<string, unknown> }): string => {
    const line = setCookieOf(res).find((c) => c.startsWith(`${SESSION_COOKIE}=`));
    expect(line).toBeDefined();
    return line!.split(';')[0].slice(SESSION_COOKIE.length + 1);
  };
  const cookie = (value: string) => ({ cookie: `${SESSION_COOKIE}=${value}`, host: HOST });
  const codec = () => h.gateway.get(SignedTokenCodec);

  async function login(key = API_KEY): Promise<string> {
    const res = await h.http
      .post('/admin/login')
      .set({ host: HOST, origin: SAME_ORIGIN, 'sec-fetch-site': 'same-origin', accept: BROWSER_ACCEPT })
      .type(FORM)
      .send({ apiKey: key });
    expect(res.status).toBe(303);
    return sessionValue(res);
  }

  const expectProblem = (res: { status: number; headers: Record<string, string>; body: any }, status: number) => {
    expect(res.status).toBe(status);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.headers['x-request-id']).toBeTruthy();
    expect(res.body).toMatchObject({ status });
    expect(JSON.stringify(res.body)).not.toMatch(/\n\s+at /);
  };

  it('serves a self-contained login page under a strict CSP', async () => {
    const res = await h.http.get('/admin/login').set({ accept: BROWSER_ACCEPT });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toContain('text/html');
    expect(res.headers['x-request-id']).toBeTruthy();
    expect(res.headers['cache-control']).toBe('no-store');
    const csp = res.headers['content-security-policy'];
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("form-action 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toMatch(/unsafe-(inline|eval)/);
    expect(res.text).toContain('<form method="post" action="/admin/login">');
    expect(res.text).toMatch(/<input[^>]*name="apiKey"[^>]*type="password"/);
    expect(res.text).not.toContain('<script');
    expect(res.text).not.toMatch(/https?:\/\//);
    expect(res.text).not.toMatch(EXTERNAL_REFERENCE);
    expect(setCookieOf(res)).toEqual([]);
  });

  it('signs in with an admin key (form or JSON): 303 to the board and a signed HttpOnly SameSite=Strict short-lived cookie', async () => {
    const res = await h.http.post('/admin/login').set({ host: HOST, origin: SAME_ORIGIN, accept: BROWSER_ACCEPT }).type(FORM).send({ apiKey: API_KEY });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/admin/queues');
    expect(res.headers['x-request-id']).toBeTruthy();
    const line = setCookieOf(res).find((c) => c.startsWith(`${SESSION_COOKIE}=`))!;
    const attributes = line
      .split(';')
      .slice(1)
      .map((a) => a.trim());
    expect(attributes).toEqual(expect.arrayContaining(['HttpOnly', 'SameSite=Strict', 'Path=/admin', `Max-Age=${SESSION_TTL_SECONDS}`]));
    expect(SESSION_TTL_SECONDS).toBeLessThanOrEqual(3600);
    expect(attributes).not.toContain('Secure'); // plain HTTP here; see the TLS case below
    const value = sessionValue(res);
    expect(value).not.toContain(API_KEY);
    expect(codec().verify(value, 'admin-session')).toMatchObject({ keyName: 'admin' });
    expect(codec().verify(value, 'stream')).toBeNull();

    const json = await h.http.post('/admin/login').set({ host: HOST, origin: SAME_ORIGIN }).send({ apiKey: API_KEY });
    expect(json.status).toBe(303);
    expect(codec().verify(sessionValue(json), 'admin-session')).toMatchObject({ keyName: 'admin' });
  });

  it('marks the cookie Secure when the request came over TLS (its set and its clearing)', async () => {
    // the gateway's own handler behind a server whose sockets report TLS, as Node's https server's do
    const fastify = h.gateway.getHttpAdapter().getInstance();
    const tls = createServer((req, res) => {
      Object.defineProperty(req.socket, 'encrypted', { value: true, configurable: true });
      fastify.server.emit('request', req, res);
    });
    try {
      const http = request(tls);
      const res = await http
        .post('/admin/login')
        .set({ host: HOST, origin: `https://${HOST}`, 'sec-fetch-site': 'same-origin' })
        .type(FORM)
        .send({ apiKey: API_KEY });
      expect(res.status).toBe(303);
      const line = setCookieOf(res).find((c) => c.startsWith(`${SESSION_COOKIE}=`))!;
      expect(line.split(';').map((a) => a.trim())).toEqual(expect.arrayContaining(['Secure', 'HttpOnly', 'SameSite=Strict', 'Path=/admin']));
      const out = await http.post('/admin/logout').set({ host: HOST, 'sec-fetch-site': 'same-origin' }).type(FORM).send('');
      expect(setCookieOf(out)).toEqual([`${SESSION_COOKIE}=; Path=/admin; Max-Age=0; HttpOnly; SameSite=Strict; Secure`]);
    } finally {
      if (tls.listening) await new Promise((resolve) => tls.close(resolve));
    }
  });

  it('opens the board with the cookie: the page loads nothing from another host, its assets and API answer', async () => {
    const session = await login();
    const page = await h.http.get('/admin/queues').set({ ...cookie(session), accept: BROWSER_ACCEPT });
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.text).toContain('routing-policy-gateway');
    expect(page.text).not.toMatch(EXTERNAL_REFERENCE);
    expect(page.text).not.toMatch(/<(?:link|script|img)\b[^>]*(?:href|src)\s*=\s*["']?(?:https?:)?\/\//i);
    const csp = page.headers['content-security-policy'];
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-eval');
    expect(csp).not.toMatch(/https?:|\*/);
    // the sign-out link is in the board's menu
    expect(page.text).toContain('/admin/logout');

    // every script and stylesheet the page names is served (to the cookie), from this origin, and itself names no other host
    const assets = [...page.text.matchAll(/(?:src|href)="(static\/[^"]+)"/g)].map((m) => m[1]);
    expect(assets.some((a) => a.endsWith('.js'))).toBe(true);
    expect(assets.some((a) => a.endsWith('.css'))).toBe(true);
    for (const asset of assets) {
      const res = await h.http.get(`/admin/queues/${asset}`).set(cookie(session)).buffer(true);
      expect(res.status).toBe(200);
      if (asset.endsWith('.css')) expect(String(res.text)).not.toMatch(/url\(\s*["']?(?:https?:)?\/\//i);
    }

    const api = await h.http.get('/admin/queues/api/queues').set(cookie(session));
    expect(api.status).toBe(200);
    expect(api.headers['content-type']).toContain('application/json');
    expect(JSON.stringify(api.body)).toContain('provider-calls');

    // a deep link of the React app is the same page
    const deep = await h.http.get('/admin/queues/queue/provider-calls').set({ ...cookie(session), accept: BROWSER_ACCEPT });
    expect(deep.status).toBe(200);
    expect(deep.text).not.toMatch(EXTERNAL_REFERENCE);
  });

  it('keeps Bearer access for API clients', async () => {
    expect((await h.http.get('/admin/queues/api/queues').set(auth(API_KEY))).status).toBe(200);
    expectProblem(await h.http.get('/admin/queues/api/queues').set(auth(READ_KEY)), 403);
    expectProblem(await h.http.get('/admin/queues/api/queues').set(auth('not-a-key-at-all')), 401);
  });

  it('sends a browser without a session to the login page, and answers anything else 401 problem+json', async () => {
    const navigation = await h.http.get('/admin/queues').set({ accept: BROWSER_ACCEPT });
    expect(navigation.status).toBe(303);
    expect(navigation.headers.location).toBe('/admin/login');
    expect(navigation.headers['x-request-id']).toBeTruthy();
    expectProblem(await h.http.get('/admin/queues'), 401);
    expectProblem(await h.http.get('/admin/queues/api/queues').set({ accept: 'application/json' }), 401);
  });

  it('refuses tampered, expired, wrong-purpose and stale-key cookies', async () => {
    const good = await login();
    const [version, claims, mac] = good.split('.');
    const forged = Buffer.from(JSON.stringify({ p: 'admin-session', n: 'admin', e: Date.now() + 3_600_000 })).toString('base64url');
    const bad: Record<string, string> = {
      'tampered mac': `${version}.${claims}.${mac.slice(0, -2)}${mac.endsWith('AA') ? 'BB' : 'AA'}`,
      'forged claims': `${version}.${forged}.${mac}`,
      expired: codec().sign({ purpose: 'admin-session', keyName: 'admin', expiresAt: Date.now() - 1000 }),
      'stream token': codec().sign({ purpose: 'stream', keyName: 'admin', expiresAt: Date.now() + 60_000, operationId: 'op_1' }),
      'key without admin scope': codec().sign({ purpose: 'admin-session', keyName: 'reader', expiresAt: Date.now() + 60_000 }),
      'removed key': codec().sign({ purpose: 'admin-session', keyName: 'ghost', expiresAt: Date.now() + 60_000 }),
      'signed with another secret': new SignedTokenCodec(Buffer.from('another-secret-another-secret-0123')).sign({
        purpose: 'admin-session',
        keyName: 'admin',
        expiresAt: Date.now() + 60_000,
      }),
      garbage: 'not-a-token',
    };
    for (const [what, value] of Object.entries(bad)) {
      const api = await h.http.get('/admin/queues/api/queues').set(cookie(value));
      expect({ what, status: api.status }).toEqual({ what, status: 401 });
      expectProblem(api, 401);
      const page = await h.http.get('/admin/queues').set({ ...cookie(value), accept: BROWSER_ACCEPT });
      expect({ what, status: page.status, location: page.headers.location }).toEqual({ what, status: 303, location: '/admin/login' });
      // the stale cookie is dropped
      expect(setCookieOf(page).some((c) => c.startsWith(`${SESSION_COOKIE}=;`) && c.includes('Max-Age=0'))).toBe(true);
    }
    // and the good one still works
    expect((await h.http.get('/admin/queues/api/queues').set(cookie(good))).status).toBe(200);
  });

  it('refuses a wrong or missing key (the page again, 401) and a key without scope admin (403), never echoing the key', async () => {
    const wrong = await h.http
      .post('/admin/login')
      .set({ host: HOST, origin: SAME_ORIGIN, accept: BROWSER_ACCEPT })
      .type(FORM)
      .send({ apiKey: 'wrong-key-0123456789' });
    expect(wrong.status).toBe(401);
    expect(wrong.headers['content-type']).toContain('text/html');
    expect(wrong.headers['content-security-policy']).toContain("default-src 'none'");
    expect(wrong.text).toContain('The API key is not valid.');
    expect(wrong.text).toContain('<form method="post" action="/admin/login">');
    expect(wrong.text).not.toContain('wrong-key-0123456789');
    expect(setCookieOf(wrong)).toEqual([]);

    const missing = await h.http.post('/admin/login').set({ host: HOST, accept: BROWSER_ACCEPT }).type(FORM).send('');
    expect(missing.status).toBe(401);
    expect(missing.text).toContain('Enter an admin API key.');
    const twice = await h.http.post('/admin/login').set({ host: HOST, accept: BROWSER_ACCEPT }).type(FORM).send(`apiKey=${API_KEY}&apiKey=${API_KEY}`);
    expect(twice.status).toBe(401);
    expect(twice.text).not.toContain(API_KEY);

    const reader = await h.http.post('/admin/login').set({ host: HOST, origin: SAME_ORIGIN, accept: BROWSER_ACCEPT }).type(FORM).send({ apiKey: READ_KEY });
    expect(reader.status).toBe(403);
    expect(reader.headers['content-type']).toContain('text/html');
    expect(reader.text).toContain('lacks the scope');
    expect(reader.text).not.toContain(READ_KEY);
    expect(setCookieOf(reader)).toEqual([]);

    // an API client (no text/html in Accept) gets problem+json
    const apiWrong = await h.http.post('/admin/login').set({ host: HOST }).send({ apiKey: 'wrong-key-0123456789' });
    expectProblem(apiWrong, 401);
    expect(JSON.stringify(apiWrong.body)).not.toContain('wrong-key-0123456789');
    expectProblem(await h.http.post('/admin/login').set({ host: HOST }).send({ apiKey: READ_KEY }), 403);
    expectProblem(await h.http.post('/admin/login').set({ host: HOST }).send({ apiKey: 42 }), 401);
  });

  it('refuses a cross-site login, logout or board change (403 problem+json), and accepts the same origin', async () => {
    const crossSite: Record<string, string>[] = [
      { origin: 'https://evil.example' },
      { origin: `https://${HOST}.evil.example` },
      { origin: 'null' },
      { 'sec-fetch-site': 'cross-site' },
      { 'sec-fetch-site': 'same-site', origin: `http://other.${HOST}` },
      { 'sec-fetch-site': 'cross-site', origin: SAME_ORIGIN },
    ];
    const session = await login();
    for (const headers of crossSite) {
      const loginRes = await h.http
        .post('/admin/login')
        .set({ host: HOST, accept: BROWSER_ACCEPT, ...headers })
        .type(FORM)
        .send({ apiKey: API_KEY });
      expectProblem(loginRes, 403);
      expect(setCookieOf(loginRes)).toEqual([]);
      const logoutRes = await h.http
        .post('/admin/logout')
        .set({ ...cookie(session), ...headers })
        .type(FORM)
        .send('');
      expectProblem(logoutRes, 403);
      expect(setCookieOf(logoutRes)).toEqual([]);
      // Bull Board's own changes (retry all failed jobs, here none) with the cookie
      expectProblem(await h.http.put('/admin/queues/api/queues/provider-calls/retry/failed').set({ ...cookie(session), ...headers }), 403);
    }
    // the same origin (as a browser sends it) may
    const same = { origin: SAME_ORIGIN, 'sec-fetch-site': 'same-origin' };
    expect((await h.http.put('/admin/queues/api/queues/provider-calls/retry/failed').set({ ...cookie(session), ...same })).status).toBe(200);
    // reads are not changes; and a Bearer key is no ambient credential
    expect((await h.http.get('/admin/queues/api/queues').set({ ...cookie(session), origin: 'https://evil.example' })).status).toBe(200);
    expect((await h.http.put('/admin/queues/api/queues/provider-calls/retry/failed').set({ ...auth(API_KEY), origin: 'https://evil.example' })).status).toBe(
      200,
    );
  });

  it('signs out: GET shows a button only, POST clears the cookie and goes back to the login page', async () => {
    const session = await login();
    const confirm = await h.http.get('/admin/logout').set({ ...cookie(session), accept: BROWSER_ACCEPT });
    expect(confirm.status).toBe(200);
    expect(confirm.text).toContain('<form method="post" action="/admin/logout">');
    expect(confirm.text).not.toMatch(EXTERNAL_REFERENCE);
    expect(setCookieOf(confirm)).toEqual([]);

    const res = await h.http
      .post('/admin/logout')
      .set({ ...cookie(session), origin: SAME_ORIGIN, 'sec-fetch-site': 'same-origin', accept: BROWSER_ACCEPT })
      .type(FORM)
      .send('');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/admin/login');
    const cleared = setCookieOf(res).find((c) => c.startsWith(`${SESSION_COOKIE}=`))!;
    expect(cleared).toMatch(new RegExp(`^${SESSION_COOKIE}=;`));
    expect(cleared).toContain('Max-Age=0');
    expect(cleared).toContain('Path=/admin');
    // the browser drops it; without it the board sends the person back to the login page
    const after = await h.http.get('/admin/queues').set({ accept: BROWSER_ACCEPT });
    expect(after.status).toBe(303);
    expect(after.headers.location).toBe('/admin/login');
  });

  it('parses a form only on the login routes, within a small limit; errors are problem+json', async () => {
    const big = await h.http
      .post('/admin/login')
      .set({ host: HOST })
      .type(FORM)
      .send(`apiKey=${'a'.repeat(8192)}`);
    expectProblem(big, 413);
    expectProblem(await h.http.post('/admin/login').set({ host: HOST, 'content-type': 'text/plain' }).send(`apiKey=${API_KEY}`), 415);
    expectProblem(await h.http.post('/admin/login').set({ host: HOST, 'content-type': 'application/json' }).send('{"apiKey":'), 400);
    // the API still takes JSON only
    const api = await h.http.post('/v1/routing-policy-updates').set(auth()).type(FORM).send('updates=1');
    expectProblem(api, 415);
    // Bull Board's own refusals are problem+json too
    const session = await login();
    expectProblem(await h.http.get('/admin/queues/api/queues/no-such-queue/1').set(cookie(session)), 404);
    expectProblem(await h.http.get('/admin/queues/static/js/no-such-file.js').set(cookie(session)), 404);
  });

  it('never logs the API key or the session cookie', async () => {
    const session = await login();
    await h.http.get('/admin/queues/api/queues').set(cookie(session));
    await h.http.post('/admin/login').set({ host: HOST, accept: BROWSER_ACCEPT }).type(FORM).send({ apiKey: 'wrong-key-but-secret-looking' });
    const logs = h.logs.join('\n');
    expect(logs).not.toContain(API_KEY);
    expect(logs).not.toContain(session.split('.')[2]);
    expect(logs).not.toContain('wrong-key-but-secret-looking');
  });
});
