/** Live operation status: the SSE stream of an operation and Prefer: wait on POST /v1/routing-policy-updates. */
import { Harness, READ_KEY, SEED, TERMINAL, auth, finished, l7Target, postUpdates, sandboxControl, startHarness } from '../support/harness';
import { gatewayPort, readSse } from '../support/sse';
import { scaled } from '../support/wait';

jest.setTimeout(60_000);

describe('live status: SSE and Prefer: wait', () => {
  let h: Harness;
  let port: number;

  beforeAll(async () => {
    h = await startHarness();
    port = await gatewayPort(h);
  });
  afterAll(() => h.close());
  beforeEach(() => sandboxControl(h, 'POST', '/__sandbox/reset'));

  it('streams the current state first, then every change, and ends after the terminal state', async () => {
    // tasks long enough that the stream is open before they end, however slowly a busy machine gets there
    for (const n of [1, 2]) await sandboxControl(h, 'POST', '/__sandbox/faults', { method: 'PATCH', path: SEED.l7(n), taskDurationMs: 3000 });
    const res = await postUpdates(h, {
      updates: [
        { target: l7Target(1), changes: { name: 'sse-live' } },
        { target: l7Target(2), changes: { name: 'sse-live-2' } },
      ],
    });
    const id = res.body.id;
    const stream = await readSse(port, `/v1/operations/${id}/events`);
    expect(stream.res.statusCode).toBe(200);
    expect(stream.res.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(stream.res.headers['x-accel-buffering']).toBe('no');
    expect(stream.res.headers['cache-control']).toMatch(/no-cache/);
    expect(stream.retry).toMatch(/^\d+$/);
    expect(stream.events.length).toBeGreaterThanOrEqual(2);
    const ids = stream.events.map((e) => Number(e.id));
    for (let i = 1; i < ids.length; i++) expect(ids[i]).toBeGreaterThan(ids[i - 1]);
    for (const e of stream.events) expect(e.event).toBe('operation.updated');
    const ops = stream.events.map((e) => JSON.parse(e.data!));
    for (const o of ops) expect(o.id).toBe(id);
    expect(['PENDING', 'RUNNING']).toContain(ops[0].status);
    expect(ops[ops.length - 1].status).toBe('SUCCEEDED');
    expect(ops.slice(0, -1).every((o) => !TERMINAL.has(o.status))).toBe(true);
    // status only moves forward; updatedAt never goes back
    const rank = { PENDING: 0, RUNNING: 1, SUCCEEDED: 2 } as Record<string, number>;
    for (let i = 1; i < ops.length; i++) {
      expect(rank[ops[i].status]).toBeGreaterThanOrEqual(rank[ops[i - 1].status]);
      expect(Date.parse(ops[i].updatedAt)).toBeGreaterThanOrEqual(Date.parse(ops[i - 1].updatedAt));
    }
    // the intermediate changes were streamed (a task state change, results ending), not only the first and last state
    expect(ops.some((o) => o.status === 'RUNNING')).toBe(true);
    expect(ops[ops.length - 1]).toEqual((await h.http.get(`/v1/operations/${id}`).set(auth())).body);
  });

  it('a finished operation streams its state once and ends', async () => {
    const res = await postUpdates(h, { updates: [{ target: l7Target(3), changes: { name: 'sse-done' } }] });
    await finished(h, res.body.id);
    const stream = await readSse(port, `/v1/operations/${res.body.id}/events`, auth(READ_KEY));
    expect(stream.events).toHaveLength(1);
    expect(JSON.parse(stream.events[0].data!)).toMatchObject({ id: res.body.id, status: 'SUCCEEDED' });
  });

  it('unknown operation → 404 problem; no key → 401', async () => {
    for (const id of ['op_01JD8X3Q4M5N6P7R8S9T0V1W2X', 'nope']) {
      const res = await h.http.get(`/v1/operations/${id}/events`).set(auth());
      expect(res.status).toBe(404);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({ status: 404 });
    }
    expect((await h.http.get('/v1/operations/op_01JD8X3Q4M5N6P7R8S9T0V1W2X/events')).status).toBe(401);
  });

  it('Prefer: wait=10 answers 200 with the finished operation and Preference-Applied', async () => {
    const res = await postUpdates(h, { updates: [{ target: l7Target(4), changes: { name: 'wait-ok' } }] }, { prefer: 'wait=10' });
    expect(res.status).toBe(200);
    expect(res.headers['preference-applied']).toBe('wait=10');
    expect(res.headers.location).toBe(`/v1/operations/${res.body.id}`);
    expect(res.body).toMatchObject({ status: 'SUCCEEDED', completedAt: expect.any(String) });
    expect(res.body.results[0]).toMatchObject({ status: 'SUCCEEDED', gcore: { tasks: [{ state: 'FINISHED' }] } });
  });

  it('Prefer: wait=1 with a long task answers 202 after about a second', async () => {
    // the task outlasts any answer time a busy machine could give, so the 202 with a running operation proves the
    // gateway stopped waiting before the task ended; the ceiling only tells 1 s from a 10 s wait (wide for a busy machine)
    await sandboxControl(h, 'POST', '/__sandbox/faults', { method: 'PATCH', path: SEED.l7(5), taskDurationMs: 12_000 });
    const started = Date.now();
    const res = await postUpdates(h, { updates: [{ target: l7Target(5), changes: { name: 'wait-long' } }] }, { prefer: 'wait=1' });
    const took = Date.now() - started;
    expect(res.status).toBe(202);
    expect(res.headers['preference-applied']).toBeUndefined();
    expect(TERMINAL.has(res.body.status)).toBe(false);
    expect(took).toBeGreaterThanOrEqual(900);
    expect(took).toBeLessThan(scaled(9_000));
    expect((await finished(h, res.body.id, 40_000)).status).toBe('SUCCEEDED');
  });
});
