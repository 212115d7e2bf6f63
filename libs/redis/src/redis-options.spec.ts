import { clusterOptions } from './redis-options';

const URL_WITH_AUTH = 'rediss://app:p%40ss@ignored.example:1';

describe('clusterOptions', () => {
  it('puts credentials, TLS and the fail-fast retry limit on each node, queueing/ready/pipelining/reconnecting on the cluster', () => {
    const retry = (times: number) => times;
    const options = clusterOptions(URL_WITH_AUTH, { enableAutoPipelining: true, retryStrategy: retry, connectTimeout: 1234 });
    expect(options).toMatchObject({ enableOfflineQueue: false, enableAutoPipelining: true, lazyConnect: false, clusterRetryStrategy: retry });
    expect(options.redisOptions).toMatchObject({ username: 'app', password: 'p@ss', tls: {}, maxRetriesPerRequest: 1, connectTimeout: 1234 });
    // the seeds give host and port; a cluster has database 0 only; the cluster-level settings are not repeated per node
    for (const key of ['host', 'port', 'db', 'enableOfflineQueue', 'retryStrategy', 'enableAutoPipelining', 'lazyConnect'])
      expect(options.redisOptions).not.toHaveProperty(key);
  });

  it('no userinfo, redis:// scheme: no credentials, no TLS', () => {
    expect(clusterOptions('redis://127.0.0.1:6379').redisOptions).toMatchObject({ username: undefined, password: undefined, tls: undefined });
  });

  it('passes BullMQ worker settings through (maxRetriesPerRequest null on the nodes, offline queue on the cluster)', () => {
    const options = clusterOptions('redis://127.0.0.1:6379', { maxRetriesPerRequest: null, enableOfflineQueue: true, enableReadyCheck: true });
    expect(options).toMatchObject({ enableOfflineQueue: true, enableReadyCheck: true });
    expect(options.redisOptions?.maxRetriesPerRequest).toBeNull();
  });
});
