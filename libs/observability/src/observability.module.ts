import { Global, Module } from '@nestjs/common';
import { ServiceMetrics } from './metrics';

@Global()
@Module({ providers: [{ provide: ServiceMetrics, useFactory: () => new ServiceMetrics() }], exports: [ServiceMetrics] })
export class ObservabilityModule {}
