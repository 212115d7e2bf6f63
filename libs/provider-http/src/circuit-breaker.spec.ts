import { CircuitBreaker, CircuitOpenError } from './circuit-breaker';

/** The pure breaker on fake timers: open after the threshold, one trial when half-open, every verdict ends the trial. */
describe('CircuitBreaker', () => {
  beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => jest.useRealTimers());

  async function openIt(breaker: CircuitBreaker, failures = 2): Promise<void> {
    for (let i = 0; i < failures; i++) (await breaker.admit(0)).settle('failure');
    expect(breaker.current).toBe('open');
  }

  it('opens after failureThreshold consecutive failures; a success in between resets the count', async () => {
    const breaker = new CircuitBreaker('p', { failureThreshold: 3, openMs: 1000 });
    (await breaker.admit(0)).settle('failure');
    (await breaker.admit(0)).settle('failure');
    (await breaker.admit(0)).settle('success');
    (await breaker.admit(0)).settle('failure');
    (await breaker.admit(0)).settle('failure');
    expect(breaker.current).toBe('closed');
    (await breaker.admit(0)).settle('failure');
    expect(breaker.current).toBe('open');
    await expect(breaker.admit(100)).rejects.toBeInstanceOf(CircuitOpenError);
  });

  it.each(['failure', 'success', 'neutral'] as const)('a half-open trial settled as %s never leaves the provider refused', async (verdict) => {
    const breaker = new CircuitBreaker('p', { failureThreshold: 2, openMs: 1000 });
    await openIt(breaker);
    jest.advanceTimersByTime(1000);
    expect(breaker.current).toBe('half-open');
    const trial = await breaker.admit(0);
    expect(trial.trial).toBe(true);
    trial.settle(verdict);
    // after a failed trial the circuit is open again for openMs, then lets the next trial through
    if (verdict === 'failure') {
      expect(breaker.current).toBe('open');
      jest.advanceTimersByTime(1000);
    } else {
      expect(breaker.current).toBe('closed');
    }
    const next = await breaker.admit(0);
    next.settle('success');
    expect(breaker.current).toBe('closed');
  });

  it('only one trial at a time: others wait, and go once it settled', async () => {
    const breaker = new CircuitBreaker('p', { failureThreshold: 1, openMs: 500 });
    await openIt(breaker, 1);
    jest.advanceTimersByTime(500);
    const trial = await breaker.admit(0);
    let admitted = false;
    const waiting = breaker.admit(5000).then((p) => {
      admitted = true;
      return p;
    });
    await jest.advanceTimersByTimeAsync(600);
    expect(admitted).toBe(false);
    trial.settle('success');
    await jest.advanceTimersByTimeAsync(300);
    expect(admitted).toBe(true);
    expect((await waiting).trial).toBe(false);
  });

  it('a permit counts once, however often it is settled (a finally may settle it again)', async () => {
    const breaker = new CircuitBreaker('p', { failureThreshold: 2, openMs: 1000 });
    const permit = await breaker.admit(0);
    permit.settle('failure');
    permit.settle('failure');
    expect(breaker.current).toBe('closed');
  });

  it('a trial never settled is replaced after its lease (safety net); its late verdict then counts for nothing', async () => {
    const breaker = new CircuitBreaker('p', { failureThreshold: 1, openMs: 100, trialLeaseMs: 2000 });
    await openIt(breaker, 1);
    jest.advanceTimersByTime(100);
    const lost = await breaker.admit(0);
    await expect(breaker.admit(100)).rejects.toBeInstanceOf(CircuitOpenError);
    jest.advanceTimersByTime(2000);
    const second = await breaker.admit(0);
    expect(second.trial).toBe(true);
    lost.settle('failure');
    expect(breaker.current).toBe('half-open');
    second.settle('success');
    expect(breaker.current).toBe('closed');
  });

  it('reports state changes to listeners', async () => {
    const breaker = new CircuitBreaker('p', { failureThreshold: 1, openMs: 100 });
    const seen: string[] = [];
    breaker.onChange((s) => seen.push(s));
    await openIt(breaker, 1);
    jest.advanceTimersByTime(100);
    (await breaker.admit(0)).settle('failure');
    jest.advanceTimersByTime(100);
    (await breaker.admit(0)).settle('success');
    expect(seen).toEqual(['open', 'half-open', 'open', 'half-open', 'closed']);
  });
});
