/**
 * Swagger UI at /docs in a real Chromium, as a person uses it: authorize with an API key, "Try it out" on
 * POST /v1/routing-policy-updates with the example as shown, Execute, and read 202 in the page. The sandbox is the
 * lenient one `npm start` runs: the docs' example includes a partial Apinizer change it merges.
 */
import { API_KEY, Harness, finished, startHarness, gatewayBaseUrl } from '../support/harness';
import { BrowserSession, Page, browserTest } from './browser-support';

jest.setTimeout(60_000);

const UPDATES_PATH = '/v1/routing-policy-updates';

describe('browser: Swagger UI', () => {
  let h: Harness | undefined;
  let session: BrowserSession | undefined;
  let page: Page;
  let baseUrl: string;

  beforeAll(async () => {
    session = await BrowserSession.start(); // first: without Chromium nothing else needs to start
    h = await startHarness({ sandbox: { strict: false } });
    baseUrl = await gatewayBaseUrl(h);
    page = await session.newPage();
  }, 60_000);

  afterAll(async () => {
    await session?.close();
    await h?.close();
  });

  browserTest(
    'authorizes with an API key and executes POST /v1/routing-policy-updates with the shown example: 202, and the operation succeeds',
    () => session,
    async () => {
      const docs = await h!.http.get('/docs-json');
      expect(docs.status).toBe(200);
      const examples = docs.body.paths[UPDATES_PATH].post.requestBody.content['application/json'].examples as Record<string, { value: unknown }>;
      const [firstExampleName] = Object.keys(examples);

      await page.goto(`${baseUrl}/docs`);
      await page.locator('.swagger-ui .info .title').filter({ hasText: 'Routing policy gateway' }).waitFor();

      // Authorize: the bearer scheme's value field, Authorize, Close
      await page.locator('.scheme-container button.authorize').click();
      const modal = page.locator('.modal-ux');
      await modal.locator('input#auth-bearer-value').fill(API_KEY);
      await modal.getByRole('button', { name: 'Apply credentials' }).click();
      await modal.getByRole('heading', { name: 'Authorized' }).waitFor();
      await modal.getByRole('button', { name: 'Close' }).click();
      await modal.waitFor({ state: 'detached' });
      expect(await page.locator('.scheme-container button.authorize').getAttribute('class')).toContain('locked');

      // expand the operation, Try it out
      const operation = page.locator('.opblock.opblock-post', { has: page.locator(`.opblock-summary-path[data-path="${UPDATES_PATH}"]`) });
      await expect(operation.count()).resolves.toBe(1);
      await operation.locator('.opblock-summary').click();
      await operation.getByRole('button', { name: 'Try it out' }).click();
      await operation.locator('button.execute').waitFor();

      // the optional headers: not marked required, empty (Prefer: wait would change the answer to 200)
      const headerRows = operation.locator('tr[data-param-in="header"]');
      const headerNames = await headerRows.locator('.parameter__name').allTextContents();
      expect(headerNames.map((n) => n.trim()).sort()).toEqual(['Idempotency-Key', 'Prefer']);
      await expect(headerRows.locator('.parameter__name.required').count()).resolves.toBe(0);
      expect(headerNames.join('')).not.toContain('*');
      await expect(operation.locator('tr[data-param-name="Prefer"] input').inputValue()).resolves.toBe('');
      await expect(operation.locator('tr[data-param-name="Idempotency-Key"] input').inputValue()).resolves.toBe('');

      // the example shown is the first one, as the document has it
      const select = operation.locator('select.examples-select-element');
      await expect(select.inputValue()).resolves.toBe(firstExampleName);
      const shown = JSON.parse(await operation.locator('textarea.body-param__text').inputValue());
      expect(shown).toEqual(examples[firstExampleName].value);

      // Execute
      const [response] = await Promise.all([
        page.waitForResponse((r) => r.url() === `${baseUrl}${UPDATES_PATH}` && r.request().method() === 'POST'),
        operation.locator('button.execute').click(),
      ]);
      expect(response.status()).toBe(202);
      const sent = await response.request().allHeaders();
      expect(sent.authorization).toBe(`Bearer ${API_KEY}`);
      expect(sent.prefer).toBeUndefined();
      expect(sent['idempotency-key']).toBeUndefined();
      expect(response.request().postDataJSON()).toEqual(examples[firstExampleName].value);
      const operationId = ((await response.json()) as { id: string }).id;

      // what the person reads: the live response's code and body
      const live = operation.locator('.live-responses-table tr.response');
      await expect(live.locator('.response-col_status').innerText()).resolves.toBe('202');
      await expect(live.locator('.response-col_description code').first().innerText()).resolves.toContain(operationId);

      const done = await finished(h!, operationId);
      expect(done.status).toBe('SUCCEEDED');
    },
  );
});
