/**
 * The gateway from a page on another origin (listed in CORS_ORIGINS), in a real Chromium: the client's ESM build loaded
 * as it is, a submit, the operation's EventSource stream to SUCCEEDED and its close, an idempotent replay's header, and a
 * webhook subscription deleted from the page.
 */
import { randomUUID } from 'node:crypto';
import { API_KEY, Harness, auth, startHarness, gatewayBaseUrl } from '../support/harness';
import { BrowserSession, Page, PageServer, assertClientBuild, browserTest, startPageServer } from './browser-support';

jest.setTimeout(60_000);

const L7_TARGET = { provider: 'gcore', kind: 'l7policy', projectId: 1, regionId: 76, id: 'd1b2c3d4-0000-4000-8000-000000000001' };

describe('browser: the client bundle on another origin', () => {
  let pages: PageServer | undefined;
  let h: Harness | undefined;
  let session: BrowserSession | undefined;
  let page: Page;
  let baseUrl: string;

  beforeAll(async () => {
    assertClientBuild();
    session = await BrowserSession.start(); // first: without Chromium nothing else needs to start
    pages = await startPageServer();
    h = await startHarness({ env: { CORS_ORIGINS: pages.origin } });
    baseUrl = await gatewayBaseUrl(h);
    page = await session.newPage();
  }, 60_000);

  afterAll(async () => {
    await session?.close();
    await h?.close();
    await pages?.close();
  });

  /** Opens the page on the other origin and waits until its module script has loaded the client. */
  async function openClientPage(url = pages!.pageUrl): Promise<void> {
    await page.goto(url);
    await page.waitForFunction(() => (globalThis as any).rpgReady === true);
  }

  browserTest(
    'submits with the client, follows the EventSource stream to SUCCEEDED until it closes, and reads an idempotent replay',
    () => session,
    async () => {
      await openClientPage();
      expect(new URL(page.url()).origin).toBe(pages!.origin);
      expect(pages!.origin).not.toBe(baseUrl);
      const request = { updates: [{ target: L7_TARGET, changes: { name: 'browser-1' } }] };
      const idempotencyKey = `browser-${randomUUID()}`;

      // (1) submit with the built client, an Idempotency-Key
      const first = await page.evaluate(
        async ({ baseUrl, apiKey, request, idempotencyKey }) => {
          const g = globalThis as any;
          g.client = g.rpg.createRoutingPolicyClient({ baseUrl, apiKey });
          const r = await g.client.submitUpdate(request, { idempotencyKey });
          return { status: r.status, replayed: r.replayed, location: r.location, id: r.operation.id, operationStatus: r.operation.status };
        },
        { baseUrl, apiKey: API_KEY, request, idempotencyKey },
      );
      expect(first).toMatchObject({ status: 202, replayed: false, location: `/v1/operations/${first.id}` });
      expect(first.id).toMatch(/^op_/);
      expect(['PENDING', 'RUNNING']).toContain(first.operationStatus);
      const id = first.id;

      // (2) a stream token bound to the operation, and a plain EventSource on ?access_token=
      const { token, expiresAt, url } = await page.evaluate(async (id) => {
        const g = globalThis as any;
        const t = await g.client.createStreamToken({ operationId: id });
        return { token: t.token as string, expiresAt: t.expiresAt as string, url: g.client.eventsUrl(id, t.token) as string };
      }, id);
      expect(token).toEqual(expect.any(String));
      expect(Date.parse(expiresAt) - Date.now()).toBeGreaterThan(0);
      expect(Date.parse(expiresAt) - Date.now()).toBeLessThanOrEqual(5 * 60_000 + 5_000);
      expect(url).toBe(`${baseUrl}/v1/operations/${id}/events?access_token=${encodeURIComponent(token)}`);

      await page.evaluate((url) => {
        const g = globalThis as any;
        const sse = { events: [] as unknown[], errorStates: [] as number[], opens: 0 };
        const es = new g.EventSource(url);
        g.sse = sse;
        g.es = es;
        es.addEventListener('open', () => void sse.opens++);
        es.addEventListener('operation.updated', (e: any) => void sse.events.push({ id: e.lastEventId, origin: e.origin, data: JSON.parse(e.data) }));
        es.addEventListener('error', () => void sse.errorStates.push(es.readyState));
      }, url);
      await page.waitForFunction(() => (globalThis as any).sse.events.some((e: any) => e.data.status === 'SUCCEEDED'));
      // the stream ends after the terminal event; EventSource reconnects (Last-Event-ID), gets 204 and stops for good
      await page.waitForFunction(() => {
        const g = globalThis as any;
        return g.es.readyState === 2 && g.sse.errorStates.includes(2);
      });
      const sse = await page.evaluate(() => (globalThis as any).sse);
      const statuses: string[] = sse.events.map((e: any) => e.data.status);
      expect(statuses[statuses.length - 1]).toBe('SUCCEEDED');
      expect(statuses.filter((s) => s === 'SUCCEEDED')).toHaveLength(1);
      for (const e of sse.events) {
        expect(e.data.id).toBe(id);
        expect(e.origin).toBe(baseUrl);
      }
      const ids = sse.events.map((e: any) => Number(e.id));
      expect(ids.every((n: number) => Number.isInteger(n))).toBe(true);
      expect([...ids].sort((a, b) => a - b)).toEqual(ids);
      expect(new Set(ids).size).toBe(ids.length);
      expect(sse.events[sse.events.length - 1].data.results.map((r: any) => r.status)).toEqual(['SUCCEEDED']);
      expect(sse.opens).toBe(1);
      expect(sse.errorStates[sse.errorStates.length - 1]).toBe(2);
      // on the wire: the stream (200), then one reconnect carrying the last event id, answered 204
      const streamRequests = session!.testRequests().filter((r) => r.url.startsWith(`${baseUrl}/v1/operations/${id}/events`));
      expect(streamRequests.map((r) => [r.resourceType, r.status])).toEqual([
        ['eventsource', 200],
        ['eventsource', 204],
      ]);
      const reconnect = await streamRequests[1].request.allHeaders();
      expect(reconnect['last-event-id']).toBe(sse.events[sse.events.length - 1].id);
      expect(reconnect.origin).toBe(pages!.origin);

      // the client's own stream (fetch + Web streams) with the same token: the terminal state, then done
      const viaClient = await page.evaluate(
        async ({ id, token }) => {
          const seen: string[] = [];
          for await (const event of (globalThis as any).client.events(id, { streamToken: token })) seen.push(event.data.status);
          return seen;
        },
        { id, token },
      );
      expect(viaClient).toEqual(['SUCCEEDED']);

      // waitForOperation: long polls with Prefer: wait (Preference-Applied must be readable across origins)
      const waited = await page.evaluate(async (id) => {
        const r = await (globalThis as any).client.waitForOperation(id, { timeoutSeconds: 10 });
        return { status: r.operation.status, timedOut: r.timedOut };
      }, id);
      expect(waited).toEqual({ status: 'SUCCEEDED', timedOut: false });

      // (3) the same key and body again: the original operation, replayed, through the client and as the raw header
      const again = await page.evaluate(
        async ({ request, idempotencyKey }) => {
          const r = await (globalThis as any).client.submitUpdate(request, { idempotencyKey });
          return { status: r.status, replayed: r.replayed, id: r.operation.id, location: r.location };
        },
        { request, idempotencyKey },
      );
      expect(again).toMatchObject({ replayed: true, id, location: `/v1/operations/${id}` });
      const raw = await page.evaluate(
        async ({ baseUrl, apiKey, request, idempotencyKey }) => {
          const res = await fetch(`${baseUrl}/v1/routing-policy-updates`, {
            method: 'POST',
            headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json', 'idempotency-key': idempotencyKey },
            body: JSON.stringify(request),
          });
          const body = (await res.json()) as { id: string };
          return { status: res.status, replayed: res.headers.get('idempotent-replayed'), requestId: res.headers.get('x-request-id'), id: body.id };
        },
        { baseUrl, apiKey: API_KEY, request, idempotencyKey },
      );
      expect(raw).toMatchObject({ status: again.status, replayed: 'true', id });
      expect(raw.requestId).toBeTruthy();

      // the stream token opens streams only: on any other route it is refused (401), even on the operation it names
      session!.expectConsoleErrors(new RegExp(`status of 401 .*/v1/operations/${id}\\?access_token=`));
      const refused = await page.evaluate(
        async ({ baseUrl, id, token }) => {
          const res = await fetch(`${baseUrl}/v1/operations/${id}?access_token=${encodeURIComponent(token)}`);
          return { status: res.status, type: res.headers.get('content-type'), body: await res.json() };
        },
        { baseUrl, id, token },
      );
      expect(refused.status).toBe(401);
      expect(refused.type).toContain('application/problem+json');
      expect(refused.body).toMatchObject({ status: 401 });
    },
  );

  browserTest(
    'creates and deletes a webhook subscription from the page (DELETE passes the CORS preflight); reading it then is a 404 GatewayError',
    () => session,
    async () => {
      await openClientPage();
      session!.expectConsoleErrors(/status of 404 .*\/v1\/webhook-subscriptions\/whs_/);
      const result = await page.evaluate(
        async ({ baseUrl, apiKey, hookUrl }) => {
          const { createRoutingPolicyClient, GatewayError, isGatewayError } = (globalThis as any).rpg;
          const client = createRoutingPolicyClient({ baseUrl, apiKey });
          const created = await client.createSubscription({ url: hookUrl, events: ['operation.completed'] });
          const listedBefore = (await client.listSubscriptions()).map((s: any) => s.id);
          const deleted = await client.deleteSubscription(created.id);
          let error: unknown;
          try {
            await client.getSubscription(created.id);
          } catch (e: any) {
            error = {
              name: e.name,
              instanceOfGatewayError: e instanceof GatewayError,
              isGatewayError: isGatewayError(e),
              status: e.status,
              problem: e.problem,
              requestId: e.requestId,
            };
          }
          const listedAfter = (await client.listSubscriptions()).map((s: any) => s.id);
          return { id: created.id, url: created.url, hasSecret: typeof created.secret === 'string', listedBefore, deleted, error, listedAfter };
        },
        { baseUrl, apiKey: API_KEY, hookUrl: pages!.hookUrl },
      );
      expect(result.id).toMatch(/^whs_/);
      expect(result.url).toBe(pages!.hookUrl);
      expect(result.hasSecret).toBe(true);
      expect(result.listedBefore).toContain(result.id);
      expect(result.deleted).toBeUndefined();
      expect(result.error).toMatchObject({ name: 'GatewayError', instanceOfGatewayError: true, isGatewayError: true, status: 404, problem: { status: 404 } });
      expect((result.error as any).requestId).toBeTruthy(); // x-request-id is exposed to the page
      expect(result.listedAfter).not.toContain(result.id);
      const deletes = session!.testRequests().filter((r) => r.method === 'DELETE');
      expect(deletes.map((r) => [r.url, r.status])).toEqual([[`${baseUrl}/v1/webhook-subscriptions/${result.id}`, 204]]);
      // the server agrees
      expect((await h!.http.get(`/v1/webhook-subscriptions/${result.id}`).set(auth())).status).toBe(404);
    },
  );

  browserTest(
    'an origin not in CORS_ORIGINS cannot read the API (localhost is another origin than 127.0.0.1)',
    () => session,
    async () => {
      const other = pages!.origin.replace('127.0.0.1', 'localhost');
      await openClientPage(`${other}/`);
      session!.expectConsoleErrors(/blocked by CORS policy/, /net::ERR_FAILED/);
      const outcome = await page.evaluate(
        async ({ baseUrl, apiKey }) => {
          const client = (globalThis as any).rpg.createRoutingPolicyClient({ baseUrl, apiKey });
          try {
            await client.listSubscriptions();
            return { ok: true, name: '' };
          } catch (e: any) {
            return { ok: false, name: e.name as string, gatewayError: (globalThis as any).rpg.isGatewayError(e) as boolean };
          }
        },
        { baseUrl, apiKey: API_KEY },
      );
      expect(outcome).toEqual({ ok: false, name: 'TypeError', gatewayError: false });
    },
  );
});
