import { InjectQueue, getQueueToken } from '@nestjs/bullmq';
import { ModuleRef } from '@nestjs/core';
import { Controller, Get, Header, Inject } from '@nestjs/common';
import { ApiExcludeEndpoint, ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { Queue } from 'bullmq';
import { PublicRoute } from '@rpg/common';
import { ServiceMetrics } from '@rpg/observability';
import { CircuitBreakerRegistry } from '@rpg/provider-http';
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
  ) {}

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
  @ApiOperation({ summary: 'Readiness: Redis and the queues answer; provider circuit states in details' })
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
      () => this.indicator.check('providers').up({ circuits: this.breakers.states() }),
    ]);
  }

  @Get('metrics')
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  @ApiExcludeEndpoint()
  async prometheus(): Promise<string> {
    // queue depths are read at scrape time (one pipeline per queue), not kept up to date on the hot path
    await Promise.all(
      this.queues.map(async (queue) => {
        const counts = await withTimeout(queue.getJobCounts('waiting', 'active', 'delayed', 'failed'), 1000).catch(() => undefined);
        for (const [state, n] of Object.entries(counts ?? {})) this.metrics.queueDepth.set({ queue: queue.name, state }, n);
      }),
    );
    return this.metrics.registry.metrics();
  }
}
