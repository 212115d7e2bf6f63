import { Inject, Injectable } from '@nestjs/common';
import { REDIS, RedisKeys, RedisClient, versionedJsonCodec } from '@rpg/redis';
import { ApinizerPolicyTarget, targetKey } from '@rpg/routing-policy';
import type { ApinizerOperationMetadata, ApinizerPolicy } from './apinizer.types';

export interface AppliedPolicyConfig {
  policy: ApinizerPolicy;
  operationMetadata: Omit<ApinizerOperationMetadata, 'deploy' | 'deployTargetEnvironmentNameList' | 'order'>;
  /** The 1-based order last sent, or known before a write that kept it (absent: unknown). */
  order?: number;
  appliedAt: string;
}

/** `apinizer-config:<target key>`: the last applied config of a policy (JSON), kept without expiry. */
function policyConfigKeys(keys: RedisKeys) {
  return { config: (target: ApinizerPolicyTarget) => keys.key('apinizer-config', targetKey(target)) };
}

/**
 * The config's JSON, versioned (`v`): 1 (no `v`) is the same shape without it. Every save writes a whole new config
 * (what was applied now), so a newer release's extra keys are not carried over: they described the config replaced.
 */
const policyConfigCodec = versionedJsonCodec<AppliedPolicyConfig>(2, (v1) => v1 as unknown as AppliedPolicyConfig);

/**
 * The last full policy this gateway successfully PUT per target. Apinizer's List Policies may return summaries only, and
 * its PUT replaces the whole policy: this is the fallback source of the fields the caller did not send.
 */
@Injectable()
export class ApinizerPolicyConfigStore {
  private readonly keys: ReturnType<typeof policyConfigKeys>;

  constructor(
    @Inject(REDIS) private readonly redis: RedisClient,
    redisKeys: RedisKeys,
  ) {
    this.keys = policyConfigKeys(redisKeys);
  }

  async get(target: ApinizerPolicyTarget): Promise<AppliedPolicyConfig | undefined> {
    const raw = await this.redis.get(this.keys.config(target));
    return raw ? policyConfigCodec.decode(raw) : undefined;
  }

  async save(target: ApinizerPolicyTarget, config: AppliedPolicyConfig): Promise<void> {
    await this.redis.set(this.keys.config(target), policyConfigCodec.encode(config));
  }
}
