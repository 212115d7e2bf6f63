/** Server-Sent Events over a real socket: the gateway listening on a port, and a whole stream read with http.get. */
import { IncomingMessage, get as httpGet } from 'node:http';
import { auth } from './harness';
import { MIN_WAIT_MS, scaled } from './wait';

export { gatewayPort } from './harness';

export interface SseEvent {
  id?: string;
  event?: string;
  data?: string;
  retry?: string;
}

/** Reads a whole SSE stream (until the server ends it) with a plain http.get. */
export function readSse(
  port: number,
  path: string,
  headers: Record<string, string> = auth(),
  timeoutMs = 30_000,
): Promise<{ res: IncomingMessage; raw: string; events: SseEvent[]; retry?: string }> {
  timeoutMs = scaled(Math.max(timeoutMs, MIN_WAIT_MS)); // a ceiling for a stream that never ends, not a time it takes
  return new Promise((resolve, reject) => {
    const req = httpGet({ host: '127.0.0.1', port, path, headers }, (res) => {
      let raw = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (raw += c));
      res.on('end', () => {
        clearTimeout(timer);
        const events: SseEvent[] = [];
        let retry: string | undefined;
        for (const block of raw.split('\n\n')) {
          const e: SseEvent = {};
          for (const line of block.split('\n')) {
            if (!line || line.startsWith(':')) continue;
            const i = line.indexOf(':');
            const field = line.slice(0, i) as keyof SseEvent;
            const value = line.slice(i + 1).replace(/^ /, '');
            e[field] = field === 'data' && e.data !== undefined ? `${e.data}\n${value}` : value;
          }
          if (e.retry !== undefined) retry = e.retry;
          if (e.data !== undefined || e.event !== undefined) events.push(e);
        }
        resolve({ res, raw, events, retry });
      });
      res.on('error', reject);
    });
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error(`SSE stream ${path} did not end within ${timeoutMs} ms`));
    }, timeoutMs);
    req.on('error', reject);
  });
}

/** An open SSE stream read as it arrives: wait for an event or a comment, then close it. */
export interface OpenSse {
  res: IncomingMessage;
  /** Everything received so far. */
  raw(): string;
  events(): SseEvent[];
  /** Resolves once `predicate` holds for what has arrived (checked on every chunk). */
  until<T>(predicate: (s: { raw: string; events: SseEvent[] }) => T | undefined | false, timeoutMs?: number): Promise<T>;
  close(): void;
}

function parseSse(raw: string): SseEvent[] {
  const events: SseEvent[] = [];
  for (const block of raw.split('\n\n').slice(0, -1)) {
    const e: SseEvent = {};
    for (const line of block.split('\n')) {
      if (!line || line.startsWith(':')) continue;
      const i = line.indexOf(':');
      const field = line.slice(0, i) as keyof SseEvent;
      const value = line.slice(i + 1).replace(/^ /, '');
      e[field] = field === 'data' && e.data !== undefined ? `${e.data}\n${value}` : value;
    }
    if (e.data !== undefined || e.event !== undefined) events.push(e);
  }
  return events;
}

/** Opens an SSE stream and keeps it open until `close()` (or the server ends it). */
export function openSse(port: number, path: string, headers: Record<string, string> = auth()): Promise<OpenSse> {
  return new Promise((resolve, reject) => {
    const req = httpGet({ host: '127.0.0.1', port, path, headers }, (res) => {
      let raw = '';
      const waiters = new Set<() => void>();
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        raw += c;
        for (const w of [...waiters]) w();
      });
      res.on('end', () => {
        for (const w of [...waiters]) w();
      });
      resolve({
        res,
        raw: () => raw,
        events: () => parseSse(raw),
        until: (predicate, timeoutMs = 30_000) =>
          new Promise((done, fail) => {
            timeoutMs = scaled(Math.max(timeoutMs, MIN_WAIT_MS));
            const check = () => {
              const value = predicate({ raw, events: parseSse(raw) });
              if (value !== undefined && value !== false) {
                waiters.delete(check);
                clearTimeout(timer);
                done(value);
              } else if (res.readableEnded) {
                waiters.delete(check);
                clearTimeout(timer);
                fail(new Error(`SSE stream ${path} ended first; got:\n${raw.slice(0, 2000)}`));
              }
            };
            const timer = setTimeout(() => {
              waiters.delete(check);
              fail(new Error(`SSE stream ${path}: not seen within ${timeoutMs} ms; got:\n${raw.slice(0, 2000)}`));
            }, timeoutMs);
            waiters.add(check);
            check();
          }),
        close: () => req.destroy(),
      });
    });
    req.on('error', reject);
  });
}
