import { Global, Module } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@rpg/config';
import { OutboundUrlPolicy } from './outbound-url.policy';
import { SignedTokenCodec } from './signed-token';

@Global()
@Module({
  providers: [OutboundUrlPolicy, { provide: SignedTokenCodec, inject: [APP_CONFIG], useFactory: (c: AppConfig) => new SignedTokenCodec(c.sessionSecret) }],
  exports: [OutboundUrlPolicy, SignedTokenCodec],
})
export class CommonModule {}
