/**
 * The operations console (/console, apps/console built by `npm run build`) in headless Chromium against the gateway and
 * the strict sandbox, on operations: a dry run then an apply across Gcore and Apinizer followed live to SUCCEEDED; a
 * failed target's provider error (reached live from the list); drift after an out-of-band change and a revert that only
 * a deliberate force step performs. Every test also checks that the API key never appears in a URL (streams carry stream
 * tokens) and, through BrowserSession, that nothing left the machine and the page logged no error it did not expect.
 * Shared set-up and page driver: console-support.ts.
 */
import { SEED, apinizerTarget, finished, l7Name, l7Target, outOfBandL7Rename, postUpdates, refuseL7Patches, sandboxControl, waitFor } from '../support/harness';
import { sandboxWrites, useConsole } from './console-support';

jest.setTimeout(120_000);

describe('browser: the operations console, operations', () => {
  const consoleTest = useConsole();

  consoleTest(
    'dry run then apply across Gcore and Apinizer: field errors highlighted, the plan with its diffs, then SUCCEEDED live without a reload',
    async ({ h, session, page, baseUrl, openConsole, waitForStatus, definitionOf, expectKeyNeverInUrls, screenshot }) => {
      await sandboxControl(h, 'PATCH', '/__sandbox/config', { taskDurationMs: 1500 }); // long enough to watch it run
      try {
        await openConsole();
        await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Submit' }).click();
        await page.getByRole('heading', { name: 'Submit an update' }).waitFor();
        const editor = page.getByLabel('Update request (JSON)');
        const apply = page.getByRole('button', { name: 'Apply' });
        expect(await apply.isDisabled()).toBe(true); // a dry run comes first

        // the API's problem details: the message, and the field highlighted in the request
        session.expectConsoleErrors(/status of 400 .*\/v1\/routing-policy-updates/);
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
        const writesBefore = (await sandboxWrites(h)).length;
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
        expect((await sandboxWrites(h)).length).toBe(writesBefore); // nothing written
        expect(await apply.isEnabled()).toBe(true);
        await screenshot('submit-dry-run');

        // apply, then follow the operation on its page: no reload, one stream with a stream token
        await page.evaluate(() => ((globalThis as any).samePage = true));
        const documentsBefore = session.testRequests().filter((r) => r.resourceType === 'document').length;
        // the Gcore task runs long enough for the page to show the operation running, however slowly a busy machine
        // gets the page there (the default 300 ms task could end first, and "seen running" would be a race)
        await sandboxControl(h, 'POST', '/__sandbox/faults', { method: 'PATCH', path: SEED.l7(1), taskDurationMs: 4000 });
        await apply.click();
        await page.waitForURL(/#\/operations\/op_[0-9A-Z]+$/);
        const id = decodeURIComponent(page.url().split('#/operations/')[1]);
        await page.getByRole('heading', { name: `Operation ${id}` }).waitFor();
        await waitForStatus(/PENDING|RUNNING/); // seen running ...
        await waitForStatus(/SUCCEEDED/); // ... and finished, live
        expect(await page.evaluate(() => (globalThis as any).samePage)).toBe(true);
        expect(session.testRequests().filter((r) => r.resourceType === 'document').length).toBe(documentsBefore);
        const streams = session.testRequests().filter((r) => r.url.startsWith(`${baseUrl}/v1/operations/${id}/events?`));
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

        const done = await finished(h, id);
        expect(done.results.map((r: any) => r.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
        expect(await l7Name(h, 1)).toBe('console-renamed');
        await expectKeyNeverInUrls();
      } finally {
        await sandboxControl(h, 'PATCH', '/__sandbox/config', { taskDurationMs: 300 });
      }
    },
  );

  consoleTest(
    "a failed target's provider error: the list follows a staged rollout live over one stream, the detail shows the provider's status and message",
    async ({ h, session, page, baseUrl, openConsole, waitForStatus, expectKeyNeverInUrls, screenshot }) => {
      await openConsole('#/operations');
      await page.getByRole('status').filter({ hasText: 'Live updates on' }).waitFor();
      await waitFor(
        () => session.testRequests().some((r) => r.url.startsWith(`${baseUrl}/v1/operations/events?`) && r.status === 200) || undefined,
        10_000,
        20,
      );
      await page.evaluate(() => ((globalThis as any).samePage = true));

      await refuseL7Patches(h, 3);
      const res = await postUpdates(h, {
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
      const listStreams = session.testRequests().filter((r) => r.url.startsWith(`${baseUrl}/v1/operations/events?`));
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
        () => session.testRequests().find((r) => r.url.startsWith(`${baseUrl}/v1/operations/events?`) && r.url.includes('reference=console-rollout')),
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
  );

  consoleTest(
    'drift after an out-of-band change: the revert is refused with the diffs, and only the deliberate force step reverts',
    async ({ h, session, page, openConsole, waitForStatus, definitionOf, expectKeyNeverInUrls, screenshot }) => {
      const res = await postUpdates(h, {
        reference: 'console-drift',
        updates: [
          { target: l7Target(2), changes: { name: 'ours' } },
          { target: l7Target(4), changes: { name: 'ours-too' } },
        ],
      });
      const id: string = res.body.id;
      expect((await finished(h, id)).status).toBe('SUCCEEDED');
      await openConsole(`#/operations/${id}`);
      await page.getByRole('heading', { name: `Operation ${id}` }).waitFor();

      await page.getByRole('button', { name: 'Check drift' }).click();
      const drift = page.getByRole('list', { name: 'Drift of each target' });
      await drift.getByRole('listitem').filter({ hasText: 'IN_SYNC' }).nth(1).waitFor();

      await outOfBandL7Rename(h, 2, 'theirs');
      await page.getByRole('button', { name: 'Check drift' }).click();
      await drift.getByRole('listitem').filter({ hasText: 'DRIFTED' }).waitFor();
      expect(await drift.getByRole('table', { name: 'Changed since, target 1' }).getByRole('row', { name: /^name/ }).textContent()).toBe('name"ours""theirs"');

      // Revert: 409, the changes since shown as diffs, nothing written, and a force step that needs a confirmation
      session.expectConsoleErrors(new RegExp(`status of 409 .*/v1/operations/${id}/revert`));
      const writesBefore = (await sandboxWrites(h)).length;
      await page.getByRole('button', { name: 'Revert', exact: true }).click();
      const refusal = page.getByRole('region', { name: 'Revert refused: targets changed since this operation' });
      await refusal.waitFor();
      expect(await page.evaluate(() => (globalThis as any).document.activeElement?.textContent)).toBe('Revert refused: targets changed since this operation');
      const changed = refusal.getByRole('list', { name: 'Targets changed since this operation' });
      expect(await changed.getByRole('table', { name: 'Changed since, target 1' }).getByRole('row', { name: /^name/ }).textContent()).toBe(
        'name"ours""theirs"',
      );
      expect((await sandboxWrites(h)).length).toBe(writesBefore);
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
      expect(await l7Name(h, 2)).toBe('redirect-prefix');
      expect(await l7Name(h, 4)).toBe('reject-bots');
      expect((await finished(h, revertId)).revertOf).toBe(id);

      // and back: the original names its revert
      await page.getByRole('link', { name: id }).click();
      await page.getByRole('heading', { name: `Operation ${id}` }).waitFor();
      await page.getByRole('term').filter({ hasText: 'Reverted by' }).waitFor();
      expect(await definitionOf('Reverted by').getByRole('link').allTextContents()).toEqual([revertId]);
      expect(await definitionOf('Requested by').textContent()).toBe('admin');
      await screenshot('operation-reverted');
      await expectKeyNeverInUrls();
    },
  );
});
