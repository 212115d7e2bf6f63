import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { getPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { REDIS_URL, SEED, deleteKeys } from '../support/harness';
import { scaled } from '../support/wait';

/**
 * The built processes (`npm run build` → dist) started the way operators start them: bad configuration stops the start
 * with exactly one line on stderr naming the variable (and never a secret), an unreachable Redis says how to start one,
 * and a good configuration serves the docs and prints the dev API key.
 */
const ROOT = join(__dirname, '..', '..');
const GATEWAY = join(ROOT, 'dist/apps/gateway/src/main.js');
const WORKER = join(ROOT, 'dist/apps/worker/src/main.js');
const START_ALL = join(ROOT, 'dist/scripts/start-all.js');
const PREFIX = `boot${randomBytes(3).toString('hex')}`;
const NOWHERE = 'http://127.0.0.1:9';

function newestSourceMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSourceMtime(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** Builds once, unless dist is newer than every source file. */
function ensureBuilt(): void {
  const sources = Math.max(...['apps', 'libs', 'scripts'].map((d) => newestSourceMtime(join(ROOT, d))));
  const fresh = [GATEWAY, WORKER, START_ALL].every((f) => existsSync(f) && statSync(f).mtimeMs >= sources);
  if (fresh) return;
  const build = spawnSync('npm', ['run', 'build'], { cwd: ROOT, encoding: 'utf8', timeout: 280_000 });
  if (build.status !== 0) throw new Error(`npm run build failed (${build.status}):\n${(build.stdout + build.stderr).slice(-4000)}`);
  for (const f of [GATEWAY, WORKER, START_ALL]) if (!existsSync(f)) throw new Error(`npm run build did not produce ${f}`);
}

/** Only what we pass: no NODE_ENV=test from Jest, no developer variables. */
function cleanEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, QUEUE_PREFIX: PREFIX, WORKER_METRICS_PORT: '0', ...env };
}

const children = new Set<ChildProcess>();

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs a built main until it exits (a start that should fail must fail fast). */
function runToExit(script: string, env: Record<string, string>, timeoutMs = 20_000, cwd = ROOT): Promise<Exit> {
  timeoutMs = scaled(timeoutMs); // a ceiling for a process that never exits (TEST_TIME_SCALE)
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script], { cwd, env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${script} did not exit within ${timeoutMs} ms; stdout: ${stdout.slice(-500)} stderr: ${stderr.slice(-500)}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      children.delete(child);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

interface Running {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** The niceness of each thread of process `pid` (Linux: niceness is per thread). */
function threadNiceness(pid: number): Set<number> {
  return new Set(readdirSync(`/proc/${pid}/task`).map((tid) => getPriority(Number(tid))));
}

/** `niceness`: started under `nice -n <niceness>` (nice execs node: the child's pid is node's). */
function start(script: string, env: Record<string, string>, cwd = ROOT, niceness?: number): Running {
  const [command, args] = niceness === undefined ? [process.execPath, [script]] : ['nice', ['-n', String(niceness), process.execPath, script]];
  const child = spawn(command, args, { cwd, env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => {
      children.delete(child);
      resolve({ code, signal });
    }),
  );
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

async function waitForOutput(p: Running, pattern: RegExp, timeoutMs = 30_000): Promise<RegExpMatchArray> {
  const deadline = Date.now() + scaled(timeoutMs);
  while (Date.now() < deadline) {
    const match = p.stdout().match(pattern);
    if (match) return match;
    if (p.child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no ${pattern} in output (exit ${p.child.exitCode}); stdout: ${p.stdout().slice(-1500)} stderr: ${p.stderr().slice(-1500)}`);
}

async function stop(p: Running): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGTERM');
  const timer = setTimeout(() => p.child.kill('SIGKILL'), 10_000);
  const result = await p.exited;
  clearTimeout(timer);
  return result;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

function stderrLines(exit: Exit): string[] {
  return exit.stderr.split('\n').filter((l) => l.trim() !== '');
}

/** The JSON log lines of a process's stdout. */
function logLines(stdout: string): Array<Record<string, any>> {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l));
}

/** "shutting down" naming the signal, then "stopped" (as many as `count` processes wrote to this stdout). */
function expectShutdownLines(stdout: string, count = 1): void {
  const lines = logLines(stdout);
  const down = lines.flatMap((l, i) => (/shutting down/.test(l.msg) && l.signal === 'SIGTERM' ? [i] : []));
  const stopped = lines.flatMap((l, i) => (l.msg === 'stopped' ? [i] : []));
  expect(down).toHaveLength(count);
  expect(stopped).toHaveLength(count);
  expect(Math.min(...stopped)).toBeGreaterThan(Math.min(...down));
}

const dotenvDirs: string[] = [];
/** A fresh working directory holding only this `.env`. */
function dirWithDotenv(content: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'rpg-dotenv-'));
  writeFileSync(join(dir, '.env'), content);
  dotenvDirs.push(dir);
  return dir;
}

// [case, env, the variable the line must name (or a pattern), a secret that must not appear]
// (always 4 columns: Jest passes a done callback in place of a missing one)
const BAD_CONFIG: Array<[string, Record<string, string>, string | RegExp, string]> = [
  ['PORT=abc', { PORT: 'abc' }, /\bPORT must be an integer/, ''],
  ['PORT=70000', { PORT: '70000' }, 'PORT', ''],
  ['GCORE_TASK_POLL_INITIAL_MS=-5', { GCORE_TASK_POLL_INITIAL_MS: '-5' }, 'GCORE_TASK_POLL_INITIAL_MS', ''],
  ['GCORE_TASK_POLL_MAX_MS below the initial delay', { GCORE_TASK_POLL_INITIAL_MS: '5000', GCORE_TASK_POLL_MAX_MS: '1000' }, 'GCORE_TASK_POLL_MAX_MS', ''],
  ['API_KEYS=broken', { API_KEYS: 'broken' }, 'API_KEYS', 'broken'],
  ['NODE_ENV=production without API_KEYS', { NODE_ENV: 'production' }, 'API_KEYS', ''],
  ['WEBHOOK_RETRY_DELAYS_MS=1,x', { WEBHOOK_RETRY_DELAYS_MS: '1,x' }, 'WEBHOOK_RETRY_DELAYS_MS', ''],
  ['API_KEYS with an unknown scope', { API_KEYS: 'name:supersecretkey:nonsense-scope' }, 'API_KEYS', 'supersecretkey'],
  ['API_KEYS with a key too short', { API_KEYS: 'ci:tinykey:*' }, 'API_KEYS', 'tinykey'],
  ['API_KEYS with an empty scope list', { API_KEYS: 'web:averysecretkey99:' }, 'API_KEYS', 'averysecretkey99'],
  ['GCORE_API_KEY without GCORE_API_URL', { GCORE_API_URL: '', GCORE_API_KEY: 'gcore-token-secret-1' }, 'GCORE_API_URL', 'gcore-token-secret-1'],
  [
    'APINIZER_API_TOKEN without APINIZER_API_URL',
    { APINIZER_API_URL: '', APINIZER_API_TOKEN: 'apinizer-token-secret-1' },
    'APINIZER_API_URL',
    'apinizer-token-secret-1',
  ],
  ['INBOUND_WEBHOOK_SECRETS not whsec_', { INBOUND_WEBHOOK_SECRETS: 'ci=plain-inbound-secret' }, 'INBOUND_WEBHOOK_SECRETS', 'plain-inbound-secret'],
  ['REDIS_URL not a redis URL (with a password)', { REDIS_URL: 'http://user:hunter2pass@localhost:6379' }, 'REDIS_URL', 'hunter2pass'],
  ['LOG_LEVEL=loud', { LOG_LEVEL: 'loud' }, 'LOG_LEVEL', ''],
  ['NODE_ENV=production without SESSION_SECRET', { NODE_ENV: 'production', API_KEYS: 'ops:a-long-enough-key:*' }, 'SESSION_SECRET', ''],
  ['SESSION_SECRET too short', { SESSION_SECRET: 'short-session-secret' }, 'SESSION_SECRET', 'short-session-secret'],
  ['HOST not an address', { HOST: 'not a host!' }, 'HOST', ''],
  ['WEBHOOK_ALLOW_PRIVATE_NETWORKS=yes', { WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'yes' }, 'WEBHOOK_ALLOW_PRIVATE_NETWORKS', ''],
  ['WORKER_NICENESS=20', { WORKER_NICENESS: '20' }, 'WORKER_NICENESS', ''],
];

describe('boot: the built gateway and worker', () => {
  const redis = new Redis(REDIS_URL);

  beforeAll(() => {
    ensureBuilt();
  }, 300_000);
  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    for (const dir of dotenvDirs) rmSync(dir, { recursive: true, force: true });
    await deleteKeys(redis, `{${PREFIX}}*`);
    redis.disconnect();
  });

  describe.each([
    ['gateway', GATEWAY],
    ['worker', WORKER],
  ])('%s', (_name, script) => {
    it.each(BAD_CONFIG)('%s: exit 1 with one stderr line naming the variable', async (_case, env, variable, secret) => {
      const exit = await runToExit(script, { GCORE_API_URL: NOWHERE, APINIZER_API_URL: NOWHERE, ...env });
      expect(exit.code).toBe(1);
      const lines = stderrLines(exit);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^Invalid configuration: /);
      expect(lines[0]).toMatch(variable);
      expect(lines[0].length).toBeLessThan(300);
      expect(exit.stdout).toBe('');
      if (secret) expect(exit.stderr + exit.stdout).not.toContain(secret);
    });

    it('unreachable Redis: exit 1 with one line saying so and how to start one (password masked)', async () => {
      for (const url of ['redis://127.0.0.1:6390', 'redis://:redispass123@127.0.0.1:6390/2']) {
        const started = Date.now();
        const exit = await runToExit(script, { REDIS_URL: url, API_KEYS: 'ops:a-long-enough-key:*', GCORE_API_URL: NOWHERE, APINIZER_API_URL: NOWHERE });
        expect(exit.code).toBe(1);
        const lines = stderrLines(exit);
        expect(lines).toHaveLength(1);
        expect(lines[0]).toMatch(/Redis is not reachable at redis:\/\/.*127\.0\.0\.1:6390/);
        expect(lines[0]).toMatch(/redis-server|docker compose/);
        expect(lines[0]).toContain('REDIS_URL');
        expect(exit.stderr + exit.stdout).not.toContain('redispass123');
        expect(exit.stderr + exit.stdout).not.toContain('a-long-enough-key');
        expect(Date.now() - started).toBeLessThan(scaled(15_000));
      }
    });
  });

  it('gateway with good env (no API_KEYS, providers anywhere): prints the docs URL and a dev API key that works, then stops on SIGTERM', async () => {
    const port = await freePort();
    const p = start(GATEWAY, { PORT: String(port), GCORE_API_URL: NOWHERE, APINIZER_API_URL: NOWHERE, LOG_LEVEL: 'info' });
    try {
      const docs = await waitForOutput(p, /Docs:\s+(http:\/\/127\.0\.0\.1:(\d+)\/docs)/);
      expect(Number(docs[2])).toBe(port);
      const [, key] = await waitForOutput(p, /Dev API key: (dev_[A-Za-z0-9_-]{16,})/);
      // printed once, in the banner only: never in a log line
      expect(p.stdout().split(key).length - 1).toBe(1);

      const html = await fetch(docs[1]);
      expect(html.status).toBe(200);
      expect(html.headers.get('content-type')).toMatch(/^text\/html/);
      expect((await fetch(`http://127.0.0.1:${port}/health/ready`)).status).toBe(200);
      const spec = (await (await fetch(`http://127.0.0.1:${port}/docs-json`)).json()) as { openapi: string; paths: Record<string, unknown> };
      expect(spec.openapi).toMatch(/^3\./);
      expect(spec.paths['/v1/routing-policy-updates']).toBeDefined();
      expect((await fetch(`http://127.0.0.1:${port}/v1/webhook-subscriptions`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(200);
      const denied = await fetch(`http://127.0.0.1:${port}/v1/webhook-subscriptions`);
      expect(denied.status).toBe(401);
      expect(denied.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      // logs are JSON lines on stdout; nothing on stderr
      const logLines = p
        .stdout()
        .split('\n')
        .filter((l) => l.startsWith('{'));
      expect(logLines.length).toBeGreaterThan(0);
      for (const line of logLines) expect(() => JSON.parse(line)).not.toThrow();
      expect(p.stderr()).toBe('');
    } finally {
      const { code, signal } = await stop(p);
      expect(code === 0 || signal === 'SIGTERM').toBe(true);
    }
    expectShutdownLines(p.stdout());
  }, 60_000);

  it('gateway with API_KEYS set prints no dev key', async () => {
    const port = await freePort();
    const p = start(GATEWAY, { PORT: String(port), API_KEYS: 'ops:ops-key-12345678:*', GCORE_API_URL: NOWHERE, APINIZER_API_URL: NOWHERE });
    try {
      await waitForOutput(p, /gateway listening on/);
      expect(p.stdout()).not.toMatch(/Dev API key/);
      expect(p.stdout()).not.toContain('ops-key-12345678');
      expect((await fetch(`http://127.0.0.1:${port}/v1/webhook-subscriptions`, { headers: { authorization: 'Bearer ops-key-12345678' } })).status).toBe(200);
    } finally {
      await stop(p);
    }
  }, 60_000);

  it('worker with good env starts at niceness 10 (WORKER_NICENESS) and stops on SIGTERM', async () => {
    const p = start(WORKER, { API_KEYS: 'ops:ops-key-12345678:*', GCORE_API_URL: NOWHERE, APINIZER_API_URL: NOWHERE });
    try {
      await waitForOutput(p, /worker started/);
      expect(p.stderr()).toBe('');
      // the gateway sharing its host takes the cores first: every thread, V8's GC and compiler helpers included
      expect(threadNiceness(p.child.pid!)).toEqual(new Set([Math.max(getPriority(), 10)]));
    } finally {
      const { code, signal } = await stop(p);
      expect(code === 0 || signal === 'SIGTERM').toBe(true);
    }
    expectShutdownLines(p.stdout());
  }, 60_000);

  it('a worker started at a higher niceness than WORKER_NICENESS keeps it (its priority is only ever lowered)', async () => {
    const p = start(WORKER, { API_KEYS: 'ops:ops-key-12345678:*', GCORE_API_URL: NOWHERE, APINIZER_API_URL: NOWHERE }, ROOT, 15);
    try {
      await waitForOutput(p, /worker started/);
      expect(p.stderr()).toBe('');
      expect(p.stdout()).not.toContain('could not lower');
      expect(threadNiceness(p.child.pid!)).toEqual(new Set([Math.min(19, getPriority() + 15)]));
    } finally {
      await stop(p);
    }
  }, 60_000);

  describe('.env in the working directory', () => {
    it('gateway reads it (PORT, API_KEYS, LOG_LEVEL); a variable of the real environment wins over the file', async () => {
      const filePort = await freePort();
      const envPort = await freePort();
      const dir = dirWithDotenv(
        `# as in .env.example\nPORT=${filePort}\nAPI_KEYS=dotenv:dotenv-key-12345678:*\n` +
          `GCORE_API_URL=${NOWHERE}\nAPINIZER_API_URL="${NOWHERE}"\nLOG_LEVEL=warn\n`,
      );
      // PORT and LOG_LEVEL also in the real environment: those win (a warn level would hide the "listening" line)
      const p = start(GATEWAY, { PORT: String(envPort), LOG_LEVEL: 'info' }, dir);
      try {
        await waitForOutput(p, /gateway listening on http:\/\/127\.0\.0\.1:(\d+)/);
        expect(p.stdout()).toContain(`gateway listening on http://127.0.0.1:${envPort}`);
        expect(p.stdout()).not.toMatch(/Dev API key/); // API_KEYS came from the file
        const withFileKey = await fetch(`http://127.0.0.1:${envPort}/v1/webhook-subscriptions`, { headers: { authorization: 'Bearer dotenv-key-12345678' } });
        expect(withFileKey.status).toBe(200);
        expect(p.stdout()).not.toContain('dotenv-key-12345678');
      } finally {
        await stop(p);
      }
    }, 60_000);

    it.each([
      ['gateway', GATEWAY],
      ['worker', WORKER],
    ])(
      '%s: a bad value in .env stops it with one stderr line naming the variable (never the secret)',
      async (_name, script) => {
        for (const [dotenv, variable, secret] of [
          ['PORT=abc\n', /\bPORT must be an integer/, ''],
          ['API_KEYS=ci:tinykey:*\n', /API_KEYS/, 'tinykey'],
        ]) {
          const dir = dirWithDotenv(`GCORE_API_URL=${NOWHERE}\nAPINIZER_API_URL=${NOWHERE}\n${dotenv}`);
          const exit = await runToExit(script, {}, 20_000, dir);
          expect(exit.code).toBe(1);
          const lines = stderrLines(exit);
          expect(lines).toHaveLength(1);
          expect(lines[0]).toMatch(/^Invalid configuration: /);
          expect(lines[0]).toMatch(variable);
          expect(exit.stdout).toBe('');
          if (secret) expect(exit.stderr).not.toContain(secret);
        }
      },
      60_000,
    );

    it('npm start (start-all) reads it: a bad value stops it before anything starts; good values reach the sandbox, worker and gateway', async () => {
      const bad = await runToExit(START_ALL, {}, 20_000, dirWithDotenv('LOG_LEVEL=loud\n'));
      expect(bad.code).toBe(1);
      expect(stderrLines(bad)).toEqual([expect.stringMatching(/^Invalid configuration: LOG_LEVEL /)]);
      expect(bad.stdout).toBe('');

      const port = await freePort();
      const sandboxPort = await freePort();
      const dir = dirWithDotenv(`PORT=${port}\nSANDBOX_PORT=${sandboxPort}\nAPI_KEYS=dotenv:dotenv-key-12345678:*\nLOG_LEVEL=info\n`);
      const p = start(START_ALL, {}, dir);
      try {
        await waitForOutput(p, /gateway listening on/);
        await waitForOutput(p, /worker started/);
        expect((await fetch(`http://127.0.0.1:${sandboxPort}/apiops/test/healthcheck`)).status).toBe(200);
        const res = await fetch(`http://127.0.0.1:${port}/v1/routing-policies/lookup`, {
          method: 'POST',
          headers: { authorization: 'Bearer dotenv-key-12345678', 'content-type': 'application/json' },
          body: JSON.stringify({ targets: [{ provider: 'gcore', kind: 'loadbalancer', projectId: SEED.projectId, regionId: SEED.regionId, id: SEED.lbWeb }] }),
        });
        expect(res.status).toBe(200);
        // found: the gateway reached the sandbox on the .env's SANDBOX_PORT
        expect(((await res.json()) as { items: unknown[] }).items[0]).toMatchObject({ found: true });
      } finally {
        const { code } = await stop(p);
        expect(code).toBe(0);
      }
      expectShutdownLines(p.stdout(), 2); // worker and gateway, each stopped before npm start exits
    }, 90_000);
  });
});
