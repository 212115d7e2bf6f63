import type { FastifyReply, FastifyRequest } from 'fastify';

/** How long a browser waits before reconnecting after the stream ends (sent as `retry:`). */
const RECONNECT_MS = 2000;

/**
 * One Server-Sent Events response: the headers Fastify's hooks already set on the reply (CORS, x-request-id, security
 * headers: a hijacked reply does not send them by itself, and EventSource across origins needs the CORS ones), then
 * `retry:`, events, and a comment heartbeat so proxies and browsers keep an idle stream open.
 */
export class SseStream {
  private closed = false;
  private readonly heartbeat: NodeJS.Timeout;
  private readonly onEnd: Array<() => void | Promise<void>> = [];

  constructor(
    private readonly reply: FastifyReply,
    request: FastifyRequest,
    heartbeatMs: number,
  ) {
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, {
      ...(reply.getHeaders() as Record<string, string>),
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
      'x-request-id': String(request.id),
    });
    raw.write(`retry: ${RECONNECT_MS}\n\n`);
    this.heartbeat = setInterval(() => raw.write(': heartbeat\n\n'), heartbeatMs);
    raw.on('close', () => void this.end());
  }

  get isClosed(): boolean {
    return this.closed;
  }

  send(id: string | number, event: string, data: unknown): void {
    if (!this.closed) this.reply.raw.write(`id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  /** Runs when the stream ends, whoever ends it (the client leaving, the terminal state, shutdown). */
  onClose(cleanup: () => void | Promise<void>): void {
    if (this.closed) void cleanup();
    else this.onEnd.push(cleanup);
  }

  async end(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeat);
    this.reply.raw.end(); // before the cleanups: they may wait for Redis, which may be away
    for (const cleanup of this.onEnd.splice(0)) await cleanup();
  }
}

/** The `Last-Event-ID` of a reconnect (header, as EventSource sends it), when it is a non-negative integer. */
export function lastEventIdOf(request: FastifyRequest): number | undefined {
  const raw = request.headers['last-event-id'];
  const value = Array.isArray(raw) ? raw[0] : raw;
  return value !== undefined && /^\d{1,15}$/.test(value.trim()) ? Number(value.trim()) : undefined;
}
