import { DynamicModule, Global, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { AppConfig, loadAppConfig } from './app-config';

export const APP_CONFIG = Symbol('APP_CONFIG');

/**
 * Validated configuration for every process. `forRoot()` reads process.env (and `.env`) through @nestjs/config;
 * tests pass a prepared AppConfig.
 */
@Global()
@Module({})
export class AppConfigModule {
  static forRoot(config?: AppConfig): DynamicModule {
    let built = config;
    return {
      module: AppConfigModule,
      imports: [
        ConfigModule.forRoot({
          ignoreEnvFile: config !== undefined,
          cache: true,
          validate: (raw) => {
            built ??= loadAppConfig(raw);
            return { app: built };
          },
        }),
      ],
      providers: [{ provide: APP_CONFIG, useFactory: () => built }],
      exports: [APP_CONFIG],
    };
  }
}
