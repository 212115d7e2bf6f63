/** Inbound webhooks: signature checks, duplicates by webhook-id, routing-policy.update.requested and gcore.task.updated. */
import { Harness, auth, finished, l7Target, sandboxControl, startHarness } from '../support/harness';
import { signInbound } from '../support/webhooks';

jest.setTimeout(60_000);

describe('inbound webhooks', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());
  beforeEach(() => sandboxControl(h, 'POST', '/__sandbox/reset'));

  const post = (source: string, body: string, headers: Record<string, string>) => h.http.post(`/v1/inbound-webhooks/${source}`).set(headers).send(body);
  const updateEvent = (n: number, name: string) =>
    JSON.stringify({
      type: 'routing-policy.update.requested',
      timestamp: new Date().toISOString(),
      data: { updates: [{ target: l7Target(n), changes: { name } }], reference: `inbound-${name}` },
    });

  it('routing-policy.update.requested creates an operation (202 {operationId}) that completes', async () => {
    // pretty-printed with a trailing newline: verified over the raw bytes, not over re-serialized JSON
    const body = JSON.stringify(JSON.parse(updateEvent(1, 'from-ci')), null, 2) + '\n';
    const res = await post('ci', body, signInbound(body));
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ operationId: expect.stringMatching(/^op_/) });
    const op = await finished(h, res.body.operationId);
    expect(op).toMatchObject({ status: 'SUCCEEDED', reference: 'inbound-from-ci' });
  });

  it('answers 401 for a bad signature, a tampered body, missing headers and a 10-minute-old timestamp', async () => {
    const body = updateEvent(2, 'bad-sig');
    const other = 'whsec_' + Buffer.from('wrong-secret-wrong-secret-000000').toString('base64');
    const bad = await post('ci', body, signInbound(body, { secret: other }));
    expect(bad.status).toBe(401);
    expect(bad.headers['content-type']).toMatch(/^application\/problem\+json/);
    const signed = signInbound(body);
    expect((await post('ci', body.replace('bad-sig', 'bad-siG'), signed)).status).toBe(401);
    expect((await post('ci', body, { 'content-type': 'application/json' })).status).toBe(401);
    const stale = await post('ci', body, signInbound(body, { at: new Date(Date.now() - 10 * 60 * 1000) }));
    expect(stale.status).toBe(401);
    // the signature over the same id works afterwards: a refused request does not burn its webhook-id
    expect((await post('ci', body, { ...signed })).status).toBe(202);
  });

  it('a repeated webhook-id answers 200 {duplicate: true} and creates nothing', async () => {
    const body = updateEvent(3, 'dup');
    const headers = signInbound(body);
    const first = await post('ci', body, headers);
    expect(first.status).toBe(202);
    const again = await post('ci', body, headers);
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ duplicate: true });
    // the same id re-signed with a fresh timestamp is still a duplicate
    const resigned = await post('ci', body, signInbound(body, { id: headers['webhook-id'] }));
    expect(resigned.body).toEqual({ duplicate: true });
  });

  it('two identical requests at once make exactly one operation', async () => {
    const body = updateEvent(4, 'race');
    const headers = signInbound(body);
    const answers = await Promise.all([post('ci', body, headers), post('ci', body, headers)]);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 202]);
    const created = answers.find((a) => a.status === 202)!;
    expect(answers.find((a) => a.status === 200)!.body).toEqual({ duplicate: true });
    await finished(h, created.body.operationId);
    const page = await h.http.get('/v1/operations?limit=200').set(auth());
    expect(page.body.items.filter((o: any) => o.reference === 'inbound-race')).toHaveLength(1);
  });

  it('unknown source → 404, unknown type → 422, bad task id → 400', async () => {
    const body = updateEvent(5, 'nowhere');
    const unknownSource = await post('nope', body, signInbound(body));
    expect(unknownSource.status).toBe(404);
    expect(unknownSource.headers['content-type']).toMatch(/^application\/problem\+json/);
    const weird = JSON.stringify({ type: 'something.else', timestamp: new Date().toISOString(), data: {} });
    const unknownType = await post('ci', weird, signInbound(weird));
    expect(unknownType.status).toBe(422);
    const badTask = JSON.stringify({ type: 'gcore.task.updated', timestamp: new Date().toISOString(), data: { taskId: 'not-a-task' } });
    const badTaskHeaders = signInbound(badTask);
    expect((await post('ci', badTask, badTaskHeaders)).status).toBe(400);
    // a request that failed is not remembered as seen
    expect((await post('ci', badTask, badTaskHeaders)).status).toBe(400);
    const unknownTask = JSON.stringify({
      type: 'gcore.task.updated',
      timestamp: new Date().toISOString(),
      data: { taskId: '00000000-0000-4000-8000-000000000000' },
    });
    const res = await post('ci', unknownTask, signInbound(unknownTask));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ accepted: true, polled: false });
  });
});
