import { InjectQueue, getQueueToken } from '@nestjs/bullmq';
import { ModuleRef } from '@nestjs/core';
import { Controller, Get, Header, Inject } from '@nestjs/common';
import { ApiExcludeEndpoint, ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { Queue } from 'bullmq';
import { PublicRoute } from '@rpg/common';
import { ServiceMetrics } from '@rpg/observability';
import { CircuitBreakerRegistry } from '@rpg/provider-http';
import { ProviderAvailability, ProviderAvailabilityStore } from '@rpg/providers';
import { ALL_QUEUES, QUEUES } from '@rpg/queues';
import { REDIS, RedisClient } from '@rpg/redis';

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return Promise.race([promise, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms))]);
}

@ApiTags('health')
@PublicRoute()
@Controller()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicator: HealthIndicatorService,
    @Inject(REDIS) private readonly redis: RedisClient,
    @InjectQueue(QUEUES.providerCalls) private readonly calls: Queue,
    private readonly breakers: CircuitBreakerRegistry,
    private readonly metrics: ServiceMetrics,
    private readonly moduleRef: ModuleRef,
    private readonly availability: ProviderAvailabilityStore,
  ) {}

  /** Each provider's availability as the workers recorded it ({} when Redis does not answer: readiness says so). */
  private async providerAvailability(): Promise<Record<string, ProviderAvailability>> {
    const all = await withTimeout(this.availability.all(), 1000).catch(() => ({}));
    for (const [provider, state] of Object.entries(all)) this.metrics.providerAvailable.set({ provider }, state.status === 'up' ? 1 : 0);
    return all;
  }

  private get queues(): Queue[] {
    return ALL_QUEUES.map((name) => this.moduleRef.get<Queue>(getQueueToken(name), { strict: false }));
  }

  @Get('health/live')
  @ApiOperation({ summary: 'Liveness: the process answers' })
  live(): { status: string } {
    return { status: 'ok' };
  }

  @Get('health/ready')
  @HealthCheck()
  @ApiOperation({
    summary: 'Readiness: Redis and the queues answer; provider circuit states and availability (up/down, since, lastError) in details',
    description:
      'A provider outage does not make the gateway unready (accepting and storing work is still right): `details.providers.<provider>` ' +
      'shows `{status: "down", since, lastError}` while the workers wait it out.',
  })
  ready() {
    return this.health.check([
      async () => {
        const i = this.indicator.check('redis');
        try {
          await withTimeout(this.redis.ping(), 1000);
          return i.up();
        } catch (error) {
          return i.down({ message: (error as Error).message });
        }
      },
      async () => {
        const i = this.indicator.check('queues');
        try {
          const counts = await withTimeout(this.calls.getJobCounts('waiting', 'active', 'delayed'), 1000);
          return i.up({ providerCalls: counts });
        } catch (error) {
          return i.down({ message: (error as Error).message });
        }
      },
      // an outage shows here but keeps readiness up: the targets wait it out (PROVIDER_OUTAGE_BUDGET_MS)
      async () => this.indicator.check('providers').up({ circuits: this.breakers.states(), ...(await this.providerAvailability()) }),
    ]);
  }

  @Get('metrics')
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  @ApiExcludeEndpoint()
  async prometheus(): Promise<string> {
    // queue depths and provider availability are read at scrape time, not kept up to date on the hot path
    await this.providerAvailability();
    await Promise.all(
      this.queues.map(async (queue) => {
        const counts = await withTimeout(queue.getJobCounts('waiting', 'active', 'delayed', 'failed'), 1000).catch(() => undefined);
        for (const [state, n] of Object.entries(counts ?? {})) this.metrics.queueDepth.set({ queue: queue.name, state }, n);
      }),
    );
    return this.metrics.registry.metrics();
  }
}
