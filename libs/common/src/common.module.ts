import { Global, Module } from '@nestjs/common';
import { OutboundUrlPolicy } from './outbound-url.policy';

@Global()
@Module({ providers: [OutboundUrlPolicy], exports: [OutboundUrlPolicy] })
export class CommonModule {}
