export * from './redis-client';
export * from './redis-options';
export * from './redis-keys';
export * from './redis-connection.factory';
export * from './redis-errors';
export * from './redis.module';
export * from './redis-check';
export * from './redis-script';
