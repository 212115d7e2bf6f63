export type CircuitState = 'closed' | 'open' | 'half-open';

export interface CircuitBreakerOptions {
  /** Consecutive failures (connection errors, 5xx) that open the circuit. */
  failureThreshold: number;
  /** How long the circuit stays open before one trial call is let through. */
  openMs: number;
}

/**
 * Per-provider circuit breaker. While open, callers WAIT (await `admit()`) instead of failing or hammering the provider:
 * queued work resumes when the provider recovers. One trial call at a time runs in half-open.
 */
export class CircuitBreaker {
  private state: CircuitState = 'closed';
  private failures = 0;
  private openedAt = 0;
  private trialInFlight = false;
  private readonly listeners: ((state: CircuitState) => void)[] = [];

  constructor(
    readonly name: string,
    private readonly options: CircuitBreakerOptions,
  ) {}

  get current(): CircuitState {
    if (this.state === 'open' && Date.now() - this.openedAt >= this.options.openMs) return 'half-open';
    return this.state;
  }

  onChange(listener: (state: CircuitState) => void): void {
    this.listeners.push(listener);
  }

  /** Resolves when a call may go out; waits while open (bounded by `maxWaitMs`, then throws). */
  async admit(maxWaitMs: number): Promise<void> {
    const deadline = Date.now() + maxWaitMs;
    for (;;) {
      const state = this.current;
      if (state === 'closed') return;
      if (state === 'half-open' && !this.trialInFlight) {
        this.trialInFlight = true;
        this.set('half-open');
        return;
      }
      const wait = state === 'open' ? this.openedAt + this.options.openMs - Date.now() : 250;
      if (Date.now() + Math.max(wait, 50) > deadline) throw new CircuitOpenError(this.name);
      await new Promise((r) => setTimeout(r, Math.max(50, Math.min(wait, 1000))));
    }
  }

  success(): void {
    this.failures = 0;
    this.trialInFlight = false;
    if (this.state !== 'closed') this.set('closed');
  }

  failure(): void {
    this.trialInFlight = false;
    this.failures++;
    if (this.state === 'half-open' || (this.state === 'closed' && this.failures >= this.options.failureThreshold)) {
      this.openedAt = Date.now();
      this.set('open');
    } else if (this.state === 'open') {
      this.openedAt = Date.now();
    }
  }

  /** A call that ended without telling anything about provider health (e.g. a 4xx). */
  neutral(): void {
    this.trialInFlight = false;
    if (this.state === 'half-open') this.success();
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

  get(name: string, options: CircuitBreakerOptions = { failureThreshold: 5, openMs: 10_000 }): CircuitBreaker {
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
