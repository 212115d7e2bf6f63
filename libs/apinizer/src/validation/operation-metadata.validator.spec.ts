import { validateOperationMetadata } from './operation-metadata.validator';

// ------------------------------------------------------------------------------------------------
// operationMetadata (§2.1)
// ------------------------------------------------------------------------------------------------

describe('validateOperationMetadata', () => {
  const MB = 'updates[0].changes';

  const valid: Array<[string, Parameters<typeof validateOperationMetadata>[0]]> = [
    ['ALL / REQUEST', { targetScope: 'ALL', targetPipeline: 'REQUEST' }],
    [
      'ENDPOINT with endpoint and method',
      { targetScope: 'ENDPOINT', targetEndpoint: '/api/users', targetEndpointHTTPMethod: 'GET', targetPipeline: 'RESPONSE' },
    ],
    ['ENDPOINT with method ALL', { targetScope: 'ENDPOINT', targetEndpoint: '/x', targetEndpointHTTPMethod: 'ALL', targetPipeline: 'ERROR' }],
    ['ENDPOINT with method TRACE', { targetScope: 'ENDPOINT', targetEndpoint: '/x', targetEndpointHTTPMethod: 'TRACE', targetPipeline: 'REQUEST' }],
    ['order null', { targetScope: 'ALL', targetPipeline: 'REQUEST', order: null }],
    ['order 1', { targetScope: 'ALL', targetPipeline: 'REQUEST', order: 1 }],
    ['order 7', { order: 7 }],
    ['partial change (nothing given)', {}],
  ];

  it.each(valid)('accepts %s', (_name, meta) => {
    expect(validateOperationMetadata(meta, MB)).toEqual([]);
  });

  const invalid: Array<[string, Parameters<typeof validateOperationMetadata>[0], Array<[string, string]>]> = [
    [
      'ENDPOINT without endpoint and method',
      { targetScope: 'ENDPOINT', targetPipeline: 'REQUEST' },
      [
        ['targetEndpoint', 'is required when targetScope is ENDPOINT'],
        ['targetEndpointHTTPMethod', 'is required when targetScope is ENDPOINT'],
      ],
    ],
    [
      'ENDPOINT with blank endpoint',
      { targetScope: 'ENDPOINT', targetEndpoint: '', targetEndpointHTTPMethod: 'GET' },
      [['targetEndpoint', 'is required when targetScope is ENDPOINT']],
    ],
    ['bad scope', { targetScope: 'GLOBAL' }, [['targetScope', 'must be one of ALL, ENDPOINT']]],
    ['API_PROXY scope from outlier pages', { targetScope: 'API_PROXY' }, [['targetScope', 'must be one of ALL, ENDPOINT']]],
    [
      'bad method',
      { targetScope: 'ENDPOINT', targetEndpoint: '/x', targetEndpointHTTPMethod: 'CONNECT' },
      [['targetEndpointHTTPMethod', 'must be one of GET, POST, PUT, DELETE, PATCH, OPTIONS, HEAD, TRACE, ALL']],
    ],
    ['bad pipeline', { targetPipeline: 'BOTH' }, [['targetPipeline', 'must be one of REQUEST, RESPONSE, ERROR']]],
    ['order 0', { order: 0 }, [['order', 'must be an integer >= 1 or null']]],
    ['order 1.5', { order: 1.5 }, [['order', 'must be an integer >= 1 or null']]],
    ['order as string', { order: '2' }, [['order', 'must be an integer >= 1 or null']]],
    ['targetEndpoint not a string', { targetEndpoint: 5 }, [['targetEndpoint', 'must be a string']]],
  ];

  it.each(invalid)('rejects %s', (_name, meta, expected) => {
    expect(validateOperationMetadata(meta, MB)).toEqual(expected.map(([field, message]) => ({ path: `${MB}.${field}`, message })));
  });

  it('requires targetScope and targetPipeline with { complete: true }', () => {
    expect(validateOperationMetadata({}, MB, { complete: true })).toEqual([
      { path: `${MB}.targetScope`, message: 'is required' },
      { path: `${MB}.targetPipeline`, message: 'is required' },
    ]);
    expect(validateOperationMetadata({ targetScope: 'ALL', targetPipeline: 'REQUEST' }, MB, { complete: true })).toEqual([]);
  });

  it('uses bare field names for an empty basePath', () => {
    expect(validateOperationMetadata({ targetScope: 'X' }, '')).toEqual([{ path: 'targetScope', message: 'must be one of ALL, ENDPOINT' }]);
  });
});

// ------------------------------------------------------------------------------------------------
