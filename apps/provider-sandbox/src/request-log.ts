export interface RequestLogEntry {
  method: string;
  path: string;
  /** 0 until an answer is sent (stays 0 for hanging requests). */
  status: number;
  /** Arrival time, ms since the epoch. */
  at: number;
  /** Parsed body of a write (PATCH/PUT/POST/DELETE). */
  body?: unknown;
  /** The W3C `traceparent` header the caller sent, if any (the gateway's worker sends one with tracing on). */
  traceparent?: string;
}

/** Counts of provider requests by "<METHOD> <path>" plus a bounded log of the latest ones. */
export class RequestLog {
  private counts = new Map<string, number>();
  private ring: RequestLogEntry[] = [];
  private next = 0;

  constructor(private readonly capacity = 10_000) {}

  record(method: string, path: string, at: number, traceparent?: string): RequestLogEntry {
    const key = `${method} ${path}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    const entry: RequestLogEntry = { method, path, status: 0, at, ...(traceparent ? { traceparent } : {}) };
    if (this.ring.length < this.capacity) this.ring.push(entry);
    else this.ring[this.next] = entry;
    this.next = (this.next + 1) % this.capacity;
    return entry;
  }

  snapshot(): { counts: Record<string, number>; log: RequestLogEntry[] } {
    const log = this.ring.length < this.capacity ? this.ring.slice() : [...this.ring.slice(this.next), ...this.ring.slice(0, this.next)];
    return { counts: Object.fromEntries(this.counts), log };
  }

  clear(): void {
    this.counts.clear();
    this.ring = [];
    this.next = 0;
  }
}
