import { Global, Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { ApinizerAdapter, ApinizerClient, ApinizerPolicyConfigStore, ApinizerReader, ApinizerTokenProvider, apinizerRetryAfterMs } from '@rpg/apinizer';
import { APP_CONFIG, AppConfig } from '@rpg/config';
import { GcoreAdapter, GcoreClient, GcoreReader } from '@rpg/gcore';
import { ServiceMetrics } from '@rpg/observability';
import { CircuitBreakerRegistry, CircuitState, ProviderHttpClient } from '@rpg/provider-http';
import { PROVIDER_ADAPTERS, PROVIDER_READERS, ProviderAdapter, Target, Update } from '@rpg/routing-policy';
import { LookupTargetsUseCase } from './usecases/lookup-targets/lookup-targets.usecase';
import { ProviderAvailabilityStore } from './provider-availability';

const CIRCUIT_VALUE: Record<CircuitState, number> = { closed: 0, 'half-open': 1, open: 2 };

/** Picks the adapter of a target; one registration per provider. */
@Injectable()
export class ProviderAdapterRegistry {
  constructor(@Inject(PROVIDER_ADAPTERS) private readonly adapters: ProviderAdapter[]) {}

  forTarget(target: Target): ProviderAdapter {
    const adapter = this.adapters.find((a) => a.supports(target));
    if (!adapter) throw new Error(`No adapter for provider ${target.provider}`);
    return adapter;
  }

  /** What each update's adapter refuses from the request alone (paths `updates[i]....`): a 422 before anything is stored. */
  refusedChanges(updates: Update[]): { path: string; message: string }[] {
    return updates.flatMap((update, i) =>
      (this.forTarget(update.target).checkChanges?.(update) ?? []).map((e) => ({ path: `updates[${i}].${e.path}`, message: e.message })),
    );
  }
}

const GCORE_HTTP = Symbol('GCORE_HTTP');
const APINIZER_HTTP = Symbol('APINIZER_HTTP');

function httpClient(
  provider: 'gcore' | 'apinizer',
  baseUrl: string,
  config: AppConfig,
  breakers: CircuitBreakerRegistry,
  metrics: ServiceMetrics,
): ProviderHttpClient {
  const breaker = breakers.get(provider, {
    failureThreshold: config.provider.circuitFailureThreshold,
    openMs: config.provider.circuitOpenMs,
    // a trial is one HTTP attempt: it is never replaced while it may still legitimately be waiting for its answer
    trialLeaseMs: Math.max(60_000, 6 * config.provider.circuitOpenMs, 2 * config.provider.requestTimeoutMs),
  });
  metrics.circuitState.set({ provider }, 0);
  breaker.onChange((state) => metrics.circuitState.set({ provider }, CIRCUIT_VALUE[state]));
  return new ProviderHttpClient({
    provider: provider === 'gcore' ? 'Gcore' : 'Apinizer',
    baseUrl,
    maxAttempts: config.provider.maxAttempts,
    requestTimeoutMs: config.provider.requestTimeoutMs,
    breaker,
    retryAfterFromBody: provider === 'apinizer' ? apinizerRetryAfterMs : undefined,
    onCall: (operation, status, ms) => metrics.providerCalls.observe({ provider, operation, status }, ms / 1000),
  });
}

@Injectable()
class ProviderHttpShutdown implements OnApplicationShutdown {
  constructor(
    @Inject(GCORE_HTTP) private readonly gcore: ProviderHttpClient,
    @Inject(APINIZER_HTTP) private readonly apinizer: ProviderHttpClient,
  ) {}
  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled([this.gcore.close(), this.apinizer.close()]);
  }
}

/** Provider clients and adapters (Gcore, Apinizer), wired from the validated config. */
@Global()
@Module({
  providers: [
    CircuitBreakerRegistry,
    ApinizerPolicyConfigStore,
    {
      provide: GCORE_HTTP,
      inject: [APP_CONFIG, CircuitBreakerRegistry, ServiceMetrics],
      useFactory: (c: AppConfig, b: CircuitBreakerRegistry, m: ServiceMetrics) => httpClient('gcore', c.gcore.baseUrl, c, b, m),
    },
    {
      provide: APINIZER_HTTP,
      inject: [APP_CONFIG, CircuitBreakerRegistry, ServiceMetrics],
      useFactory: (c: AppConfig, b: CircuitBreakerRegistry, m: ServiceMetrics) => httpClient('apinizer', c.apinizer.baseUrl, c, b, m),
    },
    {
      provide: GcoreClient,
      inject: [GCORE_HTTP, APP_CONFIG],
      useFactory: (http: ProviderHttpClient, c: AppConfig) => new GcoreClient(http, { apiKey: c.gcore.apiKey, lockWaitMs: c.gcoreTasks.lockWaitMs }),
    },
    {
      provide: ApinizerClient,
      inject: [APINIZER_HTTP, APP_CONFIG],
      useFactory: (http: ProviderHttpClient, c: AppConfig) =>
        new ApinizerClient(http, new ApinizerTokenProvider(http, { token: c.apinizer.token, username: c.apinizer.username, password: c.apinizer.password })),
    },
    { provide: GcoreAdapter, inject: [GcoreClient], useFactory: (client: GcoreClient) => new GcoreAdapter(client) },
    {
      provide: ApinizerAdapter,
      inject: [ApinizerClient, ApinizerPolicyConfigStore],
      useFactory: (client: ApinizerClient, store: ApinizerPolicyConfigStore) => new ApinizerAdapter(client, store),
    },
    { provide: PROVIDER_ADAPTERS, inject: [GcoreAdapter, ApinizerAdapter], useFactory: (g: GcoreAdapter, a: ApinizerAdapter) => [g, a] },
    {
      provide: PROVIDER_READERS,
      inject: [GcoreClient, ApinizerClient],
      useFactory: (g: GcoreClient, a: ApinizerClient) => [new GcoreReader(g), new ApinizerReader(a)],
    },
    ProviderAdapterRegistry,
    LookupTargetsUseCase,
    ProviderHttpShutdown,
    ProviderAvailabilityStore,
  ],
  exports: [ProviderAdapterRegistry, LookupTargetsUseCase, GcoreClient, ApinizerClient, CircuitBreakerRegistry, ProviderAvailabilityStore],
})
export class ProvidersModule {}
