import { Inject, Injectable } from '@nestjs/common';
import { ServiceMetrics } from '@rpg/observability';
import { REDIS, RedisClient, RedisKeys } from '@rpg/redis';
import { ERROR_CODES, ProviderError, ResultError } from '@rpg/routing-policy';

/** Provider statuses that say "not now" rather than "no": a gateway, proxy or the provider itself is away or overloaded. */
const TRANSIENT_STATUSES: ReadonlySet<number> = new Set([408, 429, 502, 503, 504]);

/**
 * Whether a provider failure is one an outage explains, worth trying again later: the provider could not be reached
 * (connection refused/reset, timeout, circuit open: `retryable`), or it answered 502/503/504, 408 or 429 through the
 * HTTP client's own attempts. A 500 is not (the provider ran and failed), nor is any other answer.
 */
export function isTransientProviderFailure(error: unknown): boolean {
  if (!(error instanceof ProviderError)) return false;
  if (error.retryable || error.code === ERROR_CODES.rateLimited) return true;
  return error.providerStatus !== undefined && TRANSIENT_STATUSES.has(error.providerStatus);
}

/**
 * Whether the error is the circuit breaker refusing the call (the provider kept failing): it says nothing new about the
 * provider's answer, so a result keeps showing the last real one (see ProviderAvailabilityStore.lastFailureOf).
 */
export function isCircuitOpenFailure(error: ResultError): boolean {
  // its status, when set, is an earlier attempt's of the same call; its message only names the circuit
  return /circuit is open/i.test(error.message);
}

/** The first wait of an outage; each further one doubles, up to the configured cap. */
export const OUTAGE_BACKOFF_FIRST_MS = 1_000;

/** The wait after the `attempt`-th failed try of an outage: 1 s doubling, capped, minus up to 25 % jitter. */
export function outageBackoffMs(attempt: number, capMs: number, random: () => number = Math.random): number {
  const raw = Math.min(OUTAGE_BACKOFF_FIRST_MS * 2 ** Math.min(Math.max(attempt - 1, 0), 20), capMs);
  return Math.max(1, Math.round(raw * (1 - 0.25 * random())));
}

/** A provider error as a result shows it while retrying: code, status and message, never the body (it may be large). */
export function outageErrorOf(error: ProviderError): ResultError {
  const { code, message, providerStatus } = error.toResultError();
  return { code, message, ...(providerStatus !== undefined ? { providerStatus } : {}) };
}

/** What is known of a provider's availability (shared by every worker and gateway through Redis). */
export interface ProviderAvailability {
  status: 'up' | 'down';
  /** When it went down, or came back (ISO-8601). */
  since: string;
  /** Down: why the last call failed. */
  lastError?: ResultError;
  /** When this was last confirmed (ISO-8601). */
  checkedAt: string;
}

/** A down state is written again at most this often per process (its lastError and checkedAt), an up state this often. */
const DOWN_REFRESH_MS = 2_000;
const UP_REFRESH_MS = 10_000;

/**
 * Each provider's availability, recorded by the workers from their provider calls: down at a call that failed
 * transiently (see isTransientProviderFailure), up at one the provider answered. One Redis hash, a JSON value per
 * provider. Best effort: a write Redis refuses is dropped (the next call writes again), it never fails the call.
 */
@Injectable()
export class ProviderAvailabilityStore {
  readonly key: string;
  private readonly written = new Map<string, { status: 'up' | 'down'; at: number }>();
  /** The last real failure (not a circuit refusal) seen in this process, per provider. */
  private readonly lastFailures = new Map<string, ResultError>();

  constructor(
    @Inject(REDIS) private readonly redis: RedisClient,
    keys: RedisKeys,
    private readonly metrics: ServiceMetrics,
  ) {
    this.key = keys.key('provider-availability');
  }

  /** The last real failure of the provider seen in this process (a circuit refusal is not one), if any. */
  lastFailureOf(provider: string): ResultError | undefined {
    return this.lastFailures.get(provider);
  }

  async markDown(provider: string, lastError: ResultError): Promise<void> {
    this.metrics.providerAvailable.set({ provider }, 0);
    if (!isCircuitOpenFailure(lastError)) this.lastFailures.set(provider, lastError);
    const local = this.written.get(provider);
    const now = Date.now();
    if (local?.status === 'down' && now - local.at < DOWN_REFRESH_MS) return;
    this.written.set(provider, { status: 'down', at: now });
    try {
      const current = await this.get(provider);
      const nowIso = new Date(now).toISOString();
      const state: ProviderAvailability = { status: 'down', since: current?.status === 'down' ? current.since : nowIso, lastError, checkedAt: nowIso };
      await this.redis.hset(this.key, provider, JSON.stringify(state));
    } catch {
      this.written.delete(provider);
    }
  }

  async markUp(provider: string): Promise<void> {
    this.metrics.providerAvailable.set({ provider }, 1);
    this.lastFailures.delete(provider);
    const local = this.written.get(provider);
    const now = Date.now();
    if (local?.status === 'up' && now - local.at < UP_REFRESH_MS) return;
    this.written.set(provider, { status: 'up', at: now });
    try {
      const current = await this.get(provider);
      if (current?.status === 'up') return;
      const nowIso = new Date(now).toISOString();
      await this.redis.hset(this.key, provider, JSON.stringify({ status: 'up', since: nowIso, checkedAt: nowIso } satisfies ProviderAvailability));
    } catch {
      this.written.delete(provider);
    }
  }

  /** Every provider recorded so far (none before the first call). */
  async all(): Promise<Record<string, ProviderAvailability>> {
    const hash = await this.redis.hgetall(this.key);
    const out: Record<string, ProviderAvailability> = {};
    for (const [provider, json] of Object.entries(hash)) {
      const state = parse(json);
      if (state) out[provider] = state;
    }
    return out;
  }

  private async get(provider: string): Promise<ProviderAvailability | null> {
    return parse(await this.redis.hget(this.key, provider));
  }
}

function parse(json: string | null | undefined): ProviderAvailability | null {
  if (!json) return null;
  try {
    const state = JSON.parse(json) as ProviderAvailability;
    return state && (state.status === 'up' || state.status === 'down') ? state : null;
  } catch {
    return null;
  }
}
