import { ERROR_CODES, ProviderError, errorCodeForStatus } from '@rpg/routing-policy';
import { ProviderHttpClient, ProviderRequest, ProviderResponse, ProviderUnavailableError } from '@rpg/provider-http';
import { ApinizerTokenProvider } from './apinizer-token.provider';
import type { ApinizerErrorBody, ApinizerOperationMetadata, ApinizerPolicy } from './apinizer.types';
import { extractProxy } from './list-policies.parser';

export interface PutPolicyResult {
  status: string;
  deploymentResult: Record<string, unknown> | null;
  /** The whole answer, as returned. */
  body: unknown;
}

type ProxyPath = { projectName: string; apiProxyName: string };

/** Apinizer's `{error, error_description}` rate-limit body carries retry_after (seconds), whatever the HTTP status. */
export function apinizerRetryAfterMs(status: number, body: unknown): number | undefined {
  const b = body as ApinizerErrorBody | null;
  if (status >= 400 && b && typeof b === 'object' && b.error === 'rate_limit_exceeded') return Math.max(1, Number(b.retry_after ?? 1)) * 1000;
  return undefined;
}

/** Apinizer answers some failures with 200 and `status: FAILURE` or `success: false` in the body. */
function isFailureAnswer(body: unknown): boolean {
  const b = body as { status?: unknown; success?: unknown } | null;
  return typeof b === 'object' && b !== null && (b.status === 'FAILURE' || b.success === false);
}

/** Apinizer errors → the unified error. */
export function mapApinizerError(status: number, body: unknown, what: string): ProviderError {
  const b = (body && typeof body === 'object' ? body : {}) as ApinizerErrorBody;
  const description = b.error_description ?? b.error ?? (typeof body === 'string' && body ? body.slice(0, 500) : `HTTP ${status}`);
  const details = b.validation_errors?.length ? ' (' + b.validation_errors.map((v) => `${v.field}: ${v.message}`).join('; ') + ')' : '';
  const notFound = status === 404 || (status === 400 && /does not exist|not found|was not found/i.test(description));
  const code = errorCodeForStatus(status, { notFound, rateLimited: b.error === 'rate_limit_exceeded' });
  return new ProviderError(code, `Apinizer ${what} failed with ${status}: ${description}${details}`, { providerStatus: status, providerBody: body });
}

/** The one place that speaks Apinizer's Management API. */
export class ApinizerClient {
  constructor(
    private readonly http: ProviderHttpClient,
    private readonly tokens: ApinizerTokenProvider,
  ) {}

  static policiesPath(t: ProxyPath): string {
    return `/apiops/projects/${encodeURIComponent(t.projectName)}/apiProxies/${encodeURIComponent(t.apiProxyName)}/policies/`;
  }
  static policyPath(t: ProxyPath & { policyName: string }): string {
    return `${ApinizerClient.policiesPath(t)}${encodeURIComponent(t.policyName)}/`;
  }

  /** List Policies → the proxy object (either envelope). */
  async listPolicies(t: ProxyPath): Promise<Record<string, unknown>> {
    const body = await this.call({ method: 'GET', path: ApinizerClient.policiesPath(t), operation: 'policies.list' }, 'policy list');
    if (isFailureAnswer(body)) throw mapApinizerError(200, body, 'policy list');
    const proxy = extractProxy(body);
    if (!proxy)
      throw new ProviderError(ERROR_CODES.providerError, 'Apinizer policy list answered in an unknown shape', { providerStatus: 200, providerBody: body });
    return proxy;
  }

  async putPolicy(t: ProxyPath & { policyName: string }, operationMetadata: ApinizerOperationMetadata, policy: ApinizerPolicy): Promise<PutPolicyResult> {
    const body = (await this.call(
      { method: 'PUT', path: ApinizerClient.policyPath(t), body: { operationMetadata, policy }, operation: 'policy.put' },
      'policy update',
    )) as Record<string, unknown> | null;
    if (isFailureAnswer(body)) throw mapApinizerError(200, body, 'policy update');
    return {
      status: typeof body?.status === 'string' ? body.status : 'SUCCESS',
      deploymentResult: (body?.deploymentResult as Record<string, unknown> | undefined) ?? null,
      body,
    };
  }

  private async call(req: ProviderRequest, what: string): Promise<unknown> {
    let res = await this.send(req, what);
    if (res.status === 401 && this.tokens.canRefresh) {
      this.tokens.invalidate();
      res = await this.send(req, what);
    }
    if (res.status >= 200 && res.status < 300) return res.body;
    throw mapApinizerError(res.status, res.body, what);
  }

  private async send(req: ProviderRequest, what: string): Promise<ProviderResponse> {
    try {
      // inside the try: the token exchange is a provider call too and may find Apinizer unreachable
      const token = await this.tokens.get();
      return await this.http.send({ ...req, headers: { authorization: `Bearer ${token}` } });
    } catch (error) {
      if (error instanceof ProviderUnavailableError) {
        throw new ProviderError(ERROR_CODES.providerUnavailable, `Apinizer ${what} failed: ${error.message}`, {
          providerStatus: error.lastStatus,
          providerBody: error.lastBody,
          retryable: true,
        });
      }
      throw error;
    }
  }
}
