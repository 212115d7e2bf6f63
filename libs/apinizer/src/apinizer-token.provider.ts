import { ERROR_CODES, ProviderError } from '@rpg/routing-policy';
import { ProviderHttpClient } from '@rpg/provider-http';

/**
 * The Bearer token for Apinizer: a configured personal token, or one obtained with username/password at
 * `POST /apiops/auth/token` (form-encoded client_credentials), refreshed a minute before it expires and once after a 401.
 */
export class ApinizerTokenProvider {
  private token?: string;
  private expiresAt = 0;
  private inflight?: Promise<string>;

  constructor(
    private readonly http: ProviderHttpClient,
    private readonly credentials: { token?: string; username?: string; password?: string },
  ) {}

  get canRefresh(): boolean {
    return Boolean(this.credentials.username && this.credentials.password);
  }

  async get(): Promise<string> {
    if (this.credentials.token && !this.canRefresh) return this.credentials.token;
    if (this.token && Date.now() < this.expiresAt - 60_000) return this.token;
    this.inflight ??= this.exchange().finally(() => (this.inflight = undefined));
    return this.inflight;
  }

  /** After a 401: forget the cached token so the next call exchanges again. */
  invalidate(): void {
    this.token = undefined;
    this.expiresAt = 0;
  }

  private async exchange(): Promise<string> {
    const res = await this.http.send<{ access_token?: string; expires_in?: number; error?: string; error_description?: string }>({
      method: 'POST',
      path: '/apiops/auth/token',
      form: { grant_type: 'client_credentials', client_id: this.credentials.username ?? '', client_secret: this.credentials.password ?? '' },
      operation: 'auth.token',
    });
    if (res.status !== 200 || !res.body?.access_token) {
      const description = res.body?.error_description ?? res.body?.error ?? `HTTP ${res.status}`;
      // only a refusal is about the credentials; a manager that is down or throttling is not
      const code =
        res.status >= 500
          ? ERROR_CODES.providerUnavailable
          : res.status === 429 || res.body?.error === 'rate_limit_exceeded'
            ? ERROR_CODES.rateLimited
            : ERROR_CODES.providerAuth;
      throw new ProviderError(code, `Apinizer token exchange failed with ${res.status}: ${description}`, {
        providerStatus: res.status,
        providerBody: { error: res.body?.error, error_description: res.body?.error_description },
      });
    }
    this.token = res.body.access_token;
    this.expiresAt = Date.now() + (res.body.expires_in ?? 3600) * 1000;
    return this.token;
  }
}
