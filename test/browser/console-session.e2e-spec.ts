/**
 * The operations console (/console, apps/console built by `npm run build`) in headless Chromium against the gateway and
 * the strict sandbox: signing in and out, where the API key is kept (and where not), a narrow window and the keyboard,
 * and a key the gateway stops accepting. Like every console spec it also checks that the API key never appears in a URL
 * (streams carry stream tokens) and, through BrowserSession, that nothing left the machine and the page logged no error
 * it did not expect. Shared set-up and page driver: console-support.ts.
 */
import { API_KEY } from '../support/harness';
import { useConsole } from './console-support';

jest.setTimeout(120_000);

describe('browser: the operations console, signing in', () => {
  const consoleTest = useConsole();

  consoleTest(
    'signs in with an API key kept out of URLs, cookies and localStorage, works at 1280 px and on a narrow window, and signs out',
    async ({ session, page, baseUrl, expectKeyNeverInUrls, screenshot }) => {
      const response = await page.goto(`${baseUrl}/console`);
      expect(new URL(page.url()).pathname).toBe('/console/'); // /console redirects to the page
      expect(response!.headers()['content-security-policy']).toContain("default-src 'none'");
      await page.getByRole('heading', { name: 'Sign in to the routing policy console' }).waitFor();

      // a key the gateway does not know: refused, with the problem's status
      session.expectConsoleErrors(/status of 401 .*\/v1\/operations\?limit=1/);
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
      expect(await session.context.cookies()).toEqual([]);
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
      session.expectConsoleErrors(/401/);
      await page.evaluate(() => (globalThis as any).sessionStorage.setItem('routing-policy-console.api-key', 'revoked-key-0001'));
      await page.reload();
      await page.getByRole('alert').filter({ hasText: 'no longer accepts this API key' }).waitFor();
      await page.getByRole('heading', { name: 'Sign in to the routing policy console' }).waitFor();
      expect(await page.evaluate(() => (globalThis as any).sessionStorage.length)).toBe(0);
      await expectKeyNeverInUrls();
    },
  );
});
