export type CircuitState = 'closed' | 'open' | 'half-open';

export interface CircuitBreakerOptions {
  /** Consecutive failures (connection errors, timeouts, 5xx) that open the circuit (PROVIDER_CIRCUIT_FAILURE_THRESHOLD). */
  failureThreshold: number;
  /** How long the circuit stays open before one trial call is let through (PROVIDER_CIRCUIT_OPEN_MS). */
  openMs: number;
  /**
   * Longest a half-open trial may stay unsettled before another call may try. Only a safety net: every permit is settled
   * in a finally by the HTTP client. Set it above the longest legitimate call (the provider request timeout), or a slow
   * trial would be joined by a second one. Default: max(60 s, 6 × openMs).
   */
  trialLeaseMs?: number;
}

export const DEFAULT_CIRCUIT_OPTIONS: Readonly<CircuitBreakerOptions> = Object.freeze({ failureThreshold: 5, openMs: 10_000 });

/** What one call told about the provider's health. */
export type CallVerdict = 'success' | 'failure' | 'neutral';

/**
 * The right to send one call, handed out by `admit()`. Settling it is the only way to report the call's outcome, and
 * only its first settlement counts (a finally may settle it again safely).
 */
export interface CircuitPermit {
  /** True for the single half-open trial call. */
  readonly trial: boolean;
  settle(verdict: CallVerdict): void;
}

interface Trial {
  startedAt: number;
}

/**
 * Per-provider circuit breaker. While open, callers WAIT (await `admit()`) instead of failing or hammering the provider:
 * queued work resumes when the provider recovers. One trial call at a time runs in half-open; whatever its answer, its
 * permit ends the trial (a trial that never ended would refuse the provider until restart).
 */
export class CircuitBreaker {
  private state: CircuitState = 'closed';
  private failures = 0;
  private openedAt = 0;
  private trial: Trial | null = null;
  private readonly listeners: ((state: CircuitState) => void)[] = [];
  private readonly trialLeaseMs: number;

  constructor(
    readonly name: string,
    private readonly options: CircuitBreakerOptions,
  ) {
    this.trialLeaseMs = options.trialLeaseMs ?? Math.max(60_000, options.openMs * 6);
  }

  get current(): CircuitState {
    if (this.state === 'open' && Date.now() - this.openedAt >= this.options.openMs) return 'half-open';
    return this.state;
  }

  onChange(listener: (state: CircuitState) => void): void {
    this.listeners.push(listener);
  }

  /** Resolves with a permit when a call may go out; waits while open (bounded by `maxWaitMs`, then throws CircuitOpenError). */
  async admit(maxWaitMs: number): Promise<CircuitPermit> {
    const deadline = Date.now() + maxWaitMs;
    for (;;) {
      const state = this.current;
      if (state === 'closed') return this.permit(null);
      if (state === 'half-open' && (!this.trial || Date.now() - this.trial.startedAt >= this.trialLeaseMs)) {
        const trial: Trial = { startedAt: Date.now() };
        this.trial = trial;
        this.set('half-open');
        return this.permit(trial);
      }
      const wait = state === 'open' ? this.openedAt + this.options.openMs - Date.now() : 250;
      if (Date.now() + Math.max(wait, 50) > deadline) throw new CircuitOpenError(this.name);
      await new Promise((r) => setTimeout(r, Math.max(50, Math.min(wait, 1000))));
    }
  }

  private permit(trial: Trial | null): CircuitPermit {
    let settled = false;
    return {
      trial: trial !== null,
      settle: (verdict: CallVerdict) => {
        if (settled) return;
        settled = true;
        // a trial past its lease was replaced: only the current trial ends the half-open state
        if (trial && this.trial === trial) this.trial = null;
        else if (trial) return;
        this.record(verdict);
      },
    };
  }

  private record(verdict: CallVerdict): void {
    if (verdict === 'success' || (verdict === 'neutral' && this.state === 'half-open')) {
      // a neutral answer (429, 408) during the trial still proves the provider answers
      this.failures = 0;
      if (this.state !== 'closed') this.set('closed');
      return;
    }
    if (verdict === 'neutral') return;
    this.failures++;
    if (this.state === 'half-open' || (this.state === 'closed' && this.failures >= this.options.failureThreshold)) {
      this.openedAt = Date.now();
      this.set('open');
    } else if (this.state === 'open') {
      this.openedAt = Date.now();
    }
  }

  private set(state: CircuitState): void {
    this.state = state;
    for (const l of this.listeners) l(state);
  }
}

export class CircuitOpenError extends Error {
  constructor(provider: string) {
    super(`The ${provider} circuit is open: the provider keeps failing`);
    this.name = 'CircuitOpenError';
  }
}

/** Every provider's breaker, for readiness details and metrics. */
export class CircuitBreakerRegistry {
  private readonly breakers = new Map<string, CircuitBreaker>();

  /** The provider's breaker; `options` apply when it is created (the first call for that name). */
  get(name: string, options: CircuitBreakerOptions = DEFAULT_CIRCUIT_OPTIONS): CircuitBreaker {
    let breaker = this.breakers.get(name);
    if (!breaker) {
      breaker = new CircuitBreaker(name, options);
      this.breakers.set(name, breaker);
    }
    return breaker;
  }

  states(): Record<string, CircuitState> {
    return Object.fromEntries([...this.breakers].map(([name, b]) => [name, b.current]));
  }
}
