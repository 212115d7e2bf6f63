import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { Webhook } from 'standardwebhooks';
import { GcoreTaskWatcher } from '@rpg/gcore-tasks';
import { LaneStarter, OperationStore, newSortableId } from '@rpg/operations';
import { QUEUES, jobIds } from '@rpg/queues';
import { ALL_ERROR_CODES } from '@rpg/routing-policy';
import { Harness, INBOUND_SECRET, auth, l7Target, sandboxControl, startHarness, startReceiver, waitFor, waitForOperation } from '../support/harness';

/**
 * Operational truth: an inbound dry run answers its plan, a bug in a job fails its target at once (logged once), the
 * OpenAPI document lists every error code and field the results carry, and the operator's log tells what webhooks did.
 */
jest.setTimeout(60_000);

type LogLine = Record<string, any> & { level: number; msg?: string };
const parsed = (h: Harness): LogLine[] => h.logs.map((l) => JSON.parse(l) as LogLine);

function signInbound(body: string, opts: { id?: string; secret?: string } = {}): Record<string, string> {
  const id = opts.id ?? `msg_${Math.random().toString(36).slice(2)}${Date.now()}`;
  const at = new Date();
  return {
    'content-type': 'application/json',
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': new Webhook(opts.secret ?? INBOUND_SECRET).sign(id, at, body),
  };
}

const updateRequested = (data: unknown) => JSON.stringify({ type: 'routing-policy.update.requested', timestamp: new Date().toISOString(), data });

/** An operation answer without what differs between two answers of the same request (its id and times). */
function comparable(operation: Record<string, any>): Record<string, any> {
  // who asked differs by design (the inbound source `inbound:<source>`, or the API key's name)
  const { id: _id, createdAt: _c, updatedAt: _u, completedAt: _d, requestedBy: _r, ...rest } = operation;
  return rest;
}

describe('operational truth', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ env: { WEBHOOK_RETRY_DELAYS_MS: '200,200' } });
  });
  afterAll(async () => {
    await h.close();
  });
  beforeEach(async () => {
    await sandboxControl(h, 'POST', '/__sandbox/reset');
  });

  describe('inbound routing-policy.update.requested with dryRun: true', () => {
    const inbound = (body: string, headers = signInbound(body)) => h.http.post('/v1/inbound-webhooks/ci').set(headers).send(body);
    const rest = (body: unknown) =>
      h.http
        .post('/v1/routing-policy-updates')
        .set(auth())
        .send(body as object);

    it('answers 200 with the planned operation, exactly as the REST dry run does, and stores nothing', async () => {
      const data = { updates: [{ target: l7Target(1), changes: { name: 'planned-by-ci' } }], reference: 'ci-dry', dryRun: true };
      const body = updateRequested(data);
      const headers = signInbound(body);
      const viaWebhook = await inbound(body, headers);
      expect(viaWebhook.status).toBe(200);
      expect(viaWebhook.headers.location).toBeUndefined();
      const viaRest = await rest(data);
      expect(viaRest.status).toBe(200);
      expect(viaWebhook.body).toMatchObject({ dryRun: true, reference: 'ci-dry', status: 'SUCCEEDED' });
      expect(viaWebhook.body.results[0].plan).toEqual([expect.objectContaining({ method: 'PATCH' })]);
      expect(comparable(viaWebhook.body)).toEqual(comparable(viaRest.body));
      expect([viaWebhook.body.requestedBy, viaRest.body.requestedBy]).toEqual(['inbound:ci', 'admin']);
      // nothing was stored or written: no operation under that id, no PATCH at the provider
      expect((await h.http.get(`/v1/operations/${viaWebhook.body.id}`).set(auth())).status).toBe(404);
      const log = (await sandboxControl(h, 'GET', '/__sandbox/requests')).log as { method: string }[];
      expect(log.filter((e) => e.method !== 'GET')).toEqual([]);
      // the same delivery again (the sender did not get the answer) plans again instead of answering "duplicate"
      const again = await inbound(body, headers);
      expect(again.status).toBe(200);
      expect(comparable(again.body)).toEqual(comparable(viaRest.body));
    });

    it('answers the REST route’s 400 and 422 problems for invalid and unmergeable changes', async () => {
      for (const [data, status] of [
        [{ updates: [{ target: l7Target(4), changes: { action: 'REDIRECT_TO_URL' } }], dryRun: true }, 400],
        [{ updates: [{ target: l7Target(3), changes: { redirectHttpCode: 301 } }], dryRun: true }, 422],
      ] as const) {
        const viaWebhook = await inbound(updateRequested(data));
        const viaRest = await rest(data);
        expect(viaRest.status).toBe(status);
        expect(viaWebhook.status).toBe(status);
        expect(viaWebhook.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect({ type: viaWebhook.body.type, errors: viaWebhook.body.errors }).toEqual({ type: viaRest.body.type, errors: viaRest.body.errors });
        expect(viaWebhook.body.errors.length).toBeGreaterThan(0);
      }
    });
  });

  describe('an internal error in a job', () => {
    it('fails the target at once with INTERNAL_ERROR (no retries), logged once with the operation id and stack', async () => {
      // a stored operation whose changes no code path expects (written directly, past the API's validation)
      const store = h.gateway.get(OperationStore, { strict: false });
      const id = newSortableId('op_');
      const target = l7Target(9); // exists: the read before the write succeeds, the merge of `null` changes is the bug
      await store.create({ id, createdAt: new Date().toISOString(), reference: 'malformed', dryRun: false, count: 1, apiKeyName: 'admin' }, [
        { target, changes: null } as never,
      ]);
      await h.gateway.get(LaneStarter, { strict: false }).start(`${id}#0`);
      const op = await waitForOperation(h, id, 20_000); // BullMQ's retries would take 75 s
      expect(op.status).toBe('FAILED');
      expect(op.results[0].error).toEqual({ code: 'INTERNAL_ERROR', message: expect.any(String) });
      expect(op.results[0].error.message).not.toMatch(/TypeError|\bat .+\.[jt]s:\d+|null/);

      // no retry, by the job's own record rather than by how soon it ended: one attempt, and none waiting to run
      // (a retry would be a delayed job, its 5 s backoff ahead) — so no second error line can follow
      // (the operation ends inside the job: wait for the job itself to be settled, then read what it left)
      const queue = h.gateway.get<Queue>(getQueueToken(QUEUES.providerCalls), { strict: false });
      const { job, state } = await waitFor(async () => {
        const found = await queue.getJob(jobIds.providerCall(id, 0));
        const now = found ? await found.getState() : 'removed';
        return now === 'active' ? undefined : { job: found, state: now };
      });
      expect(job?.attemptsMade ?? 0).toBeLessThanOrEqual(1);
      expect(state).not.toMatch(/^(delayed|waiting|wait|prioritized|waiting-children)$/);
      // exactly one error line, with what an operator needs; the stack only there
      const errors = await waitFor(() => {
        const lines = parsed(h).filter((l) => l.level >= 50 && JSON.stringify(l).includes(id));
        return lines.length ? lines : undefined;
      });
      const all = parsed(h).filter((l) => l.level >= 50 && JSON.stringify(l).includes(id));
      expect(all).toHaveLength(1);
      expect(errors[0]).toMatchObject({
        operationId: id,
        index: 0,
        queue: 'provider-calls',
        job: 'call',
        err: { message: expect.any(String), stack: expect.stringMatching(/\bat /) },
      });
      expect(errors[0].msg).toMatch(/internal error/);
    });
  });

  describe('an internal error in a gcore-tasks poll', () => {
    it('ends the loop at once: no retry, one error line with the task and operation ids, the waiting target FAILED INTERNAL_ERROR', async () => {
      // the task runs long enough for the loop to be corrupted between two polls
      await sandboxControl(h, 'PATCH', '/__sandbox/config', { taskDurationMs: 60_000 });
      const res = await h.http
        .post('/v1/routing-policy-updates')
        .set(auth())
        .send({ updates: [{ target: l7Target(10), changes: { name: 'poll-bug' } }] });
      expect(res.status).toBe(202);
      const id = res.body.id as string;
      const taskId = await waitFor(async () => {
        const op = (await h.http.get(`/v1/operations/${id}`).set(auth())).body;
        return op.results?.[0]?.status === 'RUNNING' ? (op.results[0].gcore?.taskIds?.[0] as string | undefined) : undefined;
      });
      const loopsKey = `{${h.prefix}}:task-loops`;
      const loopKey = `{${h.prefix}}:task-loop:${taskId}`;
      // a malformed loop state, written straight into the loop's hash while it waits for its next poll (atomically: a
      // poll in progress, whose score is its lease and not its due time, would write its state back), then run at once
      const corruptWhileWaiting = [
        "local score = redis.call('ZSCORE', KEYS[1], ARGV[1])",
        "if score and tonumber(score) == tonumber(redis.call('HGET', KEYS[2], 'due')) then",
        "  redis.call('HSET', KEYS[2], 'data', 'null') return 1",
        'end return 0',
      ].join('\n');
      await waitFor(
        async () => {
          const corrupted = await h.redis.eval(corruptWhileWaiting, 2, loopsKey, loopKey, taskId);
          return corrupted === 1;
        },
        10_000,
        20,
      );
      // from the gateway: the worker's poller hears of it over pub/sub
      expect(await h.gateway.get(GcoreTaskWatcher, { strict: false }).pollNow(taskId)).toBe('promoted');

      // a loop retried with backoff would keep the target waiting, and log each failed poll: the one error line
      // counted below, once the loop is gone for good, is the proof there was no retry (not how soon it ended)
      const op = await waitForOperation(h, id, 20_000);
      expect(op.status).toBe('FAILED');
      expect(op.results[0].error).toEqual({ code: 'INTERNAL_ERROR', message: expect.any(String) });
      expect(op.results[0].error.message).not.toMatch(/TypeError|\bat .+\.[jt]s:\d+|null/);
      expect(op.results[0].gcore.taskIds).toEqual([taskId]);

      // the loop is gone for good, on its first failure
      await waitFor(async () => (await h.redis.exists(loopKey)) === 0 && (await h.redis.zscore(loopsKey, taskId)) === null);

      const errors = await waitFor(() => {
        const lines = parsed(h).filter((l) => l.level >= 50 && JSON.stringify(l).includes(taskId));
        return lines.length ? lines : undefined;
      });
      expect(parsed(h).filter((l) => l.level >= 50 && JSON.stringify(l).includes(taskId))).toHaveLength(1);
      expect(await h.redis.zscore(loopsKey, taskId)).toBeNull();
      expect(errors[0]).toMatchObject({
        queue: 'gcore-tasks',
        job: 'poll',
        jobId: `task-${taskId}`,
        attemptsMade: 0,
        taskId,
        operationId: id,
        waiters: [`${id}#0`],
        err: { type: 'TypeError', message: expect.any(String), stack: expect.stringMatching(/\bat /) },
      });
      expect(errors[0].msg).toMatch(/internal error/);
    });
  });

  describe('OpenAPI document', () => {
    it('lists every error code of the one list, and documents result.error.errors and the Apinizer merge base', async () => {
      const spec = (await h.http.get('/docs-json')).body;
      const schemas = spec.components.schemas;
      const code = schemas.ResultErrorDto.properties.code;
      expect(code.enum).toEqual([...ALL_ERROR_CODES]);
      for (const c of ALL_ERROR_CODES) expect(code.description).toContain(c);
      expect(code.enum).toContain('PROVIDER_TIMEOUT');

      const errors = schemas.ResultErrorDto.properties.errors;
      expect(errors).toMatchObject({ type: 'array', description: expect.any(String) });
      const item = errors.items.$ref ? schemas[errors.items.$ref.split('/').pop()] : errors.items;
      expect(item.properties).toMatchObject({ path: { type: 'string' }, message: { type: 'string' } });
      expect(item.required).toEqual(expect.arrayContaining(['path', 'message']));

      const apinizer = schemas.ApinizerResultDto.properties;
      expect(apinizer.mergedFrom.enum).toEqual(['provider', 'last-applied', 'request']);
      expect(apinizer.lastAppliedAt).toMatchObject({ type: 'string' });
    });
  });

  describe('log lines', () => {
    const subscribe = async (url: string) => {
      const res = await h.http
        .post('/v1/webhook-subscriptions')
        .set(auth())
        .send({ url, events: ['*'] });
      expect(res.status).toBe(201);
      return res.body as { id: string; secret: string };
    };
    const sendTest = async (subId: string) => {
      const res = await h.http.post(`/v1/webhook-subscriptions/${subId}/test`).set(auth());
      expect(res.status).toBe(202);
      return res.body.eventId as string;
    };

    it('one line per delivery attempt: subscription, event, attempt, status, duration, next retry; never the secret or the body', async () => {
      const receiver = await startReceiver((n) => ({ status: n === 1 ? 500 : 200 }));
      const sub = await subscribe(receiver.url);
      try {
        const eventId = await sendTest(sub.id);
        const lines = await waitFor(() => {
          const found = parsed(h).filter((l) => l.eventId === eventId && l.attempt !== undefined);
          return found.length >= 2 ? found : undefined;
        });
        expect(lines).toHaveLength(2);
        expect(lines[0]).toMatchObject({
          subscriptionId: sub.id,
          eventId,
          eventType: 'webhook.test',
          attempt: 1,
          statusCode: 500,
          durationMs: expect.any(Number),
          nextRetryAt: expect.any(String),
        });
        expect(lines[1]).toMatchObject({ subscriptionId: sub.id, eventId, eventType: 'webhook.test', attempt: 2, statusCode: 200, nextRetryAt: null });
        const sent = receiver.received[0];
        for (const line of lines) {
          const text = JSON.stringify(line);
          expect(text).not.toContain(sub.secret);
          expect(text).not.toContain(sub.secret.slice('whsec_'.length));
          expect(text).not.toContain(String(sent.headers['webhook-signature']).split(',')[1]);
          expect(text).not.toContain(sent.body);
          expect(text).not.toContain('/hook'); // the endpoint's path (often a token) stays out
        }
      } finally {
        await h.http.delete(`/v1/webhook-subscriptions/${sub.id}`).set(auth());
        await receiver.close();
      }
    });

    it('a subscription disabled by 410 Gone', async () => {
      const receiver = await startReceiver(() => ({ status: 410 }));
      const sub = await subscribe(receiver.url);
      try {
        const eventId = await sendTest(sub.id);
        const line = await waitFor(() => parsed(h).find((l) => l.subscriptionId === sub.id && /disabled/.test(l.msg ?? '') && l.attempt === undefined));
        expect(line).toMatchObject({ level: 40, subscriptionId: sub.id, eventId });
        expect(line.msg).toMatch(/410/);
        expect(JSON.stringify(line)).not.toContain(sub.secret);
      } finally {
        await h.http.delete(`/v1/webhook-subscriptions/${sub.id}`).set(auth());
        await receiver.close();
      }
    });

    it('a rejected inbound signature: source and reason, never the signature or a secret', async () => {
      const body = updateRequested({ updates: [{ target: l7Target(2), changes: { name: 'forged' } }] });
      const other = 'whsec_' + Buffer.from('forged-secret-forged-secret-0000').toString('base64');
      const forged = signInbound(body, { secret: other });
      const before = h.logs.length;
      expect((await h.http.post('/v1/inbound-webhooks/ci').set(forged).send(body)).status).toBe(401);
      const stale = signInbound(body);
      stale['webhook-timestamp'] = String(Math.floor(Date.now() / 1000) - 3600);
      expect((await h.http.post('/v1/inbound-webhooks/ci').set(stale).send(body)).status).toBe(401);
      const lines = parsed(h)
        .slice(before)
        .filter((l) => /inbound webhook rejected/.test(l.msg ?? ''));
      expect(lines.map((l) => [l.level, l.source, l.reason])).toEqual([
        [40, 'ci', 'signature does not match'],
        [40, 'ci', expect.stringMatching(/timestamp/)],
      ]);
      const text = JSON.stringify(lines);
      for (const secret of [forged['webhook-signature'], stale['webhook-signature'], other, INBOUND_SECRET, body]) expect(text).not.toContain(secret);
      expect(text).not.toContain(forged['webhook-signature'].split(',')[1]);
    });
  });
});
