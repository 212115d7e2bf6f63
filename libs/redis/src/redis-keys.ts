import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@rpg/config';

/** Key names of our own data, under one hash tag (Redis Cluster keeps multi-key scripts in one slot). */
@Injectable()
export class RedisKeys {
  readonly base: string;
  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.base = `{${config.queuePrefix}}:`;
  }
  key(...parts: string[]): string {
    return this.base + parts.join(':');
  }
}
