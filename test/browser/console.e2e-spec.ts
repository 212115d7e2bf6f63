/**
 * The operations console (/console, apps/console built by `npm run build`) in headless Chromium against the gateway and
 * the strict sandbox: sign in and out; a dry run then an apply across Gcore and Apinizer followed live to SUCCEEDED;
 * a failed target's provider error (reached live from the list); drift after an out-of-band change and a revert that
 * only a deliberate force step performs; a webhook delivery replayed. Every test also checks that the API key never
 * appears in a URL (streams carry stream tokens) and, through BrowserSession, that nothing left the machine and the
 * page logged no error it did not expect.
 *
 * CONSOLE_SCREENSHOTS=1 also writes the main screens to docs/console/*.png (normal runs leave the committed files alone).
 */
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  API_KEY,
  Harness,
  SEED,
  apinizerTarget,
  auth,
  finished,
  gatewayBaseUrl,
  l7Target,
  postUpdates,
  sandboxControl,
  startHarness,
  waitFor,
} from '../support/harness';
import { expectVerifies, scriptedReceiver } from '../support/webhooks';
import { BrowserSession, Page, REPO_ROOT, browserTest } from './browser-support';

jest.setTimeout(120_000);

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

async function sandboxWrites(h: Harness): Promise<SandboxRequest[]> {
  const { log } = (await sandboxControl(h, 'GET', '/__sandbox/requests')) as { log: SandboxRequest[] };
  return log.filter((r) => r.method === 'PATCH' || r.method === 'PUT');
}

async function l7Name(h: Harness, n: number): Promise<string> {
  const state = await sandboxControl(h, 'GET', `/__sandbox/state/l7policies/${SEED.l7(n)}`);
  return (state.policy ?? state).name;
}

/** A rename made at Gcore directly, not through the gateway (what drift detection is for); waits for its task. */
async function outOfBandL7Rename(h: Harness, n: number, name: string): Promise<void> {
  const current = await sandboxControl(h, 'GET', `/__sandbox/state/l7policies/${SEED.l7(n)}`);
  const policy = current.policy ?? current;
  const res = await fetch(`${h.sandbox.url}/cloud/v1/l7policies/${SEED.projectId}/${SEED.regionId}/${SEED.l7(n)}`, {
    method: 'PATCH',
    headers: { authorization: 'APIKey sandbox-gcore-key', 'content-type': 'application/json' },
    body: JSON.stringify({
      action: policy.action,
      ...Object.fromEntries(['redirect_url', 'redirect_prefix', 'redirect_pool_id'].filter((f) => policy[f] != null).map((f) => [f, policy[f]])),
      name,
    }),
  });
  expect(res.status).toBeLessThan(300);
  const { tasks } = (await res.json()) as { tasks: string[] };
  const deadline = Date.now() + 20_000;
  for (const task of tasks) {
    while ((await sandboxControl(h, 'GET', `/__sandbox/tasks/${task}`)).state !== 'FINISHED') {
      if (Date.now() > deadline) throw new Error(`task ${task} did not finish`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

describe('browser: the operations console', () => {
  let h: Harness | undefined;
  let session: BrowserSession | undefined;
  let page: Page;
  let baseUrl: string;
  let consoleUrl: string;

  beforeAll(async () => {
    assertConsoleBuild();
    session = await BrowserSession.start(); // first: without Chromium nothing else needs to start
    h = await startHarness();
    baseUrl = await gatewayBaseUrl(h);
    consoleUrl = `${baseUrl}/console/`;
    page = await session.newPage();
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
  }, 90_000);

  afterAll(async () => {
    await session?.close();
    await h?.close();
  });

  async function screenshot(name: string): Promise<void> {
    if (!TAKE_SCREENSHOTS) return;
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
  }

  /** Opens the console (a route, e.g. `#/submit`), signing in first when the tab has no key yet. */
  async function openConsole(route = ''): Promise<void> {
    await page.goto(`${consoleUrl}${route}`);
    const signIn = page.getByRole('heading', { name: 'Sign in to the routing policy console' });
    const signedIn = page.getByRole('button', { name: 'Sign out' });
    await signIn.or(signedIn).waitFor();
    if (await signIn.isVisible()) {
      await page.getByLabel('API key').fill(API_KEY);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await signedIn.waitFor();
    }
  }

  /** The value (dd) of a term (dt) of the page's fact lists, e.g. "Requested by". */
  function definitionOf(term: string) {
    return page
      .getByRole('term')
      .filter({ hasText: new RegExp(`^${term}$`) })
      .locator('xpath=following-sibling::dd[1]');
  }

  /** The operation's live status line ("Status: SUCCEEDED"), once it reads `status`. */
  async function waitForStatus(status: RegExp, timeout = 20_000): Promise<void> {
    await page
      .getByRole('status')
      .filter({ hasText: /^Status:/ })
      .filter({ hasText: status })
      .waitFor({ timeout });
  }

  /** The key goes only in Authorization headers of API calls; event streams carry a stream token and no key at all. */
  async function expectKeyNeverInUrls(): Promise<void> {
    for (const r of session!.requests) expect(r.url).not.toContain(API_KEY);
    const apiCalls = session!.testRequests().filter((r) => r.url.startsWith(`${baseUrl}/v1/`));
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
    expect(session!.externalRequests()).toEqual([]);
  }

  browserTest(
    'signs in with an API key kept out of URLs, cookies and localStorage, works at 1280 px and on a narrow window, and signs out',
    () => session,
    async () => {
      const response = await page.goto(`${baseUrl}/console`);
      expect(new URL(page.url()).pathname).toBe('/console/'); // /console redirects to the page
      expect(response!.headers()['content-security-policy']).toContain("default-src 'none'");
      await page.getByRole('heading', { name: 'Sign in to the routing policy console' }).waitFor();

      // a key the gateway does not know: refused, with the problem's status
      session!.expectConsoleErrors(/status of 401 .*\/v1\/operations\?limit=1/);
      await page.getByLabel('API key').fill('not-a-key-of-this-gateway');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('alert').filter({ hasText: 'Sign-in failed (HTTP 401)' }).waitFor();

      await page.getByLabel('API key').fill(API_KEY);
      await page.getByLabel('API key').press('Enter'); // the keyboard signs in as well as the button
      await page.getByRole('heading', { name: 'Operations', exact: true }).waitFor();
      await page.getByRole('status').filter({ hasText: 'Live updates on' }).waitFor();
      const nav = page.getByRole('navigation', { name: 'Main' });
      for (const name of ['Operations', 'Submit', 'Webhooks']) expect(await nav.getByRole('link', { name }).isVisible()).toBe(true);
      expect(await nav.getByRole('link', { name: 'Operations' }).getAttribute('aria-current')).toBe('page');
      expect(await page.getByRole('table', { name: 'Operations, newest first' }).getByRole('link').first().textContent()).toMatch(/^op_/);

      // where the key is: this tab's sessionStorage only
      const storage = await page.evaluate(() => {
        const { localStorage, sessionStorage, document } = globalThis as any;
        return { local: localStorage.length, session: Object.keys(sessionStorage).map((k) => sessionStorage.getItem(k)), cookie: document.cookie };
      });
      expect(storage).toEqual({ local: 0, session: [API_KEY], cookie: '' });
      expect(await session!.context.cookies()).toEqual([]);
      expect(page.url()).not.toContain(API_KEY);

      // a narrow window: nothing wider than the viewport, navigation and sign-out still there
      await page.setViewportSize({ width: 390, height: 844 });
      try {
        const widths = await page.evaluate(() => {
          const { document, innerWidth } = globalThis as any;
          return { page: document.documentElement.scrollWidth as number, viewport: innerWidth as number };
        });
        expect(widths.page).toBeLessThanOrEqual(widths.viewport);
        expect(await nav.getByRole('link', { name: 'Webhooks' }).isVisible()).toBe(true);
        expect(await page.getByRole('button', { name: 'Sign out' }).isVisible()).toBe(true);
        await screenshot('operations-list-narrow');
      } finally {
        await page.setViewportSize({ width: 1280, height: 900 });
      }

      // a reload keeps the session of this tab
      await page.reload();
      await page.getByRole('heading', { name: 'Operations', exact: true }).waitFor();

      // keyboard: the first Tab reaches the skip link, which moves the focus to the main content
      await page.keyboard.press('Tab');
      expect(await page.evaluate(() => (globalThis as any).document.activeElement?.textContent)).toBe('Skip to content');
      await page.keyboard.press('Enter');
      expect(await page.evaluate(() => (globalThis as any).document.activeElement?.id)).toBe('main');

      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByRole('heading', { name: 'Sign in to the routing policy console' }).waitFor();
      await page.getByRole('status').filter({ hasText: 'You are signed out' }).waitFor();
      expect(await page.evaluate(() => (globalThis as any).sessionStorage.length)).toBe(0);
      await page.reload();
      await page.getByRole('heading', { name: 'Sign in to the routing policy console' }).waitFor();

      // a key the gateway stops accepting while signed in (here: one in the tab's storage it never knew) signs out, saying why
      session!.expectConsoleErrors(/401/);
      await page.evaluate(() => (globalThis as any).sessionStorage.setItem('routing-policy-console.api-key', 'revoked-key-0001'));
      await page.reload();
      await page.getByRole('alert').filter({ hasText: 'no longer accepts this API key' }).waitFor();
      await page.getByRole('heading', { name: 'Sign in to the routing policy console' }).waitFor();
      expect(await page.evaluate(() => (globalThis as any).sessionStorage.length)).toBe(0);
      await expectKeyNeverInUrls();
    },
    TEST_MS,
  );

  browserTest(
    'dry run then apply across Gcore and Apinizer: field errors highlighted, the plan with its diffs, then SUCCEEDED live without a reload',
    () => session,
    async () => {
      await sandboxControl(h!, 'PATCH', '/__sandbox/config', { taskDurationMs: 1500 }); // long enough to watch it run
      try {
        await openConsole();
        await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Submit' }).click();
        await page.getByRole('heading', { name: 'Submit an update' }).waitFor();
        const editor = page.getByLabel('Update request (JSON)');
        const apply = page.getByRole('button', { name: 'Apply' });
        expect(await apply.isDisabled()).toBe(true); // a dry run comes first

        // the API's problem details: the message, and the field highlighted in the request
        session!.expectConsoleErrors(/status of 400 .*\/v1\/routing-policy-updates/);
        await editor.fill(JSON.stringify({ updates: [{ target: l7Target(1), changes: { name: 'console-renamed', redirectHttpCode: 999 } }] }));
        await page.getByRole('button', { name: 'Dry run' }).click();
        const refused = page.getByRole('alert').filter({ hasText: 'The dry run was refused (HTTP 400)' });
        await refused.waitFor();
        expect(await refused.textContent()).toContain('updates[0].changes.redirectHttpCode');
        // <mark> (role "mark", which Playwright's typed role list lacks) around the field at fault
        const highlighted = page.getByRole('region', { name: 'The request with the fields at fault highlighted' }).locator('mark');
        expect(await highlighted.allTextContents()).toEqual(['"redirectHttpCode": 999']);
        expect(await editor.getAttribute('aria-invalid')).toBe('true');

        const request = {
          reference: 'console-apply',
          updates: [
            { target: l7Target(1), changes: { name: 'console-renamed' } },
            {
              target: apinizerTarget('rate-limit'),
              changes: { policy: { messageCountForInterval: 250 }, deploy: true, deployTargetEnvironmentNameList: ['dev', 'prod'] },
            },
          ],
        };
        const writesBefore = (await sandboxWrites(h!)).length;
        await editor.fill(JSON.stringify(request, null, 2));
        await page.getByRole('button', { name: 'Dry run' }).click();
        await page.getByRole('heading', { name: 'Dry run: the plan (nothing written)' }).waitFor();
        expect(await page.getByRole('alert').count()).toBe(0);
        const l7Plan = page.getByRole('table', { name: 'Planned change of target 1' });
        expect(await l7Plan.getByRole('row', { name: /^name/ }).textContent()).toBe('name"redirect-to-url""console-renamed"');
        const apinizerPlan = page.getByRole('table', { name: 'Planned change of target 2' });
        expect(await apinizerPlan.getByRole('row', { name: /^policy\.messageCountForInterval/ }).textContent()).toBe('policy.messageCountForInterval100250');
        await page.getByText(`PATCH /cloud/v1/l7policies/${SEED.projectId}/${SEED.regionId}/${SEED.l7(1)}`).waitFor();
        await page.getByText('PUT /apiops/projects/demo/apiProxies/petstore/policies/rate-limit/').waitFor();
        expect((await sandboxWrites(h!)).length).toBe(writesBefore); // nothing written
        expect(await apply.isEnabled()).toBe(true);
        await screenshot('submit-dry-run');

        // apply, then follow the operation on its page: no reload, one stream with a stream token
        await page.evaluate(() => ((globalThis as any).samePage = true));
        const documentsBefore = session!.testRequests().filter((r) => r.resourceType === 'document').length;
        await apply.click();
        await page.waitForURL(/#\/operations\/op_[0-9A-Z]+$/);
        const id = decodeURIComponent(page.url().split('#/operations/')[1]);
        await page.getByRole('heading', { name: `Operation ${id}` }).waitFor();
        await waitForStatus(/PENDING|RUNNING/, 5_000); // seen running ...
        await waitForStatus(/SUCCEEDED/); // ... and finished, live
        expect(await page.evaluate(() => (globalThis as any).samePage)).toBe(true);
        expect(session!.testRequests().filter((r) => r.resourceType === 'document').length).toBe(documentsBefore);
        const streams = session!.testRequests().filter((r) => r.url.startsWith(`${baseUrl}/v1/operations/${id}/events?`));
        expect(streams).toHaveLength(1);

        // what the page shows of each target: Gcore's task, Apinizer's deployment per environment, before → applied
        const gcore = page.getByRole('region', { name: `Target 1: Gcore L7 policy ${SEED.l7(1)}` });
        expect(await gcore.getByRole('table', { name: 'Gcore tasks' }).getByRole('cell', { name: 'FINISHED' }).count()).toBe(1);
        expect(await gcore.getByRole('table', { name: 'Before → applied' }).getByRole('row', { name: /^name/ }).textContent()).toBe(
          'name"redirect-to-url""console-renamed"',
        );
        const apinizer = page.getByRole('region', { name: 'Target 2: Apinizer policy demo / petstore / rate-limit' });
        const deployments = apinizer.getByRole('table', { name: 'Apinizer deployment per environment' });
        for (const env of ['dev', 'prod']) expect(await deployments.getByRole('row', { name: new RegExp(`^${env} `) }).textContent()).toContain('SUCCEEDED');
        expect(await apinizer.textContent()).toContain('Merged fromlast-applied');
        expect(await definitionOf('Requested by').textContent()).toBe('admin');

        const done = await finished(h!, id);
        expect(done.results.map((r: any) => r.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
        expect(await l7Name(h!, 1)).toBe('console-renamed');
        await expectKeyNeverInUrls();
      } finally {
        await sandboxControl(h!, 'PATCH', '/__sandbox/config', { taskDurationMs: 300 });
      }
    },
    TEST_MS,
  );

  browserTest(
    "a failed target's provider error: the list follows a staged rollout live over one stream, the detail shows the provider's status and message",
    () => session,
    async () => {
      await openConsole('#/operations');
      await page.getByRole('status').filter({ hasText: 'Live updates on' }).waitFor();
      await waitFor(
        () => session!.testRequests().some((r) => r.url.startsWith(`${baseUrl}/v1/operations/events?`) && r.status === 200) || undefined,
        10_000,
        20,
      );
      await page.evaluate(() => ((globalThis as any).samePage = true));

      await sandboxControl(h!, 'POST', '/__sandbox/faults', {
        method: 'PATCH',
        path: SEED.l7(3),
        count: -1,
        status: 400,
        body: { exception_class: 'ValidationError', message: 'position is taken' },
      });
      const res = await postUpdates(h!, {
        reference: 'console-rollout',
        updates: [
          { target: l7Target(5), changes: { name: 'canary-5' } },
          { target: l7Target(3), changes: { name: 'rollout-3' } },
          { target: l7Target(6), changes: { name: 'rollout-6' } },
        ],
        rollout: { batches: [1, 1, 'rest'], onFailure: 'halt' },
      });
      expect(res.status).toBe(202);
      const id: string = res.body.id;

      // the new operation appears on the open list and reaches its end there, without a reload
      const row = page
        .getByRole('table', { name: 'Operations, newest first' })
        .getByRole('row')
        .filter({ has: page.getByRole('link', { name: id }) });
      await row.filter({ hasText: 'PARTIALLY_SUCCEEDED' }).waitFor({ timeout: 20_000 });
      expect(await row.textContent()).toContain('3 targets: Gcore L7 policy');
      expect(await row.textContent()).toContain('console-rollout');
      expect(await page.evaluate(() => (globalThis as any).samePage)).toBe(true);
      const listStreams = session!.testRequests().filter((r) => r.url.startsWith(`${baseUrl}/v1/operations/events?`));
      expect(listStreams).toHaveLength(1); // ONE stream for the whole list
      expect(new URL(listStreams[0].url).searchParams.get('access_token')).toBeTruthy();
      await screenshot('operations-list');

      // the reference search narrows the list to it
      await page.getByLabel('Reference').fill('console-rollout');
      await page.getByRole('button', { name: 'Apply filters' }).click();
      await page.waitForURL(/#\/operations\?reference=console-rollout$/);
      await page.getByRole('table', { name: 'Operations, newest first' }).getByRole('link', { name: id }).waitFor();
      expect(await page.getByRole('table', { name: 'Operations, newest first' }).getByRole('row').count()).toBe(2); // header + one
      // the list's stream follows the same reference filter
      await waitFor(
        () => session!.testRequests().find((r) => r.url.startsWith(`${baseUrl}/v1/operations/events?`) && r.url.includes('reference=console-rollout')),
        10_000,
        20,
      );

      await page.getByRole('link', { name: id }).click();
      await page.getByRole('heading', { name: `Operation ${id}` }).waitFor();
      await waitForStatus(/PARTIALLY_SUCCEEDED/);
      const failed = page.getByRole('region', { name: `Target 2: Gcore L7 policy ${SEED.l7(3)}` });
      expect(await failed.getByText('FAILED', { exact: true }).count()).toBe(1);
      const error = failed.getByRole('group', { name: 'Error VALIDATION_FAILED' });
      const errorText = await error.textContent();
      expect(errorText).toContain('Gcore L7 policy update failed with 400: position is taken');
      expect(errorText).toContain('Provider status: 400');
      expect(await error.getByRole('region', { name: "Provider's error body" }).textContent()).toContain('"exception_class": "ValidationError"');
      const cancelled = page.getByRole('region', { name: `Target 3: Gcore L7 policy ${SEED.l7(6)}` });
      expect(await cancelled.getByRole('group', { name: 'Error CANCELLED_BY_ROLLOUT' }).count()).toBe(1);
      const rollout = page.getByRole('region', { name: 'Rollout' });
      expect(await rollout.textContent()).toContain('HALTED');
      expect(
        await rollout
          .getByRole('listitem')
          .filter({ hasText: /^Batch 2 \(current\)/ })
          .textContent(),
      ).toContain('Target 2 FAILED');
      await screenshot('operation-rollout-failed-target');
      await expectKeyNeverInUrls();
    },
    TEST_MS,
  );

  browserTest(
    'drift after an out-of-band change: the revert is refused with the diffs, and only the deliberate force step reverts',
    () => session,
    async () => {
      const res = await postUpdates(h!, {
        reference: 'console-drift',
        updates: [
          { target: l7Target(2), changes: { name: 'ours' } },
          { target: l7Target(4), changes: { name: 'ours-too' } },
        ],
      });
      const id: string = res.body.id;
      expect((await finished(h!, id)).status).toBe('SUCCEEDED');
      await openConsole(`#/operations/${id}`);
      await page.getByRole('heading', { name: `Operation ${id}` }).waitFor();

      await page.getByRole('button', { name: 'Check drift' }).click();
      const drift = page.getByRole('list', { name: 'Drift of each target' });
      await drift.getByRole('listitem').filter({ hasText: 'IN_SYNC' }).nth(1).waitFor();

      await outOfBandL7Rename(h!, 2, 'theirs');
      await page.getByRole('button', { name: 'Check drift' }).click();
      await drift.getByRole('listitem').filter({ hasText: 'DRIFTED' }).waitFor();
      expect(await drift.getByRole('table', { name: 'Changed since, target 1' }).getByRole('row', { name: /^name/ }).textContent()).toBe('name"ours""theirs"');

      // Revert: 409, the changes since shown as diffs, nothing written, and a force step that needs a confirmation
      session!.expectConsoleErrors(new RegExp(`status of 409 .*/v1/operations/${id}/revert`));
      const writesBefore = (await sandboxWrites(h!)).length;
      await page.getByRole('button', { name: 'Revert', exact: true }).click();
      const refusal = page.getByRole('region', { name: 'Revert refused: targets changed since this operation' });
      await refusal.waitFor();
      expect(await page.evaluate(() => (globalThis as any).document.activeElement?.textContent)).toBe('Revert refused: targets changed since this operation');
      const changed = refusal.getByRole('list', { name: 'Targets changed since this operation' });
      expect(await changed.getByRole('table', { name: 'Changed since, target 1' }).getByRole('row', { name: /^name/ }).textContent()).toBe(
        'name"ours""theirs"',
      );
      expect((await sandboxWrites(h!)).length).toBe(writesBefore);
      const force = refusal.getByRole('button', { name: 'Revert with force' });
      expect(await force.isDisabled()).toBe(true);
      await refusal.getByRole('group', { name: 'Force the revert' }).getByLabel('I understand: overwrite these changes').check();
      expect(await force.isEnabled()).toBe(true);
      await screenshot('revert-force-step');

      await force.click();
      await page.waitForURL((url) => !url.hash.endsWith(id) && /#\/operations\/op_/.test(url.hash));
      const revertId = decodeURIComponent(page.url().split('#/operations/')[1]);
      await page.getByRole('heading', { name: `Operation ${revertId}` }).waitFor();
      await waitForStatus(/SUCCEEDED/);
      expect(await definitionOf('Revert of').getByRole('link').textContent()).toBe(id);
      expect(await l7Name(h!, 2)).toBe('redirect-prefix');
      expect(await l7Name(h!, 4)).toBe('reject-bots');
      expect((await finished(h!, revertId)).revertOf).toBe(id);

      // and back: the original names its revert
      await page.getByRole('link', { name: id }).click();
      await page.getByRole('heading', { name: `Operation ${id}` }).waitFor();
      await page.getByRole('term').filter({ hasText: 'Reverted by' }).waitFor();
      expect(await definitionOf('Reverted by').getByRole('link').allTextContents()).toEqual([revertId]);
      expect(await definitionOf('Requested by').textContent()).toBe('admin');
      await screenshot('operation-reverted');
      await expectKeyNeverInUrls();
    },
    TEST_MS,
  );

  browserTest(
    'webhooks: a subscription created (secret shown once), its test delivery failing every attempt, replayed to success, rotated and deleted',
    () => session,
    async () => {
      // the endpoint fails the whole first run of the test event (3 attempts with WEBHOOK_RETRY_DELAYS_MS=200,400), then answers 200
      const receiver = await scriptedReceiver((hit) => ({ status: hit.event.type === 'webhook.test' && hit.attempt <= 3 ? 503 : 200 }));
      try {
        await openConsole('#/webhooks');
        await page.getByRole('heading', { name: 'Webhooks' }).waitFor();
        await page.getByLabel('Endpoint URL').fill(receiver.url);
        await page.getByLabel('Description (optional)').fill('console e2e receiver');
        expect(await page.getByRole('group', { name: 'Events' }).getByLabel('Every event (*)').isChecked()).toBe(true);
        await page.getByRole('button', { name: 'Create subscription' }).click();
        await page.getByRole('heading', { name: 'Subscription created: store the signing secret now' }).waitFor();
        const secret = await page.getByRole('textbox', { name: 'Signing secret' }).inputValue();
        expect(secret).toMatch(/^whsec_/);
        const row = page.getByRole('table', { name: 'Webhook subscriptions' }).getByRole('row').filter({ hasText: receiver.url });
        await row.waitFor();
        const subscriptionId = /whs_[0-9A-Z]{26}/.exec((await row.textContent())!)![0];
        await page.getByRole('button', { name: 'I have stored it' }).click();
        expect(await page.getByRole('textbox', { name: 'Signing secret' }).count()).toBe(0); // gone for good

        await row.getByRole('button', { name: `Send test to ${subscriptionId}` }).click();
        const sent = page.getByRole('status').filter({ hasText: /^Test event \S+ sent/ });
        await sent.waitFor();
        const eventId = /Test event (\S+) sent/.exec((await sent.textContent())!)![1];
        await page.getByRole('heading', { name: `Deliveries of ${receiver.url}` }).waitFor();
        const delivery = page.getByRole('article').filter({ has: page.getByRole('heading', { name: `webhook.test ${eventId}` }) });
        await delivery.getByText('FAILED', { exact: true }).waitFor({ timeout: 20_000 });
        const attempts = delivery.getByRole('table', { name: `Attempts of ${eventId}` }).getByRole('row');
        expect(await attempts.count()).toBe(4); // header + 3 attempts
        for (const n of [1, 2, 3]) expect(await attempts.nth(n).textContent()).toContain('503');
        await screenshot('webhooks');

        await delivery.getByRole('button', { name: `Replay delivery of ${eventId}` }).click();
        await delivery.getByText('SUCCEEDED', { exact: true }).waitFor({ timeout: 20_000 });
        expect(await attempts.count()).toBe(5);
        expect(await attempts.nth(4).textContent()).toMatch(/^4.*200/);
        const hits = receiver.hits.filter((x) => x.event.id === eventId);
        expect(hits.map((x) => x.attempt)).toEqual([1, 2, 3, 4]); // the same webhook-id every time
        expectVerifies(secret, hits[3]); // signed with the secret the page showed

        await row.getByRole('button', { name: `Rotate secret of ${subscriptionId}` }).click();
        await page.getByRole('heading', { name: 'Secret rotated: store the signing secret now' }).waitFor();
        const rotated = await page.getByRole('textbox', { name: 'Signing secret' }).inputValue();
        expect(rotated).toMatch(/^whsec_/);
        expect(rotated).not.toBe(secret);

        await row.getByRole('button', { name: `Delete ${subscriptionId}` }).click();
        await page.getByRole('button', { name: `Yes, delete ${subscriptionId}` }).click();
        await page
          .getByRole('status')
          .filter({ hasText: `Subscription ${subscriptionId} deleted.` })
          .waitFor();
        await row.waitFor({ state: 'detached' });
        expect((await h!.http.get(`/v1/webhook-subscriptions/${subscriptionId}`).set(auth())).status).toBe(404);
        await expectKeyNeverInUrls();
      } finally {
        await receiver.close();
      }
    },
    TEST_MS,
  );
});
