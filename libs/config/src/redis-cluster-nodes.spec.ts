import { ConfigValidationError, loadAppConfig } from '.';

const load = (env: Record<string, string>) => loadAppConfig({ NODE_ENV: 'test', ...env });
const failure = (env: Record<string, string>): string => {
  try {
    load(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigValidationError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigValidationError');
};

describe('REDIS_CLUSTER_NODES', () => {
  it('unset or empty: a single Redis, exactly as before', () => {
    expect(load({}).redisClusterNodes).toEqual([]);
    expect(load({ REDIS_CLUSTER_NODES: '' }).redisClusterNodes).toEqual([]);
    expect(load({}).redisUrl).toBe('redis://127.0.0.1:6379');
  });

  it('parses comma-separated host:port seeds (names, IPv4, bracketed IPv6, spaces around commas)', () => {
    expect(load({ REDIS_CLUSTER_NODES: 'redis-0.redis:6379, 10.0.0.7:7001,[::1]:7002' }).redisClusterNodes).toEqual([
      { host: 'redis-0.redis', port: 6379 },
      { host: '10.0.0.7', port: 7001 },
      { host: '::1', port: 7002 },
    ]);
  });

  it.each(['127.0.0.1', '127.0.0.1:', ':7000', '127.0.0.1:7000,', 'redis://127.0.0.1:7000', '127.0.0.1:7000;127.0.0.1:7001', 'a b:7000'])(
    'refuses %j with one line',
    (value) => {
      expect(failure({ REDIS_CLUSTER_NODES: value })).toBe(
        `Invalid configuration: REDIS_CLUSTER_NODES must be comma-separated host:port seed nodes (got ${JSON.stringify(value)})`,
      );
    },
  );

  it.each(['127.0.0.1:0', '127.0.0.1:70000'])('refuses the out-of-range port of %j', (value) => {
    expect(failure({ REDIS_CLUSTER_NODES: value })).toBe(`Invalid configuration: REDIS_CLUSTER_NODES port of "${value}" must be 1-65535`);
  });

  it('keeps REDIS_URL for credentials and TLS, but refuses a database other than 0 (a cluster has only 0)', () => {
    const config = load({ REDIS_CLUSTER_NODES: '127.0.0.1:7000', REDIS_URL: 'rediss://app:s3cret@ignored:1/0' });
    expect(config.redisUrl).toBe('rediss://app:s3cret@ignored:1/0');
    expect(failure({ REDIS_CLUSTER_NODES: '127.0.0.1:7000', REDIS_URL: 'redis://127.0.0.1:6379/2' })).toMatch(
      /^Invalid configuration: REDIS_URL must not select a database other than 0 when REDIS_CLUSTER_NODES is set/,
    );
    // without a cluster a database is fine, as before
    expect(load({ REDIS_URL: 'redis://127.0.0.1:6379/2' }).redisClusterNodes).toEqual([]);
  });
});
