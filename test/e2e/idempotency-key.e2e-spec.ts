/** Idempotency-Key on POST /v1/routing-policy-updates: replays, conflicts, races, and the callbackSecret only once. */
import { Harness, finished, l7Target, postUpdates, sandboxControl, startHarness } from '../support/harness';
import { scriptedReceiver, webhookFixtures } from '../support/webhooks';

jest.setTimeout(60_000);

describe('Idempotency-Key', () => {
  let h: Harness;
  const { track, cleanUp } = webhookFixtures(() => h);

  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());
  beforeEach(() => sandboxControl(h, 'POST', '/__sandbox/reset'));
  // subscriptions are global to the harness: drop them so later tests' events do not reach old receivers
  afterEach(cleanUp);

  it('same key and body → same operation with Idempotent-Replayed; another body → 422', async () => {
    const body = { updates: [{ target: l7Target(6), changes: { name: 'idem-1' } }] };
    const key = `idem-${Date.now()}-a`;
    const first = await postUpdates(h, body, { 'idempotency-key': key });
    expect(first.status).toBe(202);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    const second = await postUpdates(h, body, { 'idempotency-key': key });
    expect(second.status).toBe(202);
    expect(second.body.id).toBe(first.body.id);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.headers.location).toBe(`/v1/operations/${first.body.id}`);
    const other = await postUpdates(h, { updates: [{ target: l7Target(6), changes: { name: 'idem-2' } }] }, { 'idempotency-key': key });
    expect(other.status).toBe(422);
    expect(other.headers['content-type']).toMatch(/^application\/problem\+json/);
    await finished(h, first.body.id);
  });

  it('20 concurrent requests with one key make exactly one operation', async () => {
    const body = { updates: [{ target: l7Target(7), changes: { name: 'idem-race' } }] };
    const key = `idem-${Date.now()}-race`;
    const answers = await Promise.all(Array.from({ length: 20 }, () => postUpdates(h, body, { 'idempotency-key': key })));
    for (const a of answers) expect(a.status).toBe(202);
    expect(new Set(answers.map((a) => a.body.id)).size).toBe(1);
    expect(answers.filter((a) => a.headers['idempotent-replayed'] !== 'true')).toHaveLength(1);
    await finished(h, answers[0].body.id);
  });

  it('a callbackSecret is only in the first answer, not in a replay', async () => {
    const r = await track(scriptedReceiver());
    const body = { updates: [{ target: l7Target(8), changes: { name: 'idem-cb' } }], callbackUrl: r.url };
    const key = `idem-${Date.now()}-cb`;
    const first = await postUpdates(h, body, { 'idempotency-key': key });
    expect(first.body.callbackSecret).toMatch(/^whsec_/);
    const second = await postUpdates(h, body, { 'idempotency-key': key });
    expect(second.body.id).toBe(first.body.id);
    expect(second.body.callbackSecret).toBeUndefined();
    await finished(h, first.body.id);
  });
});
