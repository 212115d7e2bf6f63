import { Global, Module } from '@nestjs/common';
import { GatewayMetrics } from './metrics';

@Global()
@Module({ providers: [{ provide: GatewayMetrics, useFactory: () => new GatewayMetrics() }], exports: [GatewayMetrics] })
export class ObservabilityModule {}
