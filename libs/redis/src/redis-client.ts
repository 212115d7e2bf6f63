import Redis, { Cluster, RedisOptions } from 'ioredis';
import type { AppConfig } from '@rpg/config';
import { clusterOptions, redisOptions } from './redis-options';

/** Injection token of the shared storage connection (auto-pipelined), provided by RedisModule. */
export const REDIS = Symbol('REDIS');

/**
 * What `REDIS` and the factory hand out: one Redis, or a Redis Cluster client when REDIS_CLUSTER_NODES is set. Code
 * using it sticks to what both answer alike: commands, scripts, pipelines and MULTI on keys of our one hash tag (one
 * slot), and pub/sub. Nothing that needs a node (SCAN, KEYS, INFO of "the" server).
 */
export type RedisClient = Redis | Cluster;

/** Where to connect: the single Redis of `redisUrl`, or the cluster seeded by `redisClusterNodes` (AppConfig fits). */
export type RedisTarget = Pick<AppConfig, 'redisUrl' | 'redisClusterNodes'>;

/** One connection to the target: a Cluster client when seed nodes are configured, else a Redis. */
export function createRedisClient(target: RedisTarget, overrides: RedisOptions = {}): RedisClient {
  return target.redisClusterNodes.length
    ? new Cluster(target.redisClusterNodes, clusterOptions(target.redisUrl, overrides))
    : new Redis(redisOptions(target.redisUrl, overrides));
}
