/**
 * The queue board (Bull Board under /admin/queues) in a real Chromium, as a person uses it: the login page, a session
 * cookie the page cannot read, every queue, the running job of an update, sign out, and back to the login page. Nothing is
 * loaded from another host (Bull Board's Google Fonts are removed) and the CSP reports no violation.
 */
import { ALL_QUEUES, QUEUES, jobIds } from '@rpg/queues';
import { API_KEY, Harness, READ_KEY, finished, postUpdates, startHarness, gatewayBaseUrl } from '../support/harness';
import { BrowserSession, Page, browserTest } from './browser-support';
import { sandboxControl } from '../support/sandbox';
import { SEED } from '../support/targets';
import { SESSION_COOKIE } from '../../apps/gateway/src/security/admin-session';

jest.setTimeout(60_000);

const L7_TARGET = { provider: 'gcore', kind: 'l7policy', projectId: 1, regionId: 76, id: SEED.l7(1) };
/** How long the sandbox holds the update's first read: the window in which the board shows its job as active. */
const ACTIVE_MS = 12_000;

describe('browser: Bull Board behind the admin login', () => {
  let h: Harness | undefined;
  let session: BrowserSession | undefined;
  let page: Page;
  let baseUrl: string;

  beforeAll(async () => {
    session = await BrowserSession.start(); // first: without Chromium nothing else needs to start
    h = await startHarness();
    baseUrl = await gatewayBaseUrl(h);
    page = await session.newPage();
  }, 60_000);

  afterAll(async () => {
    await session?.close();
    await h?.close();
  });

  const sessionCookies = async () => (await session!.context.cookies(`${baseUrl}/admin/queues`)).filter((c) => c.name === SESSION_COOKIE);
  const pathOf = (url: string) => new URL(url).pathname;

  async function signIn(apiKey: string): Promise<void> {
    await page.goto(`${baseUrl}/admin/login`);
    await page.locator('input[name="apiKey"][type="password"]').fill(apiKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  browserTest(
    'without a session /admin/queues leads to the login page; a key without the admin scope is refused there',
    () => session,
    async () => {
      await page.goto(`${baseUrl}/admin/queues`);
      expect(pathOf(page.url())).toBe('/admin/login');
      await page.locator('form[action="/admin/login"] input[name="apiKey"][type="password"]').waitFor();

      session!.expectConsoleErrors(/status of 403 .*\/admin\/login/);
      await signIn(READ_KEY);
      await page.getByRole('alert').filter({ hasText: 'lacks the scope "admin"' }).waitFor();
      expect(pathOf(page.url())).toBe('/admin/login');
      expect(await sessionCookies()).toEqual([]);
    },
  );

  browserTest(
    'signs in with the admin key, sees every queue and the job of an update, signs out, and is sent back to the login page',
    () => session,
    async () => {
      // sign in: 303 to the board with an HttpOnly SameSite=Strict cookie the page's script cannot see
      await signIn(API_KEY);
      await page.waitForURL(`${baseUrl}/admin/queues**`);
      const [cookie] = await sessionCookies();
      expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/admin' });
      expect(await page.evaluate(() => (globalThis as any).document.cookie as string)).not.toContain(SESSION_COOKIE);
      const login = session!.testRequests().find((r) => r.method === 'POST' && pathOf(r.url) === '/admin/login');
      expect(login?.status).toBe(303);

      // every queue in the menu and on the overview
      const menu = page.locator('aside nav');
      for (const queue of ALL_QUEUES) await menu.getByRole('link', { name: queue, exact: true }).waitFor();
      for (const queue of ALL_QUEUES) await page.locator('main').getByText(queue, { exact: true }).first().waitFor();

      // an update submitted through the API: its provider call is a job on the provider-calls queue, active while Gcore
      // answers the target's read slowly (a completed call is not kept: the operation record is its history)
      await sandboxControl(h!, 'POST', '/__sandbox/faults', { method: 'GET', path: SEED.l7(1), count: 1, delayMs: ACTIVE_MS });
      const submitted = await postUpdates(h!, { updates: [{ target: L7_TARGET, changes: { name: 'board-1' } }] });
      expect(submitted.status).toBe(202);
      const operationId: string = submitted.body.id;
      const jobId = jobIds.providerCall(operationId, 0);

      // open the provider-calls queue, its active jobs, and find the update's job
      await menu.getByRole('link', { name: QUEUES.providerCalls, exact: true }).click();
      await page.waitForURL(`**/admin/queues/queue/${QUEUES.providerCalls}**`);
      await page.getByRole('link', { name: /^ACTIVE/ }).click();
      await page.waitForURL(/[?&]status=active/);
      const job = page.getByRole('link', { name: jobId, exact: true });
      await job.waitFor();
      await job.click();
      await page.waitForURL(`**/admin/queues/queue/${QUEUES.providerCalls}/${jobId}**`);
      await page.getByText(`"${operationId}"`).first().waitFor();
      expect((await finished(h!, operationId)).status).toBe('SUCCEEDED');

      // sign out from the board's menu: the logout page, its button, back at the login page without the cookie
      await page.locator('header button[aria-haspopup="menu"]').last().click();
      await page.getByRole('menuitem', { name: 'Sign out' }).click();
      await page.waitForURL(`${baseUrl}/admin/logout`);
      await Promise.all([page.waitForURL(`${baseUrl}/admin/login`), page.getByRole('button', { name: 'Sign out' }).click()]);
      expect(await sessionCookies()).toEqual([]);
      const logout = session!.testRequests().find((r) => r.method === 'POST' && pathOf(r.url) === '/admin/logout');
      expect(logout?.status).toBe(303);

      // the board is closed again
      await page.goto(`${baseUrl}/admin/queues`);
      expect(pathOf(page.url())).toBe('/admin/login');
      await page.locator('input[name="apiKey"]').waitFor();

      // the board's own assets and API calls only: nothing from another host (fonts), nothing outside /admin
      const paths = session!.testRequests().map((r) => pathOf(r.url));
      expect(paths.filter((p) => !p.startsWith('/admin/'))).toEqual([]);
      expect(session!.testRequests().filter((r) => r.url.includes('/admin/queues/api/')).length).toBeGreaterThan(0);
    },
  );
});
