import { ClientRequest, IncomingMessage, request } from 'node:http';
import { l7Target } from '../support/targets';
import { scaled, until } from '../support/wait';
import { API_KEY, TERMINAL, api } from './support/api';
import { Gateway, Sandbox, appEnv, startGateway, startSandbox, startWorker } from './support/apps';
import { stopAll } from './support/processes';
import { deletePrefix } from './support/redis';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

interface SseEvent {
  id?: string;
  event: string;
  data: any;
  at: number;
  connection: number;
}

/**
 * A minimal EventSource: honours `retry:`, reconnects after a dropped stream or a refused connection with
 * Last-Event-ID, stops after the server ends the stream following a terminal state.
 */
class SseClient {
  readonly events: SseEvent[] = [];
  readonly connects: { at: number; lastEventId?: string; status?: number; error?: string }[] = [];
  readonly drops: number[] = [];
  retryMs = 3000; // the spec's default until the server says otherwise
  sawRetryField = false;
  httpErrors: number[] = [];
  private lastEventId?: string;
  private req?: ClientRequest;
  private closed = false;
  /** The server ended the stream after the terminal state (and the client stopped). */
  finished = false;

  constructor(
    private readonly base: string,
    private readonly path: string,
  ) {
    this.connect();
  }

  get terminal(): SseEvent | undefined {
    return this.events.find((e) => TERMINAL.has(e.data?.status));
  }

  close(): void {
    this.closed = true;
    this.req?.destroy();
  }

  private connect(): void {
    if (this.closed) return;
    const connection = this.connects.length;
    const entry: (typeof this.connects)[number] = { at: Date.now(), lastEventId: this.lastEventId };
    this.connects.push(entry);
    const url = new URL(this.path, this.base);
    const headers: Record<string, string> = { accept: 'text/event-stream', authorization: `Bearer ${API_KEY}` };
    if (this.lastEventId !== undefined) headers['last-event-id'] = this.lastEventId;
    const req = request(url, { method: 'GET', headers, agent: false }); // a fresh connection each time, as EventSource
    this.req = req;
    let settled = false;
    const dropped = () => {
      if (settled) return;
      settled = true;
      if (this.closed) return;
      if (this.terminal) {
        this.closed = true;
        this.finished = true;
        return;
      }
      this.drops.push(Date.now());
      setTimeout(() => this.connect(), this.retryMs);
    };
    req.on('response', (res: IncomingMessage) => {
      entry.status = res.statusCode;
      if (res.statusCode !== 200) {
        // EventSource fails for good on an HTTP error: record it, the test asserts there is none
        this.httpErrors.push(res.statusCode ?? 0);
        res.resume();
        res.on('end', dropped);
        return;
      }
      res.setEncoding('utf8');
      let buffer = '';
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let sep: number;
        while ((sep = buffer.indexOf('\n\n')) >= 0) {
          this.dispatch(buffer.slice(0, sep), connection);
          buffer = buffer.slice(sep + 2);
        }
      });
      res.on('end', dropped);
      res.on('close', dropped);
      res.on('error', dropped);
    });
    req.on('error', (error: Error) => {
      entry.error = (error as { code?: string }).code ?? error.message;
      dropped();
    });
    req.end();
  }

  private dispatch(block: string, connection: number): void {
    let id: string | undefined;
    let event = 'message';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'retry' && /^\d+$/.test(value)) {
        this.retryMs = Number(value);
        this.sawRetryField = true;
      } else if (field === 'id') id = value;
      else if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
    }
    if (id !== undefined) this.lastEventId = id;
    if (data.length === 0) return;
    this.events.push({ id, event, data: JSON.parse(data.join('\n')), at: Date.now(), connection });
  }
}

describe('fault: the gateway restarts under open SSE streams', () => {
  const prefix = `fsse${Date.now().toString(36)}`;
  let sandbox: Sandbox;
  let gateway: Gateway;
  const clients: SseClient[] = [];

  beforeAll(async () => {
    sandbox = await startSandbox({ SANDBOX_TASK_DURATION_MS: '7000' });
    const env = appEnv({ redisUrl: REDIS_URL, sandboxUrl: sandbox.url, prefix });
    [gateway] = await Promise.all([startGateway(env), startWorker(env)]);
  }, 120_000);

  afterAll(async () => {
    for (const c of clients) c.close();
    await stopAll();
    await deletePrefix(REDIS_URL, prefix);
  });

  async function streamsAcrossRestart(restart: () => Promise<void>, targets: number[]): Promise<SseClient[]> {
    const ids: string[] = [];
    for (const n of targets) {
      const res = await api(gateway.url, 'POST', '/v1/routing-policy-updates', {
        updates: [{ target: l7Target(n), changes: { name: `sse-${n}-${Date.now()}` } }],
      });
      expect(res.status).toBe(202);
      ids.push(res.body.id);
    }
    // two clients per operation
    const mine = ids.flatMap((id) => [new SseClient(gateway.url, `/v1/operations/${id}/events`), new SseClient(gateway.url, `/v1/operations/${id}/events`)]);
    clients.push(...mine);
    await until('every client has the current state', () => mine.every((c) => c.events.length > 0), 10_000, 50);
    for (const c of mine) expect(TERMINAL.has(c.events[0].data.status)).toBe(false);

    await restart();

    await until('every SSE client saw the terminal state and the end of its stream', () => mine.every((c) => c.finished), 40_000, 100);
    for (const [i, c] of mine.entries()) {
      const id = ids[Math.floor(i / 2)];
      const events = c.events.map((e) => [e.id, e.data.status, e.connection, e.at]);
      if (process.env.FAULTS_VERBOSE)
        process.stderr.write(`[sse ${i}] connects ${JSON.stringify(c.connects)} drops ${JSON.stringify(c.drops)} events ${JSON.stringify(events)}\n`);
      expect(c.httpErrors).toEqual([]);
      expect(c.sawRetryField).toBe(true);
      expect(c.drops.length).toBeGreaterThanOrEqual(1); // the restart cut the stream
      // every reconnect waited the announced retry time and sent the last event id it had seen
      for (let k = 1; k < c.connects.length; k++) {
        expect(c.connects[k].at - c.drops[k - 1]).toBeGreaterThanOrEqual(c.retryMs - 20);
        const seen = c.events.filter((e) => e.at <= c.connects[k].at && e.id !== undefined);
        expect(c.connects[k].lastEventId).toBe(seen[seen.length - 1]?.id);
      }
      expect(c.connects.filter((k) => k.lastEventId !== undefined).length).toBeGreaterThanOrEqual(1);
      // every stream that was answered 200 delivered the current state first (none ended silently, e.g. on a failed
      // subscription of a freshly started gateway)
      for (const [k, conn] of c.connects.entries())
        if (conn.status === 200) expect({ k, events: c.events.some((e) => e.connection === k) }).toEqual({ k, events: true });
      const reconnected = c.events.filter((e) => e.connection > 0);
      expect(reconnected.length).toBeGreaterThanOrEqual(1);
      // ids keep growing across the restart (the change sequence lives in Redis)
      const seqs = c.events.map((e) => Number(e.id));
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
      expect(c.events.every((e) => e.event === 'operation.updated' && e.data.id === id)).toBe(true);
      const last = c.events[c.events.length - 1];
      expect(last.data.status).toBe('SUCCEEDED');
      expect(c.terminal).toBe(last);
    }
    const final = await api(gateway.url, 'GET', `/v1/operations/${ids[0]}`);
    expect(final.body.status).toBe('SUCCEEDED');
    return mine;
  }

  it('graceful restart (SIGTERM): the gateway exits promptly despite open streams; clients reconnect and see the end', async () => {
    await streamsAcrossRestart(async () => {
      const started = Date.now();
      const exit = await gateway.proc.stop(15_000);
      expect(exit.forced).toBe(false); // open SSE streams must not hold the shutdown
      // Nest's shutdown hooks close the app, then re-raise the signal: a clean exit is code 0 or that SIGTERM
      expect(exit.code === 0 || exit.signal === 'SIGTERM').toBe(true);
      expect(Date.now() - started).toBeLessThan(scaled(10_000));
      await gateway.restart();
    }, [1, 2, 3]);
  }, 180_000);

  it('crash restart (kill -9): clients reconnect with Last-Event-ID and see the end', async () => {
    await streamsAcrossRestart(async () => {
      await gateway.proc.kill9();
      await gateway.restart();
    }, [4, 5, 6]);
  }, 180_000);

  it('graceful restart with a Prefer: wait request in flight: it is answered 202 at once and the gateway exits promptly', async () => {
    await sandbox.control('POST', '/__sandbox/faults', { method: 'PATCH', path: l7Target(7).id, taskDurationMs: 40_000 });
    const waiting = api(
      gateway.url,
      'POST',
      '/v1/routing-policy-updates',
      { updates: [{ target: l7Target(7), changes: { name: 'long-wait' } }] },
      { prefer: 'wait=60' },
      70_000,
    );
    await until(
      'the wait is under way',
      async () => {
        const { log } = await sandbox.control<{ log: { method: string; path: string }[] }>('GET', '/__sandbox/requests');
        return log.some((e) => e.method === 'PATCH' && e.path.endsWith(l7Target(7).id));
      },
      10_000,
      50,
    );
    const started = Date.now();
    const exit = await gateway.proc.stop(40_000);
    expect(exit.forced).toBe(false);
    expect(exit.code === 0 || exit.signal === 'SIGTERM').toBe(true);
    expect(Date.now() - started).toBeLessThan(scaled(20_000)); // the wait (60 s, a 40 s task) does not hold it
    const res = await waiting;
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ status: expect.stringMatching(/^(PENDING|RUNNING)$/) });
    await gateway.restart();
  }, 180_000);
});
