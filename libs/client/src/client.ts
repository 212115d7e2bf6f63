import type { components, paths } from './schema';

export type Operation = components['schemas']['OperationDto'];
export type UpdateRequest = components['schemas']['RoutingPolicyUpdateRequestDto'];
export type LookupResponse = components['schemas']['LookupResponseDto'];
export type OperationPage = components['schemas']['OperationPageDto'];
export type ListOperationsQuery = NonNullable<paths['/v1/operations']['get']['parameters']['query']>;

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  requestId?: string;
  errors?: { path: string; message: string }[];
}

/** A 4xx/5xx answer of the gateway, with its RFC 9457 problem. */
export class GatewayError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem,
  ) {
    super(`${status} ${problem.title}: ${problem.detail}`);
    this.name = 'GatewayError';
  }
}

export interface ClientOptions {
  baseUrl: string;
  apiKey: string;
  fetch?: typeof fetch;
}

/** A thin typed wrapper over fetch for the routing policy gateway (types generated from its OpenAPI document). */
export function createRoutingPolicyClient(options: ClientOptions) {
  const doFetch = options.fetch ?? fetch;
  const base = options.baseUrl.replace(/\/+$/, '');

  async function call<T>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; headers: Headers; data: T }> {
    const res = await doFetch(base + path, {
      method,
      headers: {
        authorization: `Bearer ${options.apiKey}`,
        accept: 'application/json',
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    const data = text ? JSON.parse(text) : undefined;
    if (!res.ok) throw new GatewayError(res.status, data as Problem);
    return { status: res.status, headers: res.headers, data: data as T };
  }

  return {
    /** POST /v1/routing-policy-updates (202, or 200 for dryRun / a finished `waitSeconds`). */
    async submitUpdate(request: UpdateRequest, opts: { idempotencyKey?: string; waitSeconds?: number } = {}) {
      const headers: Record<string, string> = {};
      if (opts.idempotencyKey) headers['idempotency-key'] = opts.idempotencyKey;
      if (opts.waitSeconds !== undefined) headers.prefer = `wait=${opts.waitSeconds}`;
      const res = await call<Operation>('POST', '/v1/routing-policy-updates', request, headers);
      return { status: res.status, operation: res.data, replayed: res.headers.get('idempotent-replayed') === 'true' };
    },
    async getOperation(id: string): Promise<Operation> {
      return (await call<Operation>('GET', `/v1/operations/${encodeURIComponent(id)}`)).data;
    },
    async listOperations(query: ListOperationsQuery = {}): Promise<OperationPage> {
      const qs = new URLSearchParams(
        Object.entries(query)
          .filter(([, v]) => v !== undefined)
          .map(([k, v]): [string, string] => [k, String(v)]),
      ).toString();
      return (await call<OperationPage>('GET', `/v1/operations${qs ? `?${qs}` : ''}`)).data;
    },
    /** Waits for the end with Prefer: wait (no polling loop), repeating while the operation runs, up to `timeoutSeconds`. */
    async waitForOperation(id: string, timeoutSeconds = 60): Promise<Operation> {
      const deadline = Date.now() + timeoutSeconds * 1000;
      let op = await this.getOperation(id);
      while (!['SUCCEEDED', 'FAILED', 'PARTIALLY_SUCCEEDED'].includes(op.status) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 200));
        op = await this.getOperation(id);
      }
      return op;
    },
    async lookup(targets: components['schemas']['LookupRequestDto']['targets']): Promise<LookupResponse> {
      return (await call<LookupResponse>('POST', '/v1/routing-policies/lookup', { targets })).data;
    },
  };
}

export type RoutingPolicyClient = ReturnType<typeof createRoutingPolicyClient>;
