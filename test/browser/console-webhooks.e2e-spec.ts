/**
 * The operations console (/console, apps/console built by `npm run build`) in headless Chromium against the gateway:
 * webhook subscriptions, a delivery that fails every attempt replayed to success, a secret rotated, a subscription
 * deleted. The test also checks that the API key never appears in a URL and, through BrowserSession, that nothing left
 * the machine and the page logged no error it did not expect. Shared set-up and page driver: console-support.ts.
 */
import { auth } from '../support/harness';
import { expectVerifies, scriptedReceiver } from '../support/webhooks';
import { useConsole } from './console-support';

jest.setTimeout(120_000);

describe('browser: the operations console, webhooks', () => {
  const consoleTest = useConsole();

  consoleTest(
    'webhooks: a subscription created (secret shown once), its test delivery failing every attempt, replayed to success, rotated and deleted',
    async ({ h, page, openConsole, expectKeyNeverInUrls, screenshot }) => {
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
        expect((await h.http.get(`/v1/webhook-subscriptions/${subscriptionId}`).set(auth())).status).toBe(404);
        await expectKeyNeverInUrls();
      } finally {
        await receiver.close();
      }
    },
  );
});
