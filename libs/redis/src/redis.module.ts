import { Global, Module } from '@nestjs/common';
import { REDIS } from './redis-client';
import { RedisConnectionFactory } from './redis-connection.factory';
import { RedisKeys } from './redis-keys';

/** Provides the shared storage connection (`REDIS`), the connection factory and our key names, to every module. */
@Global()
@Module({
  providers: [
    RedisKeys,
    RedisConnectionFactory,
    {
      provide: REDIS,
      inject: [RedisConnectionFactory],
      // concurrent commands of a request (and of concurrent requests) share one write: fewer syscalls on the hot path
      useFactory: (factory: RedisConnectionFactory) => factory.create({ enableAutoPipelining: true }),
    },
  ],
  exports: [REDIS, RedisKeys, RedisConnectionFactory],
})
export class RedisModule {}
