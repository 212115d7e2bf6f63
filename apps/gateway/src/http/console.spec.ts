import Fastify, { FastifyInstance } from 'fastify';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONSOLE_CSP, serveConsole } from './console';

describe('serveConsole', () => {
  let dir: string;
  let built: FastifyInstance;
  let missing: FastifyInstance;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'console-'));
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Console</title><script type="module" src="/console/assets/main-abc.js"></script>');
    writeFileSync(join(dir, 'assets', 'main-abc.js'), 'export {};');
    built = Fastify();
    await serveConsole(built, dir);
    missing = Fastify();
    await serveConsole(missing, join(dir, 'absent'));
  });

  afterAll(async () => {
    await built.close();
    await missing.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('redirects /console to /console/ and answers the page with the strict CSP, never cached', async () => {
    const redirect = await built.inject({ method: 'GET', url: '/console' });
    expect(redirect.statusCode).toBe(301);
    expect(redirect.headers.location).toBe('/console/');
    const page = await built.inject({ method: 'GET', url: '/console/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.headers['content-security-policy']).toBe(CONSOLE_CSP);
    expect(page.headers['cache-control']).toBe('no-store');
    expect(CONSOLE_CSP).toContain("script-src 'self'");
    expect(CONSOLE_CSP).not.toContain('unsafe');
  });

  it("serves Vite's hashed assets as immutable, and nothing outside the build", async () => {
    const asset = await built.inject({ method: 'GET', url: '/console/assets/main-abc.js' });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect((await built.inject({ method: 'GET', url: '/console/../package.json' })).statusCode).toBe(404);
    expect((await built.inject({ method: 'GET', url: '/console/assets/%2e%2e/%2e%2e/etc/passwd' })).statusCode).toBeGreaterThanOrEqual(400);
  });

  it('says the console is not built (404 problem) instead of a bare 404', async () => {
    const res = await missing.inject({ method: 'GET', url: '/console/' });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json()).toMatchObject({ status: 404, detail: expect.stringContaining('npm run build') });
  });
});
