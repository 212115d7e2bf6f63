/**
 * The package itself: its sources import nothing but each other (no Node built-ins, no dependencies; only the webhook
 * verifier, its own entry point ./webhooks, imports standardwebhooks), its exports point at what the build writes, and
 * the build loads as it is: ESM by a plain `import()` (what <script type="module"> does: no bundler, no extension
 * guessing) and CJS by `require()`.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const pkgDir = join(__dirname, '..');
const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
const sources = readdirSync(__dirname).filter((f) => f.endsWith('.ts') && !f.endsWith('.spec.ts'));
const IMPORT = /(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)(['"])([^'"]+)\1/g;
/** The one dependency, and the one source that may import it (an entry point of its own: the main one stays dependency-free). */
const DEPENDENCIES_OF: Record<string, string[]> = { 'webhooks.ts': ['standardwebhooks'] };

describe('@routing-policy-gateway/client package', () => {
  it('has sources that import only each other, by .js name, and use no Node globals', () => {
    expect(sources).toEqual(expect.arrayContaining(['index.ts', 'client.ts', 'errors.ts', 'sse.ts', 'types.ts', 'schema.ts', 'events.ts', 'webhooks.ts']));
    const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
    for (const file of sources) {
      const text = readFileSync(join(__dirname, file), 'utf8');
      for (const [, , specifier] of text.matchAll(IMPORT)) {
        if (DEPENDENCIES_OF[file]?.includes(specifier)) continue;
        expect({ file, specifier, builtin: builtins.has(specifier) || specifier.startsWith('node:') }).toEqual({ file, specifier, builtin: false });
        expect({ file, specifier }).toEqual({ file, specifier: expect.stringMatching(/^\.\/[\w-]+\.js$/) });
      }
      expect({ file, nodeGlobal: /\b(?:process|Buffer|__dirname|__filename|global)\s*[.[]/.exec(text)?.[0] }).toEqual({ file, nodeGlobal: undefined });
    }
  });

  it("declares ESM, CJS and types exports (the webhook verifier its own), one dependency (the verifier's), no side effects", () => {
    expect(pkg).toMatchObject({
      name: '@routing-policy-gateway/client',
      type: 'module',
      sideEffects: false,
      exports: {
        '.': {
          import: { types: './dist/esm/index.d.ts', default: './dist/esm/index.js' },
          require: { types: './dist/cjs/index.d.ts', default: './dist/cjs/index.js' },
        },
      },
      files: expect.arrayContaining(['dist/esm', 'dist/cjs', 'README.md']),
    });
    expect(pkg.exports['./webhooks']).toEqual({
      import: { types: './dist/esm/webhooks.d.ts', default: './dist/esm/webhooks.js' },
      require: { types: './dist/cjs/webhooks.d.ts', default: './dist/cjs/webhooks.js' },
    });
    expect(pkg.dependencies).toEqual({ standardwebhooks: expect.any(String) });
    expect(pkg.peerDependencies).toBeUndefined();
    const esm = readFileSync(join(pkgDir, 'tsconfig.esm.json'), 'utf8');
    const cjs = readFileSync(join(pkgDir, 'tsconfig.cjs.json'), 'utf8');
    expect(esm).toMatch(/"outDir": "dist\/esm"/);
    expect(esm).toMatch(/"types": \[\]/); // no @types/node: a Node built-in does not compile
    expect(cjs).toMatch(/"outDir": "dist\/cjs"/);
  });

  describe('built (scripts/build.mjs into a temporary directory)', () => {
    let out: string;
    beforeAll(() => {
      out = mkdtempSync(join(tmpdir(), 'rpg-client-'));
      execFileSync(process.execPath, [join(pkgDir, 'scripts/build.mjs'), '--out', out], { stdio: 'pipe' });
    }, 120_000);
    afterAll(() => rmSync(out, { recursive: true, force: true }));

    it('writes both builds with declarations and their module types', () => {
      for (const dir of ['esm', 'cjs']) {
        const files = readdirSync(join(out, dir));
        expect(files).toEqual(expect.arrayContaining(['index.js', 'index.d.ts', 'client.js', 'client.d.ts', 'package.json']));
      }
      expect(JSON.parse(readFileSync(join(out, 'esm/package.json'), 'utf8'))).toEqual({ type: 'module' });
      expect(JSON.parse(readFileSync(join(out, 'cjs/package.json'), 'utf8'))).toEqual({ type: 'commonjs' });
      expect(readFileSync(join(out, 'esm/index.js'), 'utf8')).toMatch(/from '\.\/client\.js'/);
      expect(readFileSync(join(out, 'cjs/index.js'), 'utf8')).toMatch(/require\("\.\/client\.js"\)/);
    });

    it('loads by import() and by require(), with working functions', () => {
      const probe = (m: string) =>
        `const c = ${m}; const e = new c.GatewayError({ status: 502, problem: c.problemFrom(502, '', 'x') });` +
        `const client = c.createRoutingPolicyClient({});` +
        `console.log(JSON.stringify([typeof client.events, Object.keys(client).length, e.problem.title, c.isTerminal('ROLLED_BACK')]))`;
      const esm = execFileSync(process.execPath, ['--input-type=module', '-e', probe(`await import(${JSON.stringify(join(out, 'esm/index.js'))})`)], {
        encoding: 'utf8',
      });
      const cjs = execFileSync(process.execPath, ['-e', probe(`require(${JSON.stringify(join(out, 'cjs/index.js'))})`)], { encoding: 'utf8' });
      expect(JSON.parse(esm)).toEqual(['function', 20, 'Bad Gateway', true]);
      expect(JSON.parse(cjs)).toEqual(['function', 20, 'Bad Gateway', true]);
    });

    it('loads the webhook verifier (./webhooks) by import() and by require(), and it refuses a bad signature', () => {
      const probe = (m: string) =>
        `const w = ${m}; let refused; const at = String(Math.floor(Date.now() / 1000)); const secret = 'whsec_' + btoa('0123456789abcdef0123456789abcdef');` +
        `try { w.verifyWebhook('{}', { 'webhook-id': 'evt_1', 'webhook-timestamp': at, 'webhook-signature': 'v1,AAAA' }, secret) }` +
        `catch (e) { refused = [e.name, e.reason, w.isWebhookVerificationError(e)] }` +
        `console.log(JSON.stringify([typeof w.verifyWebhook, refused]))`;
      // the build beside a node_modules, as when installed: standardwebhooks resolves from it
      if (!existsSync(join(out, 'node_modules'))) symlinkSync(join(pkgDir, '..', '..', 'node_modules'), join(out, 'node_modules'), 'dir');
      const options = { encoding: 'utf8' as const };
      const esm = execFileSync(
        process.execPath,
        ['--input-type=module', '-e', probe(`await import(${JSON.stringify(join(out, 'esm/webhooks.js'))})`)],
        options,
      );
      const cjs = execFileSync(process.execPath, ['-e', probe(`require(${JSON.stringify(join(out, 'cjs/webhooks.js'))})`)], options);
      expect(JSON.parse(esm)).toEqual(['function', ['WebhookVerificationError', 'signature', true]]);
      expect(JSON.parse(cjs)).toEqual(['function', ['WebhookVerificationError', 'signature', true]]);
    });
  });
});
