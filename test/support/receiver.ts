/** A local webhook endpoint, shared by the in-process e2e tests and the fault suites. */
import { createServer, IncomingMessage, Server } from 'node:http';
import { AddressInfo } from 'node:net';

export interface ReceivedWebhook {
  /** Path and query it was sent to. */
  path: string;
  headers: IncomingMessage['headers'];
  /** The raw body (signatures are over these bytes). */
  body: string;
  /** The body parsed, or null when it is not JSON. */
  json: any;
  at: number;
}

export interface ReceiverAnswer {
  status: number;
  headers?: Record<string, string>;
  delayMs?: number;
}

export interface Receiver {
  url: string;
  received: ReceivedWebhook[];
  close(): Promise<void>;
}

/** Listens on a free loopback port; `respond` decides each answer from the arrival count (1, 2, ...) and the hook (default 200). */
export async function startReceiver(respond: (n: number, hook: ReceivedWebhook) => ReceiverAnswer = () => ({ status: 200 })): Promise<Receiver> {
  const received: ReceivedWebhook[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let json: unknown = null;
      try {
        json = JSON.parse(body);
      } catch {
        /* not JSON */
      }
      const hook: ReceivedWebhook = { path: req.url ?? '', headers: req.headers, body, json, at: Date.now() };
      received.push(hook);
      const answer = respond(received.length, hook);
      setTimeout(() => {
        res.writeHead(answer.status, answer.headers ?? {});
        res.end();
      }, answer.delayMs ?? 0);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
