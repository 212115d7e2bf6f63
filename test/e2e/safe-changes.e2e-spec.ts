/**
 * Safe changes (contract §9): every result keeps `before` and `applied`, `GET /drift` compares them with the provider
 * now, and `POST /revert` restores `before` — exactly, against the strict sandbox, for each target kind.
 */
import {
  APINIZER_QUOTA_POLICY,
  Harness,
  READ_KEY,
  SEED,
  waitFor,
  apinizerTarget,
  auth,
  finished,
  l7Target,
  lbTarget,
  outOfBandL7Rename,
  postUpdates,
  sandboxControl,
  startHarness,
} from '../support/harness';

jest.setTimeout(90_000);

const L7_FIELDS = ['action', 'name', 'position', 'redirect_url', 'redirect_prefix', 'redirect_pool_id', 'redirect_http_code', 'tags'] as const;
const pick = (o: Record<string, unknown>, keys: readonly string[]) => Object.fromEntries(keys.map((k) => [k, o[k] ?? null]));

async function l7State(h: Harness, n: number): Promise<Record<string, unknown>> {
  const state = await sandboxControl(h, 'GET', `/__sandbox/state/l7policies/${SEED.l7(n)}`);
  return pick(state.policy ?? state, L7_FIELDS);
}

async function lbState(h: Harness): Promise<Record<string, unknown>> {
  const state = await sandboxControl(h, 'GET', `/__sandbox/state/loadbalancers/${SEED.lbWeb}`);
  const lb = state.lb ?? state;
  return { name: lb.name, tags_v2: lb.tags_v2, logging: lb.logging, preferred_connectivity: lb.preferred_connectivity };
}

async function revert(h: Harness, id: string, body: object = {}, headers: Record<string, string> = {}) {
  return h.http
    .post(`/v1/operations/${id}/revert`)
    .set({ ...auth(), ...headers })
    .send(body);
}

describe('safe changes: before, applied, drift, revert', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());
  beforeEach(() => sandboxControl(h, 'POST', '/__sandbox/reset'));

  it('Gcore L7 across an action change: before and applied recorded, IN_SYNC, and a revert restores the policy exactly', async () => {
    const initial = await l7State(h, 1);
    const res = await postUpdates(h, {
      reference: 'safe-l7',
      updates: [
        {
          target: l7Target(1),
          changes: { action: 'REDIRECT_PREFIX', redirectPrefix: 'https://example.com/v3', redirectHttpCode: 301, name: 'moved', tags: ['x'] },
        },
      ],
    });
    const done = await finished(h, res.body.id);
    expect(done.status).toBe('SUCCEEDED');
    const result = done.results[0];
    expect(result.before).toMatchObject({
      action: 'REDIRECT_TO_URL',
      name: 'redirect-to-url',
      redirectUrl: 'https://example.com/new',
      redirectHttpCode: 302,
      tags: ['web'],
    });
    expect(result.applied).toMatchObject({
      action: 'REDIRECT_PREFIX',
      name: 'moved',
      redirectPrefix: 'https://example.com/v3',
      redirectUrl: null,
      tags: ['x'],
    });
    expect(done.requestedBy).toBe('admin');

    const drift = await h.http.get(`/v1/operations/${res.body.id}/drift`).set(auth());
    expect(drift.status).toBe(200);
    expect(drift.body.items).toEqual([expect.objectContaining({ index: 0, state: 'IN_SYNC' })]);
    expect((await h.http.get(`/v1/operations/${res.body.id}/drift`).set(auth(READ_KEY))).status).toBe(403); // policies.read

    const plan = await revert(h, res.body.id, { dryRun: true });
    expect(plan.status).toBe(200);
    expect(plan.body).toMatchObject({ dryRun: true, revertOf: res.body.id, drift: [expect.objectContaining({ state: 'IN_SYNC' })] });
    expect(plan.body.results[0].plan[0].body).toMatchObject({ action: 'REDIRECT_TO_URL', redirect_url: 'https://example.com/new', redirect_http_code: 302 });

    const undo = await revert(h, res.body.id, { reference: 'undo-l7' });
    expect(undo.status).toBe(202);
    expect(undo.headers.location).toBe(`/v1/operations/${undo.body.id}`);
    expect(undo.body).toMatchObject({ revertOf: res.body.id, reference: 'undo-l7', skipped: [] });
    const reverted = await finished(h, undo.body.id);
    expect(reverted.status).toBe('SUCCEEDED');
    expect(await l7State(h, 1)).toEqual(initial);

    const original = (await h.http.get(`/v1/operations/${res.body.id}`).set(auth())).body;
    expect(original.revertedBy).toEqual([undo.body.id]);
    // the original no longer matches the provider (the revert changed it back); the revert does
    const after = (await h.http.get(`/v1/operations/${res.body.id}/drift`).set(auth())).body.items[0];
    expect(after.state).toBe('DRIFTED');
    expect((await h.http.get(`/v1/operations/${undo.body.id}/drift`).set(auth())).body.items[0].state).toBe('IN_SYNC');

    // a revert can itself be reverted
    const redo = await revert(h, undo.body.id);
    expect(redo.status).toBe(202);
    expect((await finished(h, redo.body.id)).status).toBe('SUCCEEDED');
    expect(await l7State(h, 1)).toMatchObject({ action: 'REDIRECT_PREFIX', name: 'moved', redirect_prefix: 'https://example.com/v3' });
    const byReference = await h.http.get('/v1/operations?reference=undo-l7').set(auth());
    expect(byReference.body.items.map((o: { id: string }) => o.id)).toEqual([undo.body.id]);
  });

  it('load balancer name and tags: removed and added tags come back exactly (read-only tags untouched)', async () => {
    const initial = await lbState(h);
    const res = await postUpdates(h, {
      updates: [{ target: lbTarget(), changes: { name: 'lb-new', tags: { env: null, added: '1' }, preferredConnectivity: 'L3' } }],
    });
    const done = await finished(h, res.body.id);
    expect(done.results[0].before).toMatchObject({ name: 'lb-web', tags: { env: 'prod' }, preferredConnectivity: 'L2' });
    expect(done.results[0].applied).toMatchObject({ name: 'lb-new', tags: { added: '1' } });
    const undo = await revert(h, res.body.id);
    expect(undo.status).toBe(202);
    expect(undo.body.results[0].changes).toEqual({ name: 'lb-web', preferredConnectivity: 'L2', tags: { env: 'prod', added: null } });
    expect((await finished(h, undo.body.id)).status).toBe('SUCCEEDED');
    expect(await lbState(h)).toEqual(initial);
  });

  it('drift after an out-of-band change: revert refused (409, nothing written) until forced', async () => {
    const res = await postUpdates(h, {
      updates: [
        { target: l7Target(2), changes: { name: 'ours' } },
        { target: l7Target(4), changes: { name: 'ours-too' } },
      ],
    });
    expect((await finished(h, res.body.id)).status).toBe('SUCCEEDED');
    await outOfBandL7Rename(h, 2, 'theirs');

    const drift = (await h.http.get(`/v1/operations/${res.body.id}/drift`).set(auth())).body.items;
    expect(drift[0]).toMatchObject({ state: 'DRIFTED', diff: [{ field: 'name', applied: 'ours', current: 'theirs' }] });
    expect(drift[1].state).toBe('IN_SYNC');

    const requestsBefore = ((await sandboxControl(h, 'GET', '/__sandbox/requests')).log as { method: string }[]).filter((r) => r.method === 'PATCH').length;
    const refused = await revert(h, res.body.id);
    expect(refused.status).toBe(409);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(refused.body.items).toEqual([
      expect.objectContaining({ index: 0, state: 'DRIFTED', diff: [{ field: 'name', applied: 'ours', current: 'theirs' }] }),
    ]);
    const requestsAfter = ((await sandboxControl(h, 'GET', '/__sandbox/requests')).log as { method: string }[]).filter((r) => r.method === 'PATCH').length;
    expect(requestsAfter).toBe(requestsBefore);
    expect((await h.http.get(`/v1/operations/${res.body.id}`).set(auth())).body.revertedBy).toBeUndefined();

    const forced = await revert(h, res.body.id, { force: true }, { 'idempotency-key': 'force-1' });
    expect(forced.status).toBe(202);
    expect((await finished(h, forced.body.id)).status).toBe('SUCCEEDED');
    expect((await l7State(h, 2)).name).toBe('redirect-prefix');
    expect((await l7State(h, 4)).name).toBe('reject-bots');
    // the same key and body: the same revert (no drift check again, which it would now fail)
    const replay = await revert(h, res.body.id, { force: true }, { 'idempotency-key': 'force-1' });
    expect(replay.status).toBe(202);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body.id).toBe(forced.body.id);
    expect((await h.http.get(`/v1/operations/${res.body.id}`).set(auth())).body.revertedBy).toEqual([forced.body.id]);
  });

  it('refuses a running operation (409) and skips targets that did not succeed', async () => {
    await sandboxControl(h, 'PATCH', '/__sandbox/config', { taskDurationMs: 3000 });
    const running = await postUpdates(h, { updates: [{ target: l7Target(5), changes: { name: 'slow' } }] });
    const early = await revert(h, running.body.id);
    expect(early.status).toBe(409);
    expect(early.body.detail).toMatch(/revert it once it has ended/);
    await finished(h, running.body.id, 30_000);
    await sandboxControl(h, 'PATCH', '/__sandbox/config', { taskDurationMs: 300 });

    const res = await postUpdates(h, {
      updates: [
        { target: l7Target(6), changes: { name: 'fine' } },
        { target: { ...l7Target(7), id: '00000000-0000-4000-8000-0000000000ff' }, changes: { name: 'missing' } },
      ],
    });
    const done = await finished(h, res.body.id);
    expect(done.status).toBe('PARTIALLY_SUCCEEDED');
    const drift = (await h.http.get(`/v1/operations/${res.body.id}/drift`).set(auth())).body.items;
    expect(drift.map((d: { state: string }) => d.state)).toEqual(['IN_SYNC', 'NOT_APPLIED']);
    const undo = await revert(h, res.body.id);
    expect(undo.status).toBe(202);
    expect(undo.body.results).toHaveLength(1);
    expect(undo.body.skipped).toEqual([expect.objectContaining({ index: 1, reason: expect.stringMatching(/did not succeed/) })]);
    expect((await finished(h, undo.body.id)).status).toBe('SUCCEEDED');
    expect((await revert(h, 'op_01JD8X3Q4M5N6P7R8S9T0V1W2X')).status).toBe(404);
    expect((await revert(h, res.body.id, { force: 'yes' })).status).toBe(400);
  });

  it('a target changed twice by one operation is compared once and restored once, to the state the operation found', async () => {
    const initial = await l7State(h, 6);
    const res = await postUpdates(h, {
      updates: [
        { target: l7Target(6), changes: { name: 'first-a' } },
        { target: l7Target(6), changes: { name: 'second-b' } },
      ],
    });
    expect((await finished(h, res.body.id)).status).toBe('SUCCEEDED');
    const drift = (await h.http.get(`/v1/operations/${res.body.id}/drift`).set(auth())).body.items;
    expect(drift.map((d: { state: string }) => d.state)).toEqual(['IN_SYNC', 'IN_SYNC']);
    const undo = await revert(h, res.body.id);
    expect(undo.status).toBe(202);
    expect(undo.body.results).toHaveLength(1);
    expect(undo.body.results[0].changes.name).toBe('policy-6');
    expect(undo.body.skipped).toEqual([expect.objectContaining({ index: 1, reason: expect.stringMatching(/same target as index 0/) })]);
    expect((await finished(h, undo.body.id)).status).toBe('SUCCEEDED');
    expect(await l7State(h, 6)).toEqual(initial);
  });

  it('refused without force when a later update of a target is still queued or running, or its state cannot be read', async () => {
    const res = await postUpdates(h, { updates: [{ target: l7Target(8), changes: { name: 'mine' } }] });
    expect((await finished(h, res.body.id)).status).toBe('SUCCEEDED');
    await sandboxControl(h, 'PATCH', '/__sandbox/config', { taskDurationMs: 3000 });
    const later = await postUpdates(h, { updates: [{ target: l7Target(8), changes: { name: 'theirs-later' } }] });
    await waitFor(async () => ((await h.http.get(`/v1/operations/${later.body.id}`).set(auth())).body.status === 'RUNNING' ? true : undefined), 10_000, 20);
    const queued = await revert(h, res.body.id);
    expect(queued.status).toBe(409);
    expect(queued.body.items[0].reason).toMatch(/later update of this target is queued or running/);
    await finished(h, later.body.id, 30_000);
    await sandboxControl(h, 'PATCH', '/__sandbox/config', { taskDurationMs: 300 });

    const mine = await postUpdates(h, { updates: [{ target: l7Target(10), changes: { name: 'mine-10' } }] });
    expect((await finished(h, mine.body.id)).status).toBe('SUCCEEDED');
    await sandboxControl(h, 'POST', '/__sandbox/faults', {
      method: 'GET',
      path: `/cloud/v1/l7policies/${SEED.projectId}/${SEED.regionId}/${SEED.l7(10)}`,
      status: 403,
      count: 1,
    });
    const unreadable = await revert(h, mine.body.id);
    expect(unreadable.status).toBe(409);
    expect(unreadable.body.items[0]).toMatchObject({ state: 'ERROR', error: { code: 'PROVIDER_AUTH' } });
    expect((await revert(h, mine.body.id)).status).toBe(202); // the read works again: nothing drifted
  });

  it('Apinizer: moved across scope, pipeline and order with a deploy, then put back in its place and deployed again', async () => {
    // the strict sandbox lists nameless summaries: the gateway knows the full policy only from what it applied itself
    const full = APINIZER_QUOTA_POLICY;
    const target = apinizerTarget('quota', 'orders');
    const seedRes = await postUpdates(h, {
      updates: [{ target, changes: { replacePolicy: true, policy: full, targetScope: 'ALL', targetPipeline: 'REQUEST', order: 1 } }],
    });
    expect((await finished(h, seedRes.body.id)).status).toBe('SUCCEEDED');

    const move = await postUpdates(h, {
      updates: [
        {
          target,
          changes: {
            targetScope: 'ENDPOINT',
            targetEndpoint: '/orders',
            targetEndpointHTTPMethod: 'POST',
            targetPipeline: 'RESPONSE',
            order: 1,
            policy: { messageCountForInterval: 50 },
            deploy: true,
            deployTargetEnvironmentNameList: ['dev'],
          },
        },
      ],
    });
    const moved = await finished(h, move.body.id);
    expect(moved.status).toBe('SUCCEEDED');
    expect(moved.results[0].before).toMatchObject({ targetScope: 'ALL', targetPipeline: 'REQUEST', policy: { messageCountForInterval: 1000 } });
    expect(moved.results[0].applied).toMatchObject({ targetScope: 'ENDPOINT', targetPipeline: 'RESPONSE', order: 1, policy: { messageCountForInterval: 50 } });
    // a summary list: the current state cannot be read, so drift is UNKNOWN (and does not block a revert)
    expect((await h.http.get(`/v1/operations/${move.body.id}/drift`).set(auth())).body.items[0].state).toBe('UNKNOWN');

    const undo = await revert(h, move.body.id);
    expect(undo.status).toBe(202);
    expect(undo.body.results[0].changes).toMatchObject({
      replacePolicy: true,
      targetScope: 'ALL',
      targetPipeline: 'REQUEST',
      order: 1,
      deploy: true,
      deployTargetEnvironmentNameList: ['dev'],
      policy: { messageCountForInterval: 1000 },
    });
    const reverted = await finished(h, undo.body.id);
    expect(reverted.status).toBe('SUCCEEDED');
    expect(reverted.results[0].apinizer.deploymentResult).toBeTruthy();
    const put = ((await sandboxControl(h, 'GET', '/__sandbox/requests')).log as { method: string; path: string; body?: any }[])
      .filter((r) => r.method === 'PUT')
      .at(-1)!;
    expect(put.body.operationMetadata).toMatchObject({
      targetScope: 'ALL',
      targetPipeline: 'REQUEST',
      order: 1,
      deploy: true,
      deployTargetEnvironmentNameList: ['dev'],
    });
    expect(put.body.policy).toMatchObject({ messageCountForInterval: 1000, quotaInterval: 'ONE_DAY' });
  });

  it('credentials are masked in every answer, yet a revert restores them', async () => {
    const target = apinizerTarget('backend-auth', 'orders');
    const policy = {
      type: 'policy-api-authentication',
      description: 'Basic auth towards the orders backend',
      active: true,
      policyCondition: { conditionRuleList: [] },
      authType: 'BASIC',
      sendType: 'HEADER',
      apiAuthCondExpressionList: [{ username: 'orders-svc', password: 'first-secret-pass', policyCondition: { conditionRuleList: [] } }],
    };
    const first = await postUpdates(h, { updates: [{ target, changes: { replacePolicy: true, policy, targetScope: 'ALL', targetPipeline: 'REQUEST' } }] });
    expect((await finished(h, first.body.id)).status).toBe('SUCCEEDED');
    const second = await postUpdates(h, {
      updates: [
        {
          target,
          changes: {
            policy: { apiAuthCondExpressionList: [{ username: 'orders-svc', password: 'second-secret-pass', policyCondition: { conditionRuleList: [] } }] },
          },
        },
      ],
    });
    const answers: unknown[] = [second.body];
    const done = await finished(h, second.body.id);
    answers.push(
      done,
      (await h.http.get('/v1/operations?limit=5').set(auth())).body,
      (await h.http.get(`/v1/operations/${second.body.id}/drift`).set(auth())).body,
    );
    const dry = await revert(h, second.body.id, { dryRun: true });
    answers.push(dry.body, (await postUpdates(h, { dryRun: true, updates: [{ target, changes: { replacePolicy: true, policy } }] })).body);
    const text = JSON.stringify(answers);
    expect(text).not.toContain('first-secret-pass');
    expect(text).not.toContain('second-secret-pass');
    expect(done.results[0].before.policy.apiAuthCondExpressionList[0]).toEqual(expect.objectContaining({ username: 'orders-svc', password: '********' }));
    expect(h.logs.join('\n')).not.toMatch(/first-secret-pass|second-secret-pass/);

    const undo = await revert(h, second.body.id);
    expect(JSON.stringify(undo.body)).not.toContain('first-secret-pass');
    expect((await finished(h, undo.body.id)).status).toBe('SUCCEEDED');
    const put = ((await sandboxControl(h, 'GET', '/__sandbox/requests')).log as { method: string; body?: any }[]).filter((r) => r.method === 'PUT').at(-1)!;
    expect(put.body.policy.apiAuthCondExpressionList[0].password).toBe('first-secret-pass');

    // a policy sent back as shown (masked) keeps the credential it has; a placeholder with nothing to restore is refused
    const masked = done.results[0].before.policy;
    const again = await postUpdates(h, { updates: [{ target, changes: { replacePolicy: true, policy: { ...masked, description: 'edited in a console' } } }] });
    expect((await finished(h, again.body.id)).status).toBe('SUCCEEDED');
    const resent = ((await sandboxControl(h, 'GET', '/__sandbox/requests')).log as { method: string; body?: any }[]).filter((r) => r.method === 'PUT').at(-1)!;
    expect(resent.body.policy).toMatchObject({ description: 'edited in a console', apiAuthCondExpressionList: [{ password: 'first-secret-pass' }] });
    const newUser = { username: 'new-svc', password: '********', policyCondition: { conditionRuleList: [] } };
    const refused = await postUpdates(h, { dryRun: true, updates: [{ target, changes: { policy: { apiAuthCondExpressionList: [newUser] } } }] });
    expect(refused.status).toBe(422);
    expect(refused.body.errors).toEqual([expect.objectContaining({ path: 'updates[0].changes.policy.apiAuthCondExpressionList[0].password' })]);
  });
});

describe('safe changes where Apinizer lists full policies', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ sandbox: { strict: false } });
  });
  afterAll(() => h.close());

  it('applied is read back; a change made in Apinizer directly is DRIFTED on that field only; a forced revert restores it', async () => {
    const target = apinizerTarget('rate-limit');
    const res = await postUpdates(h, { updates: [{ target, changes: { policy: { messageCountForInterval: 250 } } }] });
    const done = await finished(h, res.body.id);
    expect(done.results[0].before).toMatchObject({ targetScope: 'ALL', targetPipeline: 'REQUEST', order: 1, policy: { messageCountForInterval: 100 } });
    expect(done.results[0].applied).toMatchObject({ policy: { messageCountForInterval: 250, type: 'policy-api-based-throttling' } });
    expect((await h.http.get(`/v1/operations/${res.body.id}/drift`).set(auth())).body.items[0].state).toBe('IN_SYNC');

    const { targetScope, targetPipeline, order, policy } = done.results[0].applied;
    const put = await fetch(`${h.sandbox.url}/apiops/projects/demo/apiProxies/petstore/policies/rate-limit/`, {
      method: 'PUT',
      headers: { authorization: 'Bearer sandbox-apinizer-token', 'content-type': 'application/json' },
      body: JSON.stringify({
        operationMetadata: { targetScope, targetPipeline, deploy: false, deployTargetEnvironmentNameList: [], order },
        policy: { ...policy, name: 'rate-limit', messageCountForInterval: 777 },
      }),
    });
    expect(put.status).toBe(200);
    const drift = (await h.http.get(`/v1/operations/${res.body.id}/drift`).set(auth())).body.items[0];
    expect(drift).toMatchObject({ state: 'DRIFTED', diff: [{ field: 'policy.messageCountForInterval', applied: 250, current: 777 }] });
    expect((await h.http.post(`/v1/operations/${res.body.id}/revert`).set(auth()).send({})).status).toBe(409);
    const forced = await h.http.post(`/v1/operations/${res.body.id}/revert`).set(auth()).send({ force: true });
    expect(forced.status).toBe(202);
    expect((await finished(h, forced.body.id)).status).toBe('SUCCEEDED');
    const lookup = await h.http
      .post('/v1/routing-policies/lookup')
      .set(auth())
      .send({ targets: [target, apinizerTarget('backend-auth', 'orders')] });
    // credentials are masked in lookups too (the full list shows them)
    expect(JSON.stringify(lookup.body)).not.toContain('s3cr3t-backend-pass');
    expect(lookup.body.items[1].current.policy.apiAuthCondExpressionList[0].password).toBe('********');
    const now = lookup.body.items[0];
    expect(now.current).toMatchObject({ targetScope: 'ALL', targetPipeline: 'REQUEST', order: 1, policy: { messageCountForInterval: 100 } });
  });
});
