/**
 * Real-browser tests: playwright-core driving Debian's Chromium (/usr/bin/chromium; `.ci/run` installs it). One browser
 * and one fresh context per test file; every request the pages make is recorded (a non-loopback host fails the test),
 * console errors and uncaught page errors fail it unless the test said it expects them, and a failed test leaves a
 * full-page screenshot and the page log in test-artifacts/ (git-ignored; BROWSER_TEST_ARTIFACTS=always keeps them for
 * passing tests too).
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { Browser, BrowserContext, ConsoleMessage, Page, Request, chromium } from 'playwright-core';
import { scaled } from '../support/wait';

export type { Page } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';
/** The issue's flags (`headless: true` adds --headless). */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
export const REPO_ROOT = resolve(__dirname, '..', '..');
export const ARTIFACTS_DIR = join(REPO_ROOT, 'test-artifacts');
/** The client package's ES module build (`npm run build:client`), loaded by the page as it is. */
export const CLIENT_ESM_DIR = join(REPO_ROOT, 'libs', 'client', 'dist', 'esm');
const CLIENT_SRC_DIR = join(REPO_ROOT, 'libs', 'client', 'src');

/** How long one Playwright action or wait may take before the test fails (well under the test's own deadline). */
const ACTION_TIMEOUT_MS = scaled(15_000); // a ceiling for a page that never gets there, not a time to wait (TEST_TIME_SCALE)
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);
/** Schemes that never reach the network. */
const LOCAL_SCHEMES = new Set(['data:', 'blob:', 'about:']);
/** A Content-Security-Policy violation as Chromium reports it in the console: never expected. */
const CSP_VIOLATION = /Content Security Policy|Refused to (?:load|apply|execute|connect|frame|create)/i;

/** Whether a URL leaves the machine: anything but loopback http(s)/ws(s) and local schemes. */
export function isExternalUrl(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return true;
  }
  if (LOCAL_SCHEMES.has(parsed.protocol)) return false;
  if (!['http:', 'https:', 'ws:', 'wss:'].includes(parsed.protocol)) return true;
  return !LOOPBACK_HOSTS.has(parsed.hostname);
}

export interface RecordedRequest {
  page: string;
  method: string;
  url: string;
  resourceType: string;
  /** Playwright's request: `allHeaders()` has every header sent (Last-Event-ID, Origin, ...). */
  request: Request;
  status?: number;
  failure?: string;
}

interface LogLine {
  at: number;
  page: string;
  text: string;
}

interface PageProblem {
  page: string;
  text: string;
  at: number;
}

/** The browser, its one context, and everything its pages did. */
export class BrowserSession {
  readonly requests: RecordedRequest[] = [];
  private readonly log: LogLine[] = [];
  private readonly consoleErrors: PageProblem[] = [];
  private readonly pageErrors: PageProblem[] = [];
  private readonly pageNames = new Map<Page, string>();
  private allowed: RegExp[] = [];
  private testStartedAt = 0;
  private requestMark = 0;
  private consoleMark = 0;
  private pageErrorMark = 0;

  private constructor(
    readonly browser: Browser,
    readonly context: BrowserContext,
  ) {
    context.setDefaultTimeout(ACTION_TIMEOUT_MS);
    context.setDefaultNavigationTimeout(ACTION_TIMEOUT_MS);
    context.on('page', (page) => this.watch(page));
    const pageOf = (request: Request): string => {
      const page = request.frame().page();
      return (page && this.pageNames.get(page)) ?? 'worker';
    };
    const byRequest = new Map<Request, RecordedRequest>();
    context.on('request', (request) => {
      const entry: RecordedRequest = {
        page: pageOf(request),
        method: request.method(),
        url: request.url(),
        resourceType: request.resourceType(),
        request,
      };
      byRequest.set(request, entry);
      this.requests.push(entry);
      this.note(entry.page, `request ${entry.method} ${entry.url} (${entry.resourceType})`);
    });
    context.on('response', (response) => {
      const entry = byRequest.get(response.request());
      if (entry) entry.status = response.status();
      this.note(entry?.page ?? '?', `response ${response.status()} ${response.request().method()} ${response.url()}`);
    });
    context.on('requestfailed', (request) => {
      const entry = byRequest.get(request);
      if (entry) entry.failure = request.failure()?.errorText ?? 'failed';
      this.note(entry?.page ?? '?', `request failed ${request.method()} ${request.url()}: ${request.failure()?.errorText ?? ''}`);
    });
  }

  /** Launches Chromium with a fresh profile (Playwright's temporary one, deleted on close) and one new context. */
  static async start(): Promise<BrowserSession> {
    if (!existsSync(CHROMIUM_PATH)) {
      throw new Error(
        `${CHROMIUM_PATH} is absent: the browser tests drive Debian's Chromium and do not skip. ` +
          'Install it with `apt-get install -y chromium` (.ci/run does this).',
      );
    }
    const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS, timeout: 30_000 });
    try {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, serviceWorkers: 'block' });
      return new BrowserSession(browser, context);
    } catch (error) {
      await browser.close();
      throw error;
    }
  }

  async newPage(): Promise<Page> {
    return this.context.newPage();
  }

  /** Console errors matching one of these (message text and the URL it names) are expected in the current test. */
  expectConsoleErrors(...patterns: RegExp[]): void {
    this.allowed.push(...patterns);
  }

  /** Called by browserTest before each test body. */
  beginTest(name: string): void {
    this.allowed = [];
    this.testStartedAt = Date.now();
    this.requestMark = this.requests.length;
    this.consoleMark = this.consoleErrors.length;
    this.pageErrorMark = this.pageErrors.length;
    this.note('-', `test: ${name}`);
  }

  /** Requests of the current test. */
  testRequests(): RecordedRequest[] {
    return this.requests.slice(this.requestMark);
  }

  /** Throws when the current test's pages went to another host, logged an unexpected error or threw. */
  assertClean(): void {
    const problems: string[] = [];
    for (const r of this.requests.slice(this.requestMark).filter((r) => isExternalUrl(r.url))) {
      problems.push(`request to a non-loopback host: ${r.method} ${r.url} (${r.resourceType}, page ${r.page})`);
    }
    for (const e of this.consoleErrors.slice(this.consoleMark)) {
      if (CSP_VIOLATION.test(e.text)) problems.push(`Content-Security-Policy violation on page ${e.page}: ${e.text}`);
      else if (!this.allowed.some((p) => p.test(e.text))) problems.push(`unexpected console error on page ${e.page}: ${e.text}`);
    }
    for (const e of this.pageErrors.slice(this.pageErrorMark)) problems.push(`uncaught error on page ${e.page}: ${e.text}`);
    if (problems.length) throw new Error(`The browser saw problems:\n  ${problems.join('\n  ')}`);
  }

  /** Every request ever made to a non-loopback host (checked again when the session closes). */
  externalRequests(): RecordedRequest[] {
    return this.requests.filter((r) => isExternalUrl(r.url));
  }

  /** A full-page screenshot of every open page and the log of the current test, as test-artifacts/<name>.png/.log. */
  async saveArtifacts(testName: string, error: unknown): Promise<string[]> {
    mkdirSync(ARTIFACTS_DIR, { recursive: true });
    const base = join(ARTIFACTS_DIR, fileNameOf(testName));
    const saved: string[] = [];
    const pages = this.context.pages();
    for (const [i, page] of pages.entries()) {
      const path = i === 0 ? `${base}.png` : `${base}.${i + 1}.png`;
      try {
        await page.screenshot({ path, fullPage: true, timeout: 10_000 });
        saved.push(path);
      } catch (screenshotError) {
        this.note(this.pageNames.get(page) ?? '?', `screenshot failed: ${String(screenshotError)}`);
      }
    }
    const lines = [
      `test: ${testName}`,
      `error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      `pages: ${pages.map((p) => `${this.pageNames.get(p) ?? '?'} ${p.url()}`).join(', ') || 'none'}`,
      '',
      ...this.log.filter((l) => l.at >= this.testStartedAt).map((l) => `${new Date(l.at).toISOString()} [${l.page}] ${l.text}`),
    ];
    writeFileSync(`${base}.log`, lines.join('\n') + '\n');
    saved.push(`${base}.log`);
    return saved;
  }

  async close(): Promise<void> {
    await this.context.close().catch(() => undefined);
    await this.browser.close();
  }

  private watch(page: Page): void {
    const name = `page${this.pageNames.size + 1}`;
    this.pageNames.set(page, name);
    page.on('console', (message: ConsoleMessage) => {
      const where = message.location().url;
      const text = `${message.text()}${where ? ` (${where})` : ''}`;
      this.note(name, `console.${message.type()}: ${text}`);
      if (message.type() === 'error') this.consoleErrors.push({ page: name, text, at: Date.now() });
    });
    page.on('pageerror', (error) => {
      this.note(name, `pageerror: ${error.stack ?? error.message}`);
      this.pageErrors.push({ page: name, text: error.stack ?? error.message, at: Date.now() });
    });
    page.on('framenavigated', (frame) => {
      if (frame === page.mainFrame()) this.note(name, `navigated to ${frame.url()}`);
    });
  }

  private note(page: string, text: string): void {
    this.log.push({ at: Date.now(), page, text });
  }
}

function fileNameOf(testName: string): string {
  return (
    testName
      .replace(/[^A-Za-z0-9._-]+/g, '_')
      .replace(/^_+|_+$/g, '')
      .slice(0, 150) || 'browser-test'
  );
}

/**
 * A jest test whose failure (an assertion, a Playwright timeout, an unexpected console error, or its own deadline)
 * leaves a screenshot and the page log in test-artifacts/ before it is reported. Jest 29 tells an afterEach nothing
 * about the test's outcome, so the body is wrapped instead.
 */
export function browserTest(name: string, session: () => BrowserSession | undefined, body: () => Promise<void>, timeoutMs = 45_000): void {
  timeoutMs = scaled(timeoutMs); // a ceiling (TEST_TIME_SCALE), the test's steps each wait for what they need
  it(
    name,
    async () => {
      const s = session();
      if (!s) throw new Error('The browser did not start (see the beforeAll error)');
      const testName = expect.getState().currentTestName ?? name;
      s.beginTest(testName);
      try {
        await withDeadline(body(), timeoutMs, `"${testName}" did not finish within ${timeoutMs} ms`);
        s.assertClean();
        if (process.env.BROWSER_TEST_ARTIFACTS === 'always') await s.saveArtifacts(testName, 'none (passed)');
      } catch (error) {
        const saved = await s.saveArtifacts(testName, error).catch((e: unknown) => [`(saving artifacts failed: ${String(e)})`]);
        if (error instanceof Error) error.message += `\nArtifacts: ${saved.join(', ')}`;
        throw error;
      }
    },
    timeoutMs + 20_000,
  );
}

async function withDeadline<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Fails clearly when the client's ESM build is missing or older than its source (a stale build proves nothing). */
export function assertClientBuild(): string {
  const entry = join(CLIENT_ESM_DIR, 'index.js');
  if (!existsSync(entry)) {
    throw new Error(`${entry} is missing: build the client package with \`npm run build:client\` (libs/client: node scripts/build.mjs).`);
  }
  const built = statSync(entry).mtimeMs;
  const sources = readdirSync(CLIENT_SRC_DIR, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts') && !f.endsWith('.spec.ts'));
  const newer = sources.filter((f) => statSync(join(CLIENT_SRC_DIR, f)).mtimeMs > built);
  if (newer.length) {
    throw new Error(`libs/client/dist/esm is older than libs/client/src (${newer.join(', ')}): rebuild it with \`npm run build:client\`.`);
  }
  return entry;
}

export interface PageServer {
  /** `http://127.0.0.1:<port>`: the origin to list in CORS_ORIGINS. */
  origin: string;
  /** The page that loads the client (`window.rpg` once `window.rpgReady`). */
  pageUrl: string;
  /** A URL that accepts webhook POSTs (204). */
  hookUrl: string;
  /** Paths the server answered, in order. */
  served: string[];
  close(): Promise<void>;
}

const PAGE = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<link rel="icon" href="data:,">
<title>routing-policy-gateway client page</title>
</head>
<body>
<h1>Another origin</h1>
<pre id="out"></pre>
<script type="module">
import * as rpg from '/client/index.js';
window.rpg = rpg;
window.rpgReady = true;
</script>
</body>
</html>
`;

const TYPES: Record<string, string> = { '.js': 'text/javascript; charset=utf-8', '.map': 'application/json; charset=utf-8' };

/**
 * A page on another origin than the gateway (node:http on 127.0.0.1): `/` loads the client's ESM build from
 * `/client/*.js` (served from libs/client/dist/esm as it is), `/hook` takes webhook deliveries.
 */
export async function startPageServer(): Promise<PageServer> {
  const served: string[] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    served.push(`${req.method} ${path}`);
    if (path === '/hook') {
      req.resume();
      req.on('end', () => res.writeHead(204).end());
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return void res.writeHead(405).end();
    if (path === '/') {
      return void res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(PAGE);
    }
    if (path.startsWith('/client/')) {
      const file = normalize(join(CLIENT_ESM_DIR, decodeURIComponent(path.slice('/client/'.length))));
      const type = TYPES[extname(file)];
      if (type && file.startsWith(CLIENT_ESM_DIR + sep) && existsSync(file)) {
        return void res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' }).end(readFileSync(file));
      }
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    pageUrl: `${origin}/`,
    hookUrl: `${origin}/hook`,
    served,
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}
