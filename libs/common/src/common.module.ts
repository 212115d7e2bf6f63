import { Global, Module } from '@nestjs/common';
import { OutboundUrlGuard } from './outbound-url.guard';

@Global()
@Module({ providers: [OutboundUrlGuard], exports: [OutboundUrlGuard] })
export class CommonModule {}
