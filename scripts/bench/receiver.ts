/**
 * The webhook subscriber of the bench: a loopback HTTP server that answers 200 at once, then verifies and records.
 * `/hooks/main` receives the signed operation.completed events the scenarios wait for; `/hooks/fan/<n>` only counts.
 */
import { IncomingMessage, Server, ServerResponse, createServer } from 'node:http';
import { Webhook } from 'standardwebhooks';
import { sleep } from './lib';

export interface Completion {
  /** When the event arrived (ms since the epoch). */
  at: number;
  status: string;
  taskIds: string[];
}

interface CompletedEvent {
  type?: string;
  data?: { id?: string; status?: string; results?: { gcore?: { taskIds?: string[] } }[] };
}

export class WebhookReceiver {
  /** The first operation.completed per operation id. */
  readonly completions = new Map<string, Completion>();
  badSignatures = 0;
  fanCount = 0;
  fanLastAt = 0;
  private mainVerifier: Webhook | null = null;
  private readonly server: Server = createServer((req, res) => this.handle(req, res));

  private constructor() {
    this.server.keepAliveTimeout = 30_000;
  }

  static async listen(port: number): Promise<WebhookReceiver> {
    const receiver = new WebhookReceiver();
    await new Promise<void>((r) => receiver.server.listen(port, '127.0.0.1', () => r()));
    return receiver;
  }

  /** Verifies `/hooks/main` with this subscription secret from now on (events before it are ignored). */
  verifyMainWith(secret: string): void {
    this.mainVerifier = new Webhook(secret);
  }

  /** Waits until every operation has completed or the time is up; answers how many completed. */
  async waitCompleted(opIds: string[], timeoutMs: number): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const done = opIds.filter((id) => this.completions.has(id)).length;
      if (done === opIds.length || Date.now() >= deadline) return done;
      await sleep(50);
    }
  }

  close(): void {
    this.server.close();
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const at = Date.now();
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok');
      if (req.url?.startsWith('/hooks/fan/')) {
        this.fanCount++;
        this.fanLastAt = at;
        return;
      }
      if (req.url !== '/hooks/main' || !this.mainVerifier) return;
      this.recordMain(req, Buffer.concat(chunks).toString('utf8'), at, this.mainVerifier);
    });
  }

  private recordMain(req: IncomingMessage, body: string, at: number, verifier: Webhook): void {
    let event: CompletedEvent;
    try {
      event = verifier.verify(body, {
        'webhook-id': String(req.headers['webhook-id'] ?? ''),
        'webhook-timestamp': String(req.headers['webhook-timestamp'] ?? ''),
        'webhook-signature': String(req.headers['webhook-signature'] ?? ''),
      }) as CompletedEvent;
    } catch {
      this.badSignatures++;
      return;
    }
    if (event.type !== 'operation.completed' || !event.data?.id) return;
    if (!this.completions.has(event.data.id)) {
      const taskIds = event.data.results?.[0]?.gcore?.taskIds ?? [];
      this.completions.set(event.data.id, { at, status: event.data.status ?? '?', taskIds });
    }
  }
}
