/**
 * What the operations console's browser specs (console-*.e2e-spec.ts) share: the build check, the suite's start (the
 * gateway and the strict sandbox in-process, headless Chromium, the Apinizer policy seeded once) and a small driver of
 * the page. Each spec file starts its own harness and browser session.
 *
 * CONSOLE_SCREENSHOTS=1 also writes the main screens to docs/console/*.png (normal runs leave the committed files alone).
 */
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator } from 'playwright-core';
import { API_KEY, Harness, apinizerTarget, finished, gatewayBaseUrl, postUpdates, sandboxControl, startHarness } from '../support/harness';
import { BrowserSession, Page, REPO_ROOT, browserTest } from './browser-support';

const CONSOLE_BUILD = join(REPO_ROOT, 'dist', 'console', 'index.html');
const CONSOLE_SRC = join(REPO_ROOT, 'apps', 'console');
const SCREENSHOT_DIR = join(REPO_ROOT, 'docs', 'console');
const TAKE_SCREENSHOTS = process.env.CONSOLE_SCREENSHOTS === '1';
const TEST_MS = 60_000;

/** The seeded Apinizer policy's complete config: the strict sandbox lists only nameless summaries, so the gateway must have applied it once. */
const RATE_LIMIT_POLICY = {
  type: 'policy-api-based-throttling',
  description: '100 per minute per client IP',
  active: true,
  policyCondition: { conditionRuleList: [] },
  targetVariableForIdentity: { name: 'clientIp', type: 'CONTEXT_VALUES', contextValue: 'REQUEST_REMOTE_ADDRESS' },
  messageCountForInterval: 100,
  throttlingInterval: 'ONE_MINUTE',
  intervalPeriodLength: 1,
  intervalWindowType: 'FIXED',
};

interface SandboxRequest {
  method: string;
  path: string;
  body?: any;
}

/** Fails clearly when the console is not built, or built before its latest source change (a stale build proves nothing). */
function assertConsoleBuild(): void {
  if (!existsSync(CONSOLE_BUILD)) throw new Error(`${CONSOLE_BUILD} is missing: build the console with \`npm run build\` (or \`npm run build:console\`).`);
  const built = statSync(CONSOLE_BUILD).mtimeMs;
  const sources = readdirSync(CONSOLE_SRC, { recursive: true, encoding: 'utf8' }).filter((f) => /\.(tsx?|css|html)$/.test(f));
  const newer = sources.filter((f) => statSync(join(CONSOLE_SRC, f)).mtimeMs > built);
  if (newer.length) throw new Error(`dist/console is older than apps/console (${newer.join(', ')}): rebuild it with \`npm run build:console\`.`);
}

/** The writes (PATCH, PUT) the sandbox has received so far. */
export async function sandboxWrites(h: Harness): Promise<SandboxRequest[]> {
  const { log } = (await sandboxControl(h, 'GET', '/__sandbox/requests')) as { log: SandboxRequest[] };
  return log.filter((r) => r.method === 'PATCH' || r.method === 'PUT');
}

/** The page and what drives it, handed to each console test. */
export interface ConsoleTestContext {
  h: Harness;
  session: BrowserSession;
  page: Page;
  /** The gateway's base URL (the console is at `${baseUrl}/console/`). */
  baseUrl: string;
  /** Opens the console (a route, e.g. `#/submit`), signing in first when the tab has no key yet. */
  openConsole(route?: string): Promise<void>;
  /** The operation's live status line ("Status: SUCCEEDED"), once it reads `status`. */
  waitForStatus(status: RegExp, timeout?: number): Promise<void>;
  /** The value (dd) of a term (dt) of the page's fact lists, e.g. "Requested by". */
  definitionOf(term: string): Locator;
  /** The key goes only in Authorization headers of API calls; event streams carry a stream token and no key at all. */
  expectKeyNeverInUrls(): Promise<void>;
  /** With CONSOLE_SCREENSHOTS=1, the whole page to docs/console/<name>.png. */
  screenshot(name: string): Promise<void>;
}

function consoleDriver(session: BrowserSession, page: Page, baseUrl: string): Omit<ConsoleTestContext, 'h' | 'session' | 'page' | 'baseUrl'> {
  const consoleUrl = `${baseUrl}/console/`;
  return {
    async openConsole(route = '') {
      await page.goto(`${consoleUrl}${route}`);
      const signIn = page.getByRole('heading', { name: 'Sign in to the routing policy console' });
      const signedIn = page.getByRole('button', { name: 'Sign out' });
      await signIn.or(signedIn).waitFor();
      if (await signIn.isVisible()) {
        await page.getByLabel('API key').fill(API_KEY);
        await page.getByRole('button', { name: 'Sign in' }).click();
        await signedIn.waitFor();
      }
    },
    async waitForStatus(status, timeout = 20_000) {
      await page
        .getByRole('status')
        .filter({ hasText: /^Status:/ })
        .filter({ hasText: status })
        .waitFor({ timeout });
    },
    definitionOf(term) {
      return page
        .getByRole('term')
        .filter({ hasText: new RegExp(`^${term}$`) })
        .locator('xpath=following-sibling::dd[1]');
    },
    async expectKeyNeverInUrls() {
      for (const r of session.requests) expect(r.url).not.toContain(API_KEY);
      const apiCalls = session.testRequests().filter((r) => r.url.startsWith(`${baseUrl}/v1/`));
      expect(apiCalls.length).toBeGreaterThan(0);
      for (const r of apiCalls) {
        const url = new URL(r.url);
        const headers = await r.request.allHeaders();
        if (url.pathname.endsWith('/events')) {
          expect(url.searchParams.get('access_token')).toBeTruthy();
          expect(headers.authorization).toBeUndefined();
        } else {
          expect(url.search).not.toContain('access_token');
          expect(headers.authorization).toMatch(/^Bearer /);
        }
      }
      expect(session.externalRequests()).toEqual([]);
    },
    async screenshot(name) {
      if (!TAKE_SCREENSHOTS) return;
      mkdirSync(SCREENSHOT_DIR, { recursive: true });
      await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
    },
  };
}

/**
 * Starts this spec file's console suite (beforeAll: Chromium first, since without it nothing else needs to start, then
 * the harness and the seeded Apinizer policy; afterAll: both closed) and returns its test function: a browserTest whose
 * body gets the ConsoleTestContext.
 */
export function useConsole(): (name: string, body: (c: ConsoleTestContext) => Promise<void>) => void {
  let h: Harness | undefined;
  let session: BrowserSession | undefined;
  let context: ConsoleTestContext | undefined;

  beforeAll(async () => {
    assertConsoleBuild();
    session = await BrowserSession.start();
    h = await startHarness();
    const baseUrl = await gatewayBaseUrl(h);
    const page = await session.newPage();
    // the Apinizer policy the apply changes: applied once in full, so a partial change has a base to merge into
    const seed = await postUpdates(h, {
      reference: 'console-seed',
      updates: [
        {
          target: apinizerTarget('rate-limit'),
          changes: { replacePolicy: true, policy: RATE_LIMIT_POLICY, targetScope: 'ALL', targetPipeline: 'REQUEST', order: 1 },
        },
      ],
    });
    expect((await finished(h, seed.body.id)).status).toBe('SUCCEEDED');
    context = { h, session, page, baseUrl, ...consoleDriver(session, page, baseUrl) };
  }, 90_000);

  afterAll(async () => {
    await session?.close();
    await h?.close();
  });

  return (name, body) =>
    browserTest(
      name,
      () => session,
      async () => {
        if (!context) throw new Error('The console suite did not start (see the beforeAll error)');
        await body(context);
      },
      TEST_MS,
    );
}
