import type { ApinizerEndpoint, ApinizerPolicy, ApinizerProxy, ApinizerState } from './apinizer/model';
import type { GcoreState, L7Action, L7Policy, LoadBalancer } from './gcore/model';

export const SEED = {
  projectId: 1,
  regionId: 76,
  regionName: 'Luxembourg-2',
  lbWeb: 'a1b2c3d4-0000-4000-8000-000000000001',
  lbApi: 'a1b2c3d4-0000-4000-8000-000000000002',
  pool1: 'b1b2c3d4-0000-4000-8000-000000000001',
  pool2: 'b1b2c3d4-0000-4000-8000-000000000002',
  listener: 'c1b2c3d4-0000-4000-8000-000000000001',
  /** L7 policy id number n (1..12). */
  l7: (n: number): string => `d1b2c3d4-0000-4000-8000-${String(n).padStart(12, '0')}`,
  apinizerProject: 'demo',
} as const;

const SEED_CREATED_AT = '2025-01-15T10:00:00+00:00';

function l7(n: number, name: string, action: L7Action, extra: Partial<L7Policy> = {}): L7Policy {
  return {
    id: SEED.l7(n),
    name,
    action,
    listener_id: SEED.listener,
    position: n,
    redirect_url: null,
    redirect_prefix: null,
    redirect_pool_id: null,
    redirect_http_code: null,
    rules: [],
    tags: [],
    provisioning_status: 'ACTIVE',
    operating_status: 'ONLINE',
    project_id: SEED.projectId,
    region_id: SEED.regionId,
    region: SEED.regionName,
    task_id: null,
    ...extra,
  };
}

function lb(n: number, name: string, listeners: string[]): LoadBalancer {
  const suffix = String(n).padStart(12, '0');
  return {
    id: `a1b2c3d4-0000-4000-8000-${suffix}`,
    admin_state_up: true,
    created_at: SEED_CREATED_AT,
    name,
    operating_status: 'ONLINE',
    project_id: SEED.projectId,
    provisioning_status: 'ACTIVE',
    region: SEED.regionName,
    region_id: SEED.regionId,
    tags_v2: [
      { key: 'managed-by', value: 'gcore', read_only: true },
      { key: 'env', value: 'prod', read_only: false },
    ],
    logging: { enabled: false, topic_name: null, destination_region_id: null, retention_policy: null },
    preferred_connectivity: 'L2',
    listeners: listeners.map((id) => ({ id })),
    vip_address: `10.0.0.${10 + n}`,
    vip_port_id: `e1b2c3d4-0000-4000-8000-${suffix}`,
    task_id: null,
    creator_task_id: `f1b2c3d4-0000-4000-8000-${suffix}`,
    updated_at: null,
  };
}

export function seedGcore(): GcoreState {
  const policies: L7Policy[] = [
    l7(1, 'redirect-to-url', 'REDIRECT_TO_URL', {
      redirect_url: 'https://example.com/new',
      redirect_http_code: 302,
      tags: ['web'],
    }),
    l7(2, 'redirect-prefix', 'REDIRECT_PREFIX', { redirect_prefix: 'https://example.com/v2', redirect_http_code: 301 }),
    l7(3, 'to-pool', 'REDIRECT_TO_POOL', { redirect_pool_id: SEED.pool1 }),
    l7(4, 'reject-bots', 'REJECT'),
  ];
  for (let n = 5; n <= 12; n++) {
    policies.push(
      n % 2 === 1
        ? l7(n, `policy-${n}`, 'REJECT')
        : l7(n, `policy-${n}`, 'REDIRECT_TO_URL', { redirect_url: `https://example.com/p${n}`, redirect_http_code: 302 }),
    );
  }
  const lbs = [lb(1, 'lb-web', [SEED.listener]), lb(2, 'lb-api', [])];
  return {
    projects: new Set([SEED.projectId]),
    regions: new Map([[SEED.regionId, SEED.regionName]]),
    pools: new Set([SEED.pool1, SEED.pool2]),
    listeners: new Set([SEED.listener]),
    l7: new Map(policies.map((p) => [p.id, { policy: p, lock: null }])),
    lbs: new Map(lbs.map((b) => [b.id, { lb: b, lock: null }])),
  };
}

const NO_CONDITION = (): { conditionRuleList: unknown[] } => ({ conditionRuleList: [] });

function throttling(name: string, description: string, messageCountForInterval: number): ApinizerPolicy {
  return {
    name,
    type: 'policy-api-based-throttling',
    description,
    active: true,
    policyCondition: NO_CONDITION(),
    targetVariableForIdentity: { name: 'clientIp', type: 'CONTEXT_VALUES', contextValue: 'REQUEST_REMOTE_ADDRESS' },
    messageCountForInterval,
    throttlingInterval: 'ONE_MINUTE',
    intervalPeriodLength: 1,
    intervalWindowType: 'FIXED',
    cacheConnectionTimeoutInSeconds: 3,
    cacheErrorHandlingType: 'FAIL',
    showRateLimitStatisticsInResponseHeader: false,
    detailList: [],
  };
}

function endpoint(path: string, httpMethod: string, requestPolicyList: ApinizerPolicy[] = []): ApinizerEndpoint {
  return { endpoint: path, httpMethod, active: true, requestPolicyList, responsePolicyList: [], errorPolicyList: [] };
}

export function seedApinizer(): ApinizerState {
  const petstore: ApinizerProxy = {
    name: 'petstore',
    type: 'REST',
    relativePath: '/petstore',
    soapToRest: false,
    requestPolicyList: [
      throttling('rate-limit', '100 per minute per client IP', 100),
      {
        name: 'ip-blacklist',
        type: 'policy-black-ip',
        description: 'Block known bad addresses',
        active: true,
        policyCondition: NO_CONDITION(),
        ipList: ['203.0.113.7'],
        targetVariableForIP: null,
      },
      ...[1, 2, 3, 4, 5, 6].map((n) => throttling(`spare-${n}`, `spare throttling policy ${n}`, 10)),
    ],
    responsePolicyList: [
      {
        name: 'max-size',
        type: 'policy-max-message-size',
        description: 'Responses up to 1 MiB',
        active: true,
        policyCondition: NO_CONDITION(),
        maxMessageSize: 1048576,
      },
    ],
    errorPolicyList: [],
    endpointList: [
      endpoint('/pets', 'GET', [
        {
          name: 'pets-script',
          type: 'policy-script',
          description: 'Adds X-Sandbox',
          active: true,
          policyCondition: NO_CONDITION(),
          executionType: 'SYNC',
          scriptLanguage: 'GROOVY',
          scriptBody: "requestHeaderMapToTarget.put('X-Sandbox','1')",
        },
      ]),
      endpoint('/pets/{id}', 'DELETE'),
    ],
  };
  const orders: ApinizerProxy = {
    name: 'orders',
    type: 'REST',
    relativePath: '/orders',
    soapToRest: false,
    requestPolicyList: [
      {
        name: 'quota',
        type: 'policy-api-based-quota',
        description: '1000 per day per API key',
        active: true,
        policyCondition: NO_CONDITION(),
        targetVariableForIdentity: { name: 'apiKey', type: 'HEADER', headerName: 'X-Api-Key' },
        messageCountForInterval: 1000,
        quotaInterval: 'ONE_DAY',
      },
      {
        // holds credentials: what the gateway must never show (masked) yet restore on a revert
        name: 'backend-auth',
        type: 'policy-api-authentication',
        description: 'Basic auth towards the orders backend',
        active: true,
        policyCondition: NO_CONDITION(),
        authType: 'BASIC',
        sendType: 'HEADER',
        apiAuthCondExpressionList: [{ username: 'orders-svc', password: 's3cr3t-backend-pass', policyCondition: NO_CONDITION() }],
      },
    ],
    responsePolicyList: [],
    errorPolicyList: [],
    endpointList: [endpoint('/orders', 'POST')],
  };
  return {
    projects: new Map([
      [
        SEED.apinizerProject,
        {
          name: SEED.apinizerProject,
          description: 'Sandbox demo project',
          proxies: new Map([
            [petstore.name, petstore],
            [orders.name, orders],
          ]),
        },
      ],
    ]),
    environments: ['dev', 'prod'].map((name) => ({
      name,
      description: `${name} environment`,
      type: 'KUBERNETES',
      status: 'PUBLISHED',
      accessUrl: `http://${name}.apinizer.sandbox`,
    })),
  };
}
