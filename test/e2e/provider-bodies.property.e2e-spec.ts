import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import fc from 'fast-check';
import { Harness, SEED, apinizerTarget, auth, lbTarget, l7Target, sandboxControl, startHarness, waitForOperation } from '../support/harness';

/**
 * Property tests over the unified changes: whatever a caller sends, the gateway answers 2xx or a 4xx problem (never a 5xx),
 * and every body it sends (or plans to send) has the provider's documented shape. The Gcore L7 body is checked against
 * the published schema in ../shared/reference (the authority; its copy in libs/gcore when ../shared is absent), plus its 301/302/303/307/308 rule.
 */
/** The published schema in ../shared/reference (the authority); a checkout without ../shared falls back to the lib's copy, which must match it. */
const SHARED_SCHEMA_PATH = join(__dirname, '../../../shared/reference/gcore-l7-update.schema.json');
const LIB_SCHEMA_PATH = join(__dirname, '../../libs/gcore/src/schema/l7-update.schema.json');
const SCHEMA_PATH = existsSync(SHARED_SCHEMA_PATH) ? SHARED_SCHEMA_PATH : LIB_SCHEMA_PATH;
const ajv = new Ajv({ allErrors: true, strict: false });
const validateL7Body = ajv.compile(JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')));

function l7BodyProblems(body: Record<string, unknown>): string[] {
  const problems = validateL7Body(body) ? [] : (validateL7Body.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
  if ('redirect_http_code' in body && ![301, 302, 303, 307, 308].includes(body.redirect_http_code as number))
    problems.push('redirect_http_code not in 301/302/303/307/308');
  return problems;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const isInt = (v: unknown): boolean => Number.isSafeInteger(v);

/** The load balancer PATCH fields of gcore-api.md §3, with their types. */
function lbBodyProblems(body: Record<string, unknown>): string[] {
  const problems: string[] = [];
  for (const [key, value] of Object.entries(body)) {
    switch (key) {
      case 'name':
        if (typeof value !== 'string') problems.push('name must be a string');
        break;
      case 'preferred_connectivity':
        if (value !== 'L2' && value !== 'L3') problems.push('preferred_connectivity must be L2 or L3');
        break;
      case 'logging': {
        if (!isObject(value)) {
          problems.push('logging must be an object');
          break;
        }
        for (const [k, v] of Object.entries(value)) {
          if (k === 'enabled' && typeof v !== 'boolean') problems.push('logging.enabled must be a boolean');
          else if (k === 'topic_name' && v !== null && typeof v !== 'string') problems.push('logging.topic_name must be a string or null');
          else if (k === 'destination_region_id' && v !== null && !isInt(v)) problems.push('logging.destination_region_id must be an int or null');
          else if (k === 'retention_policy' && v !== null && !(isObject(v) && 'period' in v && (v.period === null || isInt(v.period))))
            problems.push('logging.retention_policy must be {period: int|null} or null');
          else if (!['enabled', 'topic_name', 'destination_region_id', 'retention_policy'].includes(k)) problems.push(`logging.${k} is not a documented field`);
        }
        break;
      }
      case 'tags':
        if (value !== null && !(isObject(value) && Object.values(value).every((v) => v === null || typeof v === 'string')))
          problems.push('tags must be {key: string|null} or null');
        break;
      default:
        problems.push(`${key} is not a documented field`);
    }
  }
  return problems;
}

/** Apinizer's `{operationMetadata, policy}` (apinizer-api.md §2.1-2.2). */
function apinizerBodyProblems(body: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const keys = Object.keys(body).sort().join(',');
  if (keys !== 'operationMetadata,policy') problems.push(`top-level keys ${keys}`);
  const meta = body.operationMetadata;
  const policy = body.policy;
  if (!isObject(meta)) return [...problems, 'operationMetadata must be an object'];
  if (meta.targetScope !== 'ALL' && meta.targetScope !== 'ENDPOINT') problems.push('targetScope');
  if (!['REQUEST', 'RESPONSE', 'ERROR'].includes(meta.targetPipeline as string)) problems.push('targetPipeline');
  if (typeof meta.deploy !== 'boolean') problems.push('deploy must be sent explicitly as a boolean');
  if (!Array.isArray(meta.deployTargetEnvironmentNameList) || !meta.deployTargetEnvironmentNameList.every((e) => typeof e === 'string'))
    problems.push('deployTargetEnvironmentNameList');
  if (meta.deploy === true && (meta.deployTargetEnvironmentNameList as unknown[]).length === 0)
    problems.push('deploy true with no environment (undocumented behaviour)');
  if (meta.order !== null && !(isInt(meta.order) && (meta.order as number) >= 1)) problems.push('order must be null or an int >= 1');
  if (meta.targetScope === 'ENDPOINT') {
    if (typeof meta.targetEndpoint !== 'string' || !meta.targetEndpoint) problems.push('ENDPOINT scope needs targetEndpoint');
    if (!['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'TRACE', 'ALL'].includes(meta.targetEndpointHTTPMethod as string))
      problems.push('ENDPOINT scope needs targetEndpointHTTPMethod');
  }
  if (!isObject(policy)) return [...problems, 'policy must be an object'];
  if (typeof policy.type !== 'string' || !policy.type) problems.push('policy.type must be a non-empty string');
  if ('name' in policy) problems.push('policy.name is ignored by Apinizer (the name comes from the path): never sent');
  if (policy.active !== undefined && typeof policy.active !== 'boolean') problems.push('policy.active must be a boolean');
  return problems;
}

/** Values that are sometimes right and often hostile: every field gets some of both. */
const junk = fc.oneof(
  fc.constant(null),
  fc.string({ maxLength: 8 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant({}),
  fc.constant([]),
  fc.constant(Number('9007199254740993')),
);
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.oneof({ weight: 4, arbitrary: arb }, { weight: 1, arbitrary: junk });
const gcoreName = fc.stringMatching(/^[a-zA-Z0-9][a-zA-Z 0-9._-]{1,20}[a-zA-Z0-9._]$/);
const path = fc.webPath().map((p) => (p.startsWith('/') ? p : `/${p}`));

const l7Changes = fc.record(
  {
    action: maybe(fc.constantFrom('REDIRECT_TO_URL', 'REDIRECT_PREFIX', 'REDIRECT_TO_POOL', 'REJECT')),
    name: maybe(gcoreName),
    position: maybe(fc.integer({ min: 1, max: 20 })),
    redirectUrl: maybe(fc.webUrl({ validSchemes: ['http', 'https'] })),
    redirectPrefix: maybe(fc.oneof(path, fc.webUrl({ validSchemes: ['http', 'https'] }))),
    redirectPoolId: maybe(fc.constantFrom(SEED.pool1, SEED.pool2)),
    redirectHttpCode: maybe(fc.constantFrom(301, 302, 303, 307, 308)),
    tags: maybe(fc.array(fc.string({ minLength: 1, maxLength: 10 }), { maxLength: 3 })),
  },
  { requiredKeys: [] },
);

const lbChanges = fc.record(
  {
    name: maybe(gcoreName),
    preferredConnectivity: maybe(fc.constantFrom('L2', 'L3')),
    logging: maybe(
      fc.record(
        {
          enabled: maybe(fc.boolean()),
          topicName: fc.oneof(fc.constant(null), fc.string({ minLength: 1, maxLength: 10 })),
          destinationRegionId: fc.oneof(fc.constant(null), fc.integer({ min: 1, max: 100 })),
          retentionPolicy: fc.oneof(fc.constant(null), fc.record({ period: fc.oneof(fc.constant(null), fc.integer({ min: 1, max: 90 })) })),
        },
        { requiredKeys: [] },
      ),
    ),
    tags: maybe(
      fc.oneof(
        fc.constant(null),
        fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), fc.oneof(fc.constant(null), fc.string({ maxLength: 8 })), { maxKeys: 3 }),
      ),
    ),
  },
  { requiredKeys: [] },
);

const apinizerPolicyPatch = fc.dictionary(
  fc.constantFrom(
    'messageCountForInterval',
    'description',
    'active',
    'ipList',
    'policyCondition',
    'errorMessageList',
    'type',
    'name',
    'maxMessageSize',
    'scriptBody',
    'constructor',
  ),
  fc.jsonValue({ maxDepth: 2 }),
  { maxKeys: 4 },
);
const apinizerChanges = fc.record(
  {
    policy: maybe(apinizerPolicyPatch),
    replacePolicy: maybe(fc.boolean()),
    targetScope: maybe(fc.constantFrom('ALL', 'ENDPOINT')),
    targetEndpoint: maybe(fc.constantFrom('/pets', '/orders', '/nope')),
    targetEndpointHTTPMethod: maybe(fc.constantFrom('GET', 'POST', 'ALL')),
    targetPipeline: maybe(fc.constantFrom('REQUEST', 'RESPONSE', 'ERROR')),
    order: maybe(fc.integer({ min: 1, max: 5 })),
    deploy: maybe(fc.boolean()),
    deployTargetEnvironmentNameList: maybe(fc.subarray(['dev', 'prod'])),
  },
  { requiredKeys: [] },
);

const update = fc.oneof(
  fc.record({ target: fc.integer({ min: 1, max: 4 }).map(l7Target), changes: l7Changes }),
  fc.record({ target: fc.constantFrom(SEED.lbWeb, SEED.lbApi).map((id) => lbTarget(id)), changes: lbChanges }),
  fc.record({ target: fc.constantFrom('rate-limit', 'ip-blacklist', 'max-size', 'pets-script').map((n) => apinizerTarget(n)), changes: apinizerChanges }),
);
/** Every List Policies form the reference documents: full items in either envelope, named summaries, nameless summaries (strict's default). */
const listMode = fc.constantFrom('auto', 'summary-nameless', 'summary', 'status', 'success');

/** The provider-shape problems of one planned or sent call. */
function callProblems(call: { method: string; path: string; body: unknown }): string[] {
  const body = call.body as Record<string, unknown>;
  if (call.path.startsWith('/cloud/v1/l7policies/')) return call.method === 'PATCH' ? l7BodyProblems(body) : [];
  if (call.path.startsWith('/cloud/v1/loadbalancers/')) return call.method === 'PATCH' ? lbBodyProblems(body) : [];
  if (call.path.startsWith('/apiops/') && call.method === 'PUT') return apinizerBodyProblems(body);
  return [];
}

function describeCase(body: unknown): string {
  return JSON.stringify(body).slice(0, 600);
}

describe('the L7 schema the gateway validates with', () => {
  it('is the published one from ../shared/reference', () => {
    if (!existsSync(SHARED_SCHEMA_PATH)) return; // a checkout without ../shared has only the copy
    expect(JSON.parse(readFileSync(LIB_SCHEMA_PATH, 'utf8'))).toEqual(JSON.parse(readFileSync(SHARED_SCHEMA_PATH, 'utf8')));
  });
});

describe('provider bodies (property): every accepted change yields documented provider bodies, no input yields a 5xx', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ env: { RATE_LIMIT_PER_MINUTE: '100000000' } });
  });
  afterAll(async () => {
    await h.close();
  });

  it('dry runs: 200 with plans whose bodies validate, or a 4xx problem naming fields', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(update, { minLength: 1, maxLength: 3 }), listMode, async (updates, mode) => {
        await sandboxControl(h, 'PATCH', '/__sandbox/config', { apinizerListMode: mode });
        const body = { updates, dryRun: true };
        const res = await h.http.post('/v1/routing-policy-updates').set(auth()).send(body);
        if (res.status >= 500) throw new Error(`${res.status} for ${describeCase(body)}: ${res.text.slice(0, 300)}`);
        if (res.status >= 400) {
          expect(res.headers['content-type']).toContain('application/problem+json');
          expect(Array.isArray(res.body.errors) && res.body.errors.length > 0).toBe(true);
          return;
        }
        expect(res.status).toBe(200);
        for (const result of res.body.results) {
          expect(result.error?.code).not.toBe('INTERNAL_ERROR');
          for (const call of result.plan ?? []) {
            const problems = callProblems(call);
            if (problems.length)
              throw new Error(`planned ${call.method} ${call.path} breaks the provider's shape (${problems.join('; ')}) for ${describeCase(body)}`);
          }
          const changes = updates[result.index].changes as Record<string, unknown>;
          if (result.target.provider === 'apinizer' && result.plan?.length) {
            // a replacement is sent as requested (identity aside); anything else was merged into a full base, never a summary
            if (changes.replacePolicy === true) {
              const { name: _name, id: _id, ...sent } = changes.policy as Record<string, unknown>;
              expect(result.plan[0].body.policy).toEqual(sent);
              expect(result.apinizer.mergedFrom).toBe('request');
            } else {
              expect(['provider', 'last-applied']).toContain(result.apinizer.mergedFrom);
            }
          }
        }
      }),
      { numRuns: 200 },
    );
  });

  it('real updates: every body that reaches the providers validates, and no target ends in an internal error', async () => {
    await fc.assert(
      fc.asyncProperty(update, listMode, async (one, mode) => {
        await sandboxControl(h, 'POST', '/__sandbox/reset');
        await sandboxControl(h, 'PATCH', '/__sandbox/config', { apinizerListMode: mode });
        const body = { updates: [one] };
        const res = await h.http.post('/v1/routing-policy-updates').set(auth()).send(body);
        if (res.status >= 500) throw new Error(`${res.status} for ${describeCase(body)}: ${res.text.slice(0, 300)}`);
        if (res.status !== 202) {
          expect(res.headers['content-type']).toContain('application/problem+json');
          return;
        }
        const operation = await waitForOperation(h, res.body.id);
        for (const result of operation.results) expect(result.error?.code).not.toBe('INTERNAL_ERROR');
        const { log } = (await sandboxControl(h, 'GET', '/__sandbox/requests')) as { log: { method: string; path: string; body?: unknown }[] };
        for (const call of log.filter((c) => c.method === 'PATCH' || c.method === 'PUT')) {
          const problems = callProblems({ ...call, body: call.body });
          if (problems.length)
            throw new Error(`sent ${call.method} ${call.path} breaks the provider's shape (${problems.join('; ')}) for ${describeCase(body)}`);
        }
      }),
      { numRuns: 40 },
    );
  });
});
