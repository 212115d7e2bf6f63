import { isTransientInfrastructureError } from './job-failure';

describe('isTransientInfrastructureError', () => {
  it('retries Redis outages, failovers and resharding', () => {
    for (const message of [
      'connect ECONNREFUSED 127.0.0.1:6379',
      'Connection is closed.',
      "Stream isn't writeable and enableOfflineQueue options is false",
      'Reached the max retries per request limit (which is 1). Refer to "maxRetriesPerRequest" option for details.',
      "READONLY You can't write against a read only replica.",
      'CLUSTERDOWN The cluster is down',
      'TRYAGAIN Multiple keys request during rehashing of slot',
      'LOADING Redis is loading the dataset in memory',
      'Command timed out',
    ]) {
      expect(isTransientInfrastructureError(new Error(message))).toBe(true);
    }
    expect(isTransientInfrastructureError(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }))).toBe(true);
  });

  it('does not retry bugs', () => {
    expect(isTransientInfrastructureError(new TypeError("Cannot read properties of null (reading 'action')"))).toBe(false);
    expect(isTransientInfrastructureError(new RangeError('Invalid array length'))).toBe(false);
    expect(isTransientInfrastructureError(new SyntaxError('Unexpected token u in JSON at position 0'))).toBe(false);
    expect(isTransientInfrastructureError(undefined)).toBe(false);
    expect(isTransientInfrastructureError('a string')).toBe(false);
  });
});
