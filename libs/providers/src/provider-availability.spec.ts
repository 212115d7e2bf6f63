import Redis from 'ioredis';
import { randomBytes } from 'node:crypto';
import type { AppConfig } from '@rpg/config';
import { ServiceMetrics } from '@rpg/observability';
import { RedisKeys } from '@rpg/redis';
import { ERROR_CODES, ProviderError } from '@rpg/routing-policy';
import { ProviderAvailabilityStore, isCircuitOpenFailure, isTransientProviderFailure, outageBackoffMs, outageErrorOf } from './provider-availability';

describe('isTransientProviderFailure', () => {
  const answered = (code: string, providerStatus: number) => new ProviderError(code, `failed with ${providerStatus}`, { providerStatus });

  it.each([502, 503, 504, 408, 429])('counts a %s answer as an outage', (status) => {
    expect(isTransientProviderFailure(answered(status === 429 ? ERROR_CODES.rateLimited : ERROR_CODES.providerUnavailable, status))).toBe(true);
  });

  it('counts an unreachable provider (connection refused, timeout, circuit open) as an outage', () => {
    expect(isTransientProviderFailure(new ProviderError(ERROR_CODES.providerUnavailable, 'ECONNREFUSED', { retryable: true }))).toBe(true);
    // Apinizer's rate limit by body, whatever its status
    expect(isTransientProviderFailure(answered(ERROR_CODES.rateLimited, 400))).toBe(true);
  });

  it.each([
    [ERROR_CODES.providerUnavailable, 500],
    [ERROR_CODES.validationFailed, 400],
    [ERROR_CODES.providerAuth, 401],
    [ERROR_CODES.targetNotFound, 404],
    [ERROR_CODES.resourceLocked, 409],
  ])('does not count %s (%s) as an outage', (code, status) => {
    expect(isTransientProviderFailure(answered(code, status))).toBe(false);
  });

  it('is false for anything but a provider error', () => {
    expect(isTransientProviderFailure(new Error('ECONNREFUSED'))).toBe(false);
    expect(isTransientProviderFailure(undefined)).toBe(false);
  });
});

describe('outageBackoffMs', () => {
  it('starts at 1 s, doubles and stops at the cap', () => {
    const none = () => 0;
    expect([1, 2, 3, 4, 5, 6, 7, 50].map((a) => outageBackoffMs(a, 30_000, none))).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000]);
    expect(outageBackoffMs(3, 2_500, none)).toBe(2_500);
  });

  it('takes off at most 25 % as jitter', () => {
    expect(outageBackoffMs(6, 30_000, () => 0.999)).toBeGreaterThanOrEqual(22_500);
    for (let i = 0; i < 100; i++) {
      const ms = outageBackoffMs(4, 30_000);
      expect(ms).toBeGreaterThanOrEqual(6_000);
      expect(ms).toBeLessThanOrEqual(8_000);
    }
  });
});

describe('outageErrorOf', () => {
  it('keeps code, status and message, never the body', () => {
    const error = new ProviderError(ERROR_CODES.providerUnavailable, 'Gcore l7 policy update failed with 503: down', {
      providerStatus: 503,
      providerBody: { message: 'down', token: 'secret' },
    });
    expect(outageErrorOf(error)).toEqual({ code: 'PROVIDER_UNAVAILABLE', providerStatus: 503, message: 'Gcore l7 policy update failed with 503: down' });
  });
});

describe('isCircuitOpenFailure', () => {
  it('tells a circuit refusal from a real failure', () => {
    expect(
      isCircuitOpenFailure({ code: 'PROVIDER_UNAVAILABLE', message: 'Gcore L7 policy read failed: The gcore circuit is open: the provider keeps failing' }),
    ).toBe(true);
    expect(isCircuitOpenFailure({ code: 'PROVIDER_UNAVAILABLE', message: 'Gcore could not be reached after 2 attempts: ECONNREFUSED' })).toBe(false);
    // the status of an earlier attempt of the same call does not make it an answer
    expect(isCircuitOpenFailure({ code: 'PROVIDER_UNAVAILABLE', message: 'The gcore circuit is open', providerStatus: 503 })).toBe(true);
  });
});

describe('ProviderAvailabilityStore (Redis)', () => {
  const redis = new Redis(process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379');
  const prefix = `pav${randomBytes(4).toString('hex')}`;
  const keys = new RedisKeys({ queuePrefix: prefix } as AppConfig);
  const metrics = new ServiceMetrics(false);
  const lastError = { code: 'PROVIDER_UNAVAILABLE', message: 'Gcore failed with 503', providerStatus: 503 };

  afterAll(async () => {
    await redis.del(keys.key('provider-availability'));
    await redis.quit();
  });

  const gauge = async (provider: string) => (await metrics.providerAvailable.get()).values.find((v) => v.labels.provider === provider)?.value;

  it('records down (keeping when it went down) and up again, shared by every process', async () => {
    const a = new ProviderAvailabilityStore(redis, keys, metrics);
    const b = new ProviderAvailabilityStore(redis, keys, new ServiceMetrics(false));
    expect(await a.all()).toEqual({});

    await a.markDown('gcore', lastError);
    expect(a.lastFailureOf('gcore')).toEqual(lastError);
    await a.markDown('gcore', { code: 'PROVIDER_UNAVAILABLE', message: 'The gcore circuit is open' });
    expect(a.lastFailureOf('gcore')).toEqual(lastError); // a circuit refusal is not a failure of its own
    const down = (await b.all()).gcore;
    expect(down).toMatchObject({ status: 'down', lastError });
    expect(await gauge('gcore')).toBe(0);

    // another process sees it too and keeps `since`
    await b.markDown('gcore', { ...lastError, message: 'again' });
    expect((await a.all()).gcore).toMatchObject({ status: 'down', since: down.since, lastError: { message: 'again' } });

    await a.markUp('gcore');
    expect(a.lastFailureOf('gcore')).toBeUndefined();
    const up = (await b.all()).gcore;
    expect(up.status).toBe('up');
    expect(up.lastError).toBeUndefined();
    expect(Date.parse(up.since)).toBeGreaterThanOrEqual(Date.parse(down.since));
    expect(await gauge('gcore')).toBe(1);

    // an up already recorded is not rewritten (its since stays)
    await b.markUp('gcore');
    expect((await a.all()).gcore.since).toBe(up.since);
  });

  it('never fails the call when Redis refuses the write', async () => {
    const broken = new Redis('redis://127.0.0.1:1', { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0 });
    const store = new ProviderAvailabilityStore(broken, keys, metrics);
    await expect(store.markDown('apinizer', lastError)).resolves.toBeUndefined();
    await expect(store.markUp('apinizer')).resolves.toBeUndefined();
    broken.disconnect();
  });
});
