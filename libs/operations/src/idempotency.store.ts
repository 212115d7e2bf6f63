import { Inject, Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { REDIS, RedisKeys, RedisClient, versionedJsonCodec } from '@rpg/redis';

const TTL_S = 24 * 3600;
const PENDING = 'pending';

export type IdempotencyClaim = { kind: 'new' } | { kind: 'replay'; operationId: string } | { kind: 'mismatch' } | { kind: 'in-progress' };

/** Canonical JSON (sorted keys) so the same body in another key order is the same request. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/** What an idempotency key holds: the hash of the first request's body, and its operation (`pending` until created). */
interface IdempotencyEntry {
  bodyHash: string;
  operationId: string;
}

/** The entry's JSON, versioned (`v`): 1 (no `v`) is the same shape without it. */
const idempotencyEntry = versionedJsonCodec<IdempotencyEntry>(2, (v1) => v1 as unknown as IdempotencyEntry);

/** `idem:<apiKeyName>:<sha256 of the key>`: scoped per API key, the key itself never stored. */
function idempotencyKeys(keys: RedisKeys) {
  return { entry: (apiKeyName: string, idempotencyKey: string) => keys.key('idem', apiKeyName, createHash('sha256').update(idempotencyKey).digest('hex')) };
}

/**
 * Idempotency keys, scoped per API key and kept 24 h. The first request claims the key with one SET NX (so of 20
 * concurrent requests exactly one creates the operation); the others see the claim and get the original operation.
 */
@Injectable()
export class IdempotencyStore {
  private readonly keys: ReturnType<typeof idempotencyKeys>;

  constructor(
    @Inject(REDIS) private readonly redis: RedisClient,
    redisKeys: RedisKeys,
  ) {
    this.keys = idempotencyKeys(redisKeys);
  }

  static bodyHash(body: unknown): string {
    return createHash('sha256').update(canonicalJson(body)).digest('hex');
  }

  async claim(apiKeyName: string, idempotencyKey: string, bodyHash: string): Promise<IdempotencyClaim> {
    const key = this.keys.entry(apiKeyName, idempotencyKey);
    const set = await this.redis.set(key, idempotencyEntry.encode({ bodyHash, operationId: PENDING }), 'EX', TTL_S, 'NX');
    if (set === 'OK') return { kind: 'new' };
    const raw = await this.redis.get(key);
    if (!raw) return this.claim(apiKeyName, idempotencyKey, bodyHash);
    const stored = idempotencyEntry.decode(raw);
    if (stored.bodyHash !== bodyHash) return { kind: 'mismatch' };
    return stored.operationId === PENDING ? { kind: 'in-progress' } : { kind: 'replay', operationId: stored.operationId };
  }

  async complete(apiKeyName: string, idempotencyKey: string, bodyHash: string, operationId: string): Promise<void> {
    await this.redis.set(this.keys.entry(apiKeyName, idempotencyKey), idempotencyEntry.encode({ bodyHash, operationId }), 'EX', TTL_S);
  }

  async release(apiKeyName: string, idempotencyKey: string): Promise<void> {
    await this.redis.del(this.keys.entry(apiKeyName, idempotencyKey));
  }
}
