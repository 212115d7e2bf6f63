import { DynamicModule, Global, Module } from '@nestjs/common';
import { AppConfig, loadAppConfig } from './app-config';
import { loadEnvFile } from './env-file';

export const APP_CONFIG = Symbol('APP_CONFIG');

/**
 * The validated configuration for every process, as APP_CONFIG. main.ts passes the config it loaded (environment, then
 * `.env`) before building the app, so a bad value stops the process before anything connects; tests pass their own.
 * Without one, it is loaded here the same way.
 */
@Global()
@Module({})
export class AppConfigModule {
  static forRoot(config?: AppConfig): DynamicModule {
    return {
      module: AppConfigModule,
      providers: [
        {
          provide: APP_CONFIG,
          useFactory: () => {
            if (config) return config;
            loadEnvFile(process.env);
            return loadAppConfig(process.env);
          },
        },
      ],
      exports: [APP_CONFIG],
    };
  }
}
