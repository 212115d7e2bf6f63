export * from './environment';
export * from './app-config';
export * from './env-file';
export * from './app-config.module';
