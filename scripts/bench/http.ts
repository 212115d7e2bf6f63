/** The bench's HTTP client (undici, one keep-alive agent): plain requests, the gateway's API and the sandbox's. */
import { Agent, Dispatcher, request } from 'undici';

export interface HttpAnswer<T> {
  status: number;
  json: T;
}

export class BenchHttp {
  private readonly agent = new Agent({ connections: 128, keepAliveTimeout: 30_000, keepAliveMaxTimeout: 60_000 });

  constructor(
    private readonly apiKey: string,
    private readonly gatewayUrl: string,
    private readonly sandboxUrl: string,
  ) {}

  async request<T = unknown>(method: Dispatcher.HttpMethod, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<HttpAnswer<T>> {
    const res = await request(url, {
      method,
      dispatcher: this.agent,
      headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.body.text();
    let json: unknown = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = text;
    }
    return { status: res.statusCode, json: json as T };
  }

  /** The gateway's API, authenticated with the bench's key. */
  api<T = unknown>(method: Dispatcher.HttpMethod, path: string, body?: unknown): Promise<HttpAnswer<T>> {
    return this.request<T>(method, this.gatewayUrl + path, body, { authorization: `Bearer ${this.apiKey}` });
  }

  sandbox<T = unknown>(method: Dispatcher.HttpMethod, path: string, body?: unknown): Promise<HttpAnswer<T>> {
    return this.request<T>(method, this.sandboxUrl + path, body);
  }

  close(): Promise<void> {
    return this.agent.close().catch(() => undefined);
  }
}
