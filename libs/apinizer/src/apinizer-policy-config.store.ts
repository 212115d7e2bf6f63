import { Inject, Injectable } from '@nestjs/common';
import { REDIS, RedisKeys, RedisClient } from '@rpg/redis';
import { ApinizerPolicyTarget, targetKey } from '@rpg/routing-policy';
import type { ApinizerOperationMetadata, ApinizerPolicy } from './apinizer.types';

export interface AppliedPolicyConfig {
  policy: ApinizerPolicy;
  operationMetadata: Omit<ApinizerOperationMetadata, 'deploy' | 'deployTargetEnvironmentNameList' | 'order'>;
  appliedAt: string;
}

/**
 * The last full policy this gateway successfully PUT per target. Apinizer's List Policies may return summaries only, and
 * its PUT replaces the whole policy: this is the fallback source of the fields the caller did not send.
 */
@Injectable()
export class ApinizerPolicyConfigStore {
  constructor(
    @Inject(REDIS) private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
  ) {}

  private key(target: ApinizerPolicyTarget): string {
    return this.keys.key('apinizer-config', targetKey(target));
  }

  async get(target: ApinizerPolicyTarget): Promise<AppliedPolicyConfig | undefined> {
    const raw = await this.redis.get(this.key(target));
    return raw ? (JSON.parse(raw) as AppliedPolicyConfig) : undefined;
  }

  async save(target: ApinizerPolicyTarget, config: AppliedPolicyConfig): Promise<void> {
    await this.redis.set(this.key(target), JSON.stringify(config));
  }
}
