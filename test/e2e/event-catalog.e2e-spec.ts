/**
 * The webhook event catalog (issue #19): served beside /docs as an OpenAPI 3.1 document that Redocly's linter accepts
 * (recommended rules), the same document the typed client is generated from, and a true description of what the
 * gateway sends: every event of real operations (updates, a staged rollout that halts, one that reverts across
 * providers, a revert, a callbackUrl) and a test event is verified with the client's verifyWebhook and validated
 * against the served catalog's schema of its type.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CATALOG_EVENT_TYPES, EVENT_CATALOG_PATH, EventCatalogValidator } from '@rpg/webhooks';
import { WebhookEvent, verifyWebhook } from '../../libs/client/src/webhooks';
import {
  APINIZER_QUOTA_POLICY,
  Harness,
  apinizerTarget,
  auth,
  finished,
  l7Target,
  lbTarget,
  postUpdates,
  refuseL7Patches,
  startHarness,
  waitFor,
} from '../support/harness';
import { Hit, scriptedReceiver, sendTest, signatureHeaders, webhookFixtures } from '../support/webhooks';

jest.setTimeout(120_000);

const ROOT = join(__dirname, '..', '..');
/**
 * Redocly's recommended rules, with one justified relaxation: `no-empty-servers` (a document of webhooks only has no
 * server: the gateway sends these requests, subscribers host the endpoints).
 */
const REDOCLY_CONFIG = 'extends:\n  - recommended\nrules:\n  no-empty-servers: off\n';

interface LintReport {
  totals: { errors: number; warnings: number; ignored: number };
  problems: { ruleId: string; message: string }[];
}

/** `redocly lint` of `file` with `config`: its exit code and its JSON report (stdout; the banner goes to stderr). */
async function redoclyLint(file: string, config: string): Promise<{ code: number; report: LintReport | string }> {
  const bin = join(ROOT, 'node_modules', '.bin', 'redocly');
  // no telemetry, no update check: the tests run offline
  const env = { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' };
  let code = 0;
  let stdout: string;
  try {
    ({ stdout } = await promisify(execFile)(bin, ['lint', file, '--config', config, '--format', 'json'], { env, timeout: 90_000 }));
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    code = typeof e.code === 'number' ? e.code : -1;
    stdout = `${e.stdout ?? ''}${e.stderr ?? ''}`;
  }
  try {
    return { code, report: JSON.parse(stdout) as LintReport };
  } catch {
    return { code, report: stdout };
  }
}

describe('webhook event catalog', () => {
  let h: Harness;
  let catalog: any;
  const { track, sub, cleanUp } = webhookFixtures(() => h);

  beforeAll(async () => {
    h = await startHarness();
    const res = await h.http.get(EVENT_CATALOG_PATH);
    expect(res.status).toBe(200);
    catalog = JSON.parse(res.text);
  });
  afterAll(async () => {
    await cleanUp();
    await h?.close();
  });

  it('is served beside /docs without a key, as JSON with the usual headers, linked from the API document', async () => {
    const res = await h.http.get(EVENT_CATALOG_PATH);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-request-id']).toEqual(expect.any(String));
    expect(res.headers['cache-control']).toBe('no-store');
    expect(catalog.openapi).toBe('3.1.0');
    expect(Object.keys(catalog.webhooks).sort()).toEqual([...CATALOG_EVENT_TYPES].sort());
    for (const type of CATALOG_EVENT_TYPES) {
      const post = catalog.webhooks[type].post;
      expect(post.parameters.map((p: { $ref: string }) => catalog.components.parameters[p.$ref.split('/').pop()!].name)).toEqual([
        'webhook-id',
        'webhook-timestamp',
        'webhook-signature',
        'traceparent',
        'tracestate',
      ]);
      expect(Object.keys(post.requestBody.content['application/json'].examples).length).toBeGreaterThan(0);
    }
    const api = await h.http.get('/docs-json');
    expect(api.body.info.description).toContain(EVENT_CATALOG_PATH);
  });

  it('is the document the typed client was generated from (libs/client/webhooks.json)', () => {
    expect(catalog).toEqual(JSON.parse(readFileSync(join(ROOT, 'libs/client/webhooks.json'), 'utf8')));
  });

  it('passes redocly lint with the recommended rules (no error, no warning)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rpg-catalog-'));
    try {
      writeFileSync(join(dir, 'webhooks.json'), JSON.stringify(catalog, null, 2));
      writeFileSync(join(dir, 'redocly.yaml'), REDOCLY_CONFIG);
      const { code, report } = await redoclyLint(join(dir, 'webhooks.json'), join(dir, 'redocly.yaml'));
      expect({ code, report }).toEqual({ code: 0, report: expect.objectContaining({ totals: { errors: 0, warnings: 0, ignored: 0 }, problems: [] }) });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('describes every event real operations send: each verifies with the client helper and matches its schema', async () => {
    const validator = new EventCatalogValidator(catalog);
    const subscriber = await track(scriptedReceiver());
    const callback = await track(scriptedReceiver());
    const s = await sub(subscriber.url, ['*']);

    // (1) a test event
    const testEventId = await sendTest(h, s.id);

    // (2) an update with a reference and a callbackUrl, then its revert
    const simple = await postUpdates(h, {
      reference: 'catalog-1',
      callbackUrl: callback.url,
      updates: [{ target: l7Target(1), changes: { name: 'catalog-1' } }],
    });
    expect(simple.status).toBe(202);
    const callbackSecret: string = simple.body.callbackSecret;
    expect((await finished(h, simple.body.id)).status).toBe('SUCCEEDED');
    const revert = await h.http.post(`/v1/operations/${simple.body.id}/revert`).set(auth()).send({ reference: 'catalog-1-undo' });
    expect(revert.status).toBe(202);
    expect((await finished(h, revert.body.id)).revertOf).toBe(simple.body.id);

    // (3) an Apinizer policy this gateway applies in full, then a staged rollout across providers whose last batch fails
    // with onFailure revert (compensation events, ROLLED_BACK, a linked restoring operation)
    const quota = apinizerTarget('quota', 'orders');
    const seeded = await postUpdates(h, {
      updates: [{ target: quota, changes: { replacePolicy: true, policy: APINIZER_QUOTA_POLICY, targetScope: 'ALL', targetPipeline: 'REQUEST', order: 1 } }],
    });
    expect((await finished(h, seeded.body.id)).status).toBe('SUCCEEDED');
    await refuseL7Patches(h, 3);
    const reverted = await postUpdates(h, {
      reference: 'catalog-rollout',
      updates: [
        { target: quota, changes: { policy: { messageCountForInterval: 5 } } },
        { target: lbTarget(), changes: { name: 'catalog-lb', tags: { wave: '1' } } },
        { target: l7Target(3), changes: { name: 'never-applied' } },
      ],
      rollout: { batches: [2, 'rest'], onFailure: 'revert' },
    });
    expect(reverted.status).toBe(202);
    const rolledBack = await finished(h, reverted.body.id, 40_000);
    expect(rolledBack.status).toBe('ROLLED_BACK');
    const restoring = await finished(h, rolledBack.results[0].compensation.operationId, 40_000);

    // (4) a staged rollout that halts: its second target is cancelled
    const halted = await postUpdates(h, {
      updates: [
        { target: l7Target(3), changes: { name: 'refused' } },
        { target: l7Target(4), changes: { name: 'never-started' } },
      ],
      rollout: { batches: [1, 'rest'], onFailure: 'halt' },
    });
    expect(halted.status).toBe(202);
    expect((await finished(h, halted.body.id, 40_000)).results[1].status).toBe('CANCELLED');

    const operations = [simple.body.id, revert.body.id, seeded.body.id, reverted.body.id, restoring.id, halted.body.id];
    const hits = await waitFor(
      () => {
        const done = operations.every((id) => subscriber.forOperation(id).some((x) => x.event.type === 'operation.completed'));
        const tested = subscriber.hits.some((x) => x.event.id === testEventId);
        const called = callback.hits.some((x) => x.event.type === 'operation.completed');
        return done && tested && called ? subscriber.hits : undefined;
      },
      40_000,
      100,
    );

    const check = (hit: Hit, secret: string): WebhookEvent => {
      const event = verifyWebhook(hit.body, hit.headers, secret);
      expect(event.id).toBe(signatureHeaders(hit)['webhook-id']);
      expect({ id: event.id, ...validator.validate(JSON.parse(hit.body)) }).toEqual({ id: event.id, valid: true, errors: [] });
      return event;
    };
    const events = hits.map((hit) => check(hit, s.secret));
    const callbackEvents = callback.hits.map((hit) => check(hit, callbackSecret));

    // every type of the catalog was seen, and the variants the catalog's examples show
    expect(new Set(events.map((e) => e.type))).toEqual(new Set(CATALOG_EVENT_TYPES));
    expect(new Set(callbackEvents.map((e) => e.type))).toEqual(new Set(['operation.target.completed', 'operation.completed']));
    const targetEvents = events.filter((e) => e.type === 'operation.target.completed');
    expect(targetEvents.some((e) => e.id.endsWith('_c') && e.data.result.compensation?.status === 'SUCCEEDED')).toBe(true);
    expect(targetEvents.some((e) => e.data.result.status === 'CANCELLED' && e.data.result.error?.code === 'CANCELLED_BY_ROLLOUT')).toBe(true);
    expect(targetEvents.some((e) => e.data.result.status === 'FAILED')).toBe(true);
    expect(new Set(targetEvents.map((e) => (e.data.result.target as { provider: string; kind: string }).kind))).toEqual(
      new Set(['l7policy', 'loadbalancer', 'policy']),
    );
    const completed = events.filter((e) => e.type === 'operation.completed').map((e) => e.data);
    expect(new Set(completed.map((o) => o.status))).toEqual(new Set(['SUCCEEDED', 'ROLLED_BACK', 'FAILED']));
    expect(completed.some((o) => o.revertOf === simple.body.id)).toBe(true);
    expect(completed.some((o) => o.rollout?.state === 'HALTED' || o.rollout?.state === 'COMPLETED')).toBe(true);
  });
});
