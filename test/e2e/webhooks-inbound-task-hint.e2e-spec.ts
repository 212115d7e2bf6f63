/** An inbound gcore.task.updated shortens a slow Gcore task polling schedule. */
import { Harness, TERMINAL, auth, finished, l7Target, postUpdates, sandboxControl, startHarness, waitFor } from '../support/harness';
import { signInbound } from '../support/webhooks';

/** The polling interval: long beside anything a busy machine adds, so "before the first poll" is a wide window. */
const POLL_MS = 10_000;

jest.setTimeout(60_000);

describe('inbound gcore.task.updated shortens a slow polling schedule', () => {
  let p: Harness;

  beforeAll(async () => {
    // the task sweep off: it would find the end first (test/e2e/gcore-task-sweep covers it); this is about the hint alone
    p = await startHarness({ env: { GCORE_TASK_POLL_INITIAL_MS: String(POLL_MS), GCORE_TASK_POLL_MAX_MS: String(POLL_MS), GCORE_TASK_SWEEP_MS: '0' } });
  });
  afterAll(async () => {
    await p.close();
  });

  it('with the hint the operation completes before its first poll is due; without it, only at that poll', async () => {
    const [withHint, withoutHint] = await Promise.all([
      postUpdates(p, { updates: [{ target: l7Target(1), changes: { name: 'hinted' } }] }),
      postUpdates(p, { updates: [{ target: l7Target(2), changes: { name: 'not-hinted' } }] }),
    ]);
    expect(withHint.status).toBe(202);
    const taskId = await waitFor(async () => {
      const op = await p.http.get(`/v1/operations/${withHint.body.id}`).set(auth());
      return op.body.results[0].gcore?.taskIds?.[0] as string | undefined;
    });
    // the sandbox task (300 ms) has finished (its own record says so), then the gateway is told
    await waitFor(async () => Date.now() >= (await sandboxControl(p, 'GET', `/__sandbox/tasks/${taskId}`)).finishAtMs);
    const body = JSON.stringify({ type: 'gcore.task.updated', timestamp: new Date().toISOString(), data: { taskId } });
    const hintSentAt = Date.now();
    const res = await p.http.post('/v1/inbound-webhooks/ci').set(signInbound(body)).send(body);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ accepted: true, polled: true });
    const op = await finished(p, withHint.body.id);
    expect(op.status).toBe('SUCCEEDED');
    // ended by the hint: after it was sent, and before the first scheduled poll could have run
    expect(Date.parse(op.completedAt)).toBeGreaterThanOrEqual(hintSentAt);
    expect(Date.parse(op.completedAt) - Date.parse(op.createdAt)).toBeLessThan(POLL_MS);
    const gets = ((await sandboxControl(p, 'GET', '/__sandbox/requests')).log as { method: string; path: string; at: number }[]).filter(
      (e) => e.method === 'GET' && e.path.endsWith(`/tasks/${taskId}`),
    );
    expect(gets.length).toBeGreaterThan(0);
    expect(gets.every((e) => e.at >= hintSentAt)).toBe(true); // the hint's poll read the end; no scheduled one ran
    // the other one is still waiting for its first poll
    const other = await p.http.get(`/v1/operations/${withoutHint.body.id}`).set(auth());
    expect(TERMINAL.has(other.body.status)).toBe(false);
    const slow = await finished(p, withoutHint.body.id, POLL_MS + 30_000);
    expect(slow.status).toBe('SUCCEEDED');
    expect(Date.parse(slow.completedAt) - Date.parse(slow.createdAt)).toBeGreaterThanOrEqual(POLL_MS - 500);
  }, 90_000);
});
