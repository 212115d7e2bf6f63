/** An inbound gcore.task.updated shortens a slow Gcore task polling schedule. */
import { Harness, TERMINAL, auth, finished, l7Target, postUpdates, startHarness, waitFor } from '../support/harness';
import { sleep } from '../support/wait';
import { signInbound } from '../support/webhooks';

jest.setTimeout(60_000);

describe('inbound gcore.task.updated shortens a slow polling schedule', () => {
  let p: Harness;

  beforeAll(async () => {
    // the task sweep off: it would find the end first (test/e2e/gcore-task-sweep covers it); this is about the hint alone
    p = await startHarness({ env: { GCORE_TASK_POLL_INITIAL_MS: '5000', GCORE_TASK_POLL_MAX_MS: '5000', GCORE_TASK_SWEEP_MS: '0' } });
  });
  afterAll(async () => {
    await p.close();
  });

  it('with the hint the operation completes within about a second; without it, only at the next poll (≥ 5 s)', async () => {
    const started = Date.now();
    const [withHint, withoutHint] = await Promise.all([
      postUpdates(p, { updates: [{ target: l7Target(1), changes: { name: 'hinted' } }] }),
      postUpdates(p, { updates: [{ target: l7Target(2), changes: { name: 'not-hinted' } }] }),
    ]);
    expect(withHint.status).toBe(202);
    const taskId = await waitFor(async () => {
      const op = await p.http.get(`/v1/operations/${withHint.body.id}`).set(auth());
      return op.body.results[0].gcore?.taskIds?.[0] as string | undefined;
    });
    // let the sandbox task (300 ms) finish, then tell the gateway
    await sleep(500);
    const body = JSON.stringify({ type: 'gcore.task.updated', timestamp: new Date().toISOString(), data: { taskId } });
    const hintSentAt = Date.now();
    const res = await p.http.post('/v1/inbound-webhooks/ci').set(signInbound(body)).send(body);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ accepted: true, polled: true });
    const op = await finished(p, withHint.body.id, 4000);
    expect(op.status).toBe('SUCCEEDED');
    expect(Date.parse(op.completedAt) - hintSentAt).toBeLessThan(1500);
    expect(Date.parse(op.completedAt) - Date.parse(op.createdAt)).toBeLessThan(3500);
    expect(Date.now() - started).toBeLessThan(4500);
    // the other one is still waiting for its first poll
    const other = await p.http.get(`/v1/operations/${withoutHint.body.id}`).set(auth());
    expect(TERMINAL.has(other.body.status)).toBe(false);
    const slow = await finished(p, withoutHint.body.id, 15_000);
    expect(slow.status).toBe('SUCCEEDED');
    expect(Date.parse(slow.completedAt) - Date.parse(slow.createdAt)).toBeGreaterThanOrEqual(4500);
  }, 30_000);
});
