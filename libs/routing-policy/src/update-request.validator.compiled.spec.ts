/**
 * Differential test: every DTO validateUpdateRequest (and validateRollout) validates, compiled (compileDto) against
 * class-validator's reading (validateDtoByClassValidator), on near-valid bodies (valid examples mutated: wrong types, nulls,
 * missing fields, unknown and prototype keys, unsafe and non-finite numbers, lone surrogates, over-long strings, arrays
 * for objects, nested garbage) and on random JSON. Both must give the same errors (paths, messages, order).
 */
import fc from 'fast-check';
import { ProblemException, checkJsonBody, compileDto, validateDtoByClassValidator } from '@rpg/common';
import { ClassConstructor } from 'class-transformer';
import {
  APINIZER_ENDPOINT_HTTP_METHODS,
  APINIZER_TARGET_PIPELINES,
  APINIZER_TARGET_SCOPES,
  ApinizerPolicyChangesDto,
  ApinizerPolicyTargetDto,
  GcoreL7PolicyChangesDto,
  GcoreL7PolicyTargetDto,
  GcoreLoadBalancerChangesDto,
  GcoreLoadBalancerTargetDto,
  L7_ACTIONS,
  LoadBalancerLoggingDto,
  REDIRECT_HTTP_CODES,
  RetentionPolicyDto,
  RolloutDto,
  RoutingPolicyUpdateRequestDto,
} from './dtos';
import { ROLLOUT_FAILURE_MODES } from './model';
import { validateUpdateRequest } from './update-request.validator';

const RUNS = 2000;
const l7 = { provider: 'gcore', kind: 'l7policy', projectId: 1, regionId: 76, id: 'd1b2c3d4-0000-4000-8000-000000000001' };
const lb = { ...l7, kind: 'loadbalancer' };
const apinizer = { provider: 'apinizer', kind: 'policy', projectName: 'demo', apiProxyName: 'petstore', policyName: 'rate-limit' };
const logging = { enabled: true, topicName: 'lb-logs', destinationRegionId: 76, retentionPolicy: { period: 7 } };
const rollout = { batches: [1, 3, 'rest'], pauseSeconds: 60, onFailure: 'halt' };

/** Valid examples of each class (the docs' examples, test/support/targets.ts, and one per optional field). */
const CLASSES: [ClassConstructor<object>, object[]][] = [
  [GcoreL7PolicyTargetDto, [l7]],
  [GcoreLoadBalancerTargetDto, [lb]],
  [ApinizerPolicyTargetDto, [apinizer]],
  [
    GcoreL7PolicyChangesDto,
    [
      { name: 'redirect-to-new-site' },
      { action: 'REDIRECT_TO_URL', redirectUrl: 'https://www.example.com/new', redirectHttpCode: 301 },
      { action: 'REDIRECT_PREFIX', redirectPrefix: '/api/v1/policies', redirectHttpCode: 308 },
      { action: 'REDIRECT_TO_POOL', redirectPoolId: 'b1b2c3d4-0000-4000-8000-000000000001', position: 2, tags: ['web', 'blue'] },
    ],
  ],
  [
    GcoreLoadBalancerChangesDto,
    [
      { name: 'web-lb', tags: { team: 'platform', obsolete: null } },
      { preferredConnectivity: 'L3', logging },
      { tags: null, logging: { topicName: null, destinationRegionId: null, retentionPolicy: null } },
      { logging: { retentionPolicy: { period: null } } },
    ],
  ],
  [LoadBalancerLoggingDto, [logging]],
  [RetentionPolicyDto, [{ period: 7 }]],
  [
    ApinizerPolicyChangesDto,
    [
      { policy: { messageCountForInterval: 200 } },
      { targetScope: 'ENDPOINT', targetEndpoint: '/pets', targetEndpointHTTPMethod: 'GET', targetPipeline: 'REQUEST', order: 1 },
      { deploy: true, deployTargetEnvironmentNameList: ['dev'], replacePolicy: true, policy: { type: 'policy-x', nested: { a: null } } },
    ],
  ],
  [
    RoutingPolicyUpdateRequestDto,
    [
      { updates: [{ target: l7, changes: { name: 'redirect-to-new-site' } }], dryRun: true, reference: 'change-1234' },
      { updates: [{ target: apinizer, changes: { order: 1 } }], callbackUrl: 'https://hooks.example.com/rpg', rollout },
    ],
  ],
  [RolloutDto, [rollout, { batchSize: 5, pauseSeconds: 0, onFailure: 'revert' }]],
];

/** An object with own data properties only (`__proto__` included, as JSON.parse makes it). */
function record(entries: [string, unknown][]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of entries) Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  return out;
}
function clone(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(clone);
  if (value !== null && typeof value === 'object') return record(Object.entries(value).map(([k, v]) => [k, clone(v)]));
  return value;
}
const leaves = (value: unknown): unknown[] => (value !== null && typeof value === 'object' ? [value, ...Object.values(value).flatMap(leaves)] : [value]);

const FIELD_NAMES = [...new Set(CLASSES.flatMap(([, examples]) => examples.flatMap((e) => Object.keys(e))))];
const ODD_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', '__defineGetter__', 'then', 'property', 'target'];
const KEYS = [...FIELD_NAMES, ...ODD_KEYS, '0', '7', '[0]', 'a.b', 'a b', '', '\ud800', 'k\udfff', '$value', 'name ', 'Name', 'period', 'enabled', 'updates'];
const STRINGS = [
  ...[...L7_ACTIONS, ...APINIZER_TARGET_SCOPES, ...APINIZER_TARGET_PIPELINES, ...APINIZER_ENDPOINT_HTTP_METHODS, ...ROLLOUT_FAILURE_MODES],
  ...['gcore', 'apinizer', 'l7policy', 'loadbalancer', 'policy', 'L2', 'L3', 'l3', 'rest', 'REST', 'reject', '301', 'true', 'null', '1', '-1', '1.5'],
  ...['', ' ', 'a', 'ab', 'abc', ' abc', 'abc ', 'a\tb', '.', '..', 'a/b', 'a%2f', 'a\\b', 'a\u0000b', 'a\u007f', '\ud800', 'ab\udfffc', '😀', 'é'],
  ...['x'.repeat(63), 'x'.repeat(64), 'x'.repeat(200), 'x'.repeat(201), 'x'.repeat(255), 'x'.repeat(256), 'x'.repeat(1025), '/'.repeat(2049)],
  ...['d1b2c3d4-0000-4000-8000-000000000001', 'D1B2C3D4-0000-4000-8000-00000000000A', '00000000-0000-0000-0000-000000000000', 'd1b2c3d4-0000-4000-8000'],
  ...['https://www.example.com/new', 'http://localhost:8080/x', 'https://h', 'http://10.0.0.1/a?b=c#d', 'ftp://example.com', '//evil.example'],
  ...['example.com', 'https://exa mple.com', 'javascript:alert(1)', 'http://[::1]/', 'https://user:pw@example.com/', `https://e.com/${'p'.repeat(2040)}`],
  ...['/api/v1/policies', '/', '//x', '/\\x', '/a b', '/ü', 'op_01JD8X3Q4M5N6P7R8S9T0V1W2X'],
];
const NUMBERS = [...REDIRECT_HTTP_CODES, 0, -0, 1, -1, 1.5, 2, 3, 5, 7, 49, 50, 51, 76, 100, 101, 255, 300, 304, 3600, 3601, 2147483647, 2147483648];
const EDGE_NUMBERS = [-2147483648, Number.MAX_SAFE_INTEGER, 2 ** 53, 2 ** 53 + 2, -(2 ** 60), 1e21, 1e-7, 0.1, Infinity, -Infinity];
const OTHERS = [null, true, false, [], {}, [null], ['a'], [1], [[]], [{}], ['dev', ''], [1, 'rest'], ['rest', 1], [0], [1.5], ['\ud800']];
const BIG = [Array.from({ length: 101 }, (_, i) => `t${i}`), Array.from({ length: 51 }, () => 'env'), Array.from({ length: 51 }, () => 1)];
const EXAMPLE_VALUES = CLASSES.flatMap(([, examples]) => examples.flatMap(leaves));
const POOL = [...STRINGS, ...NUMBERS, ...EDGE_NUMBERS, ...OTHERS, ...BIG, ...EXAMPLE_VALUES];

const keyArb = fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...KEYS) }, { weight: 1, arbitrary: fc.string({ maxLength: 6 }) });
const utf16 = fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 8 });
const poolArb = fc.constantFrom(...POOL).map(clone);
const leafArb = fc.oneof(poolArb, utf16, fc.integer(), fc.double(), fc.boolean(), fc.constant(null));
/** Nested garbage: objects and arrays of pool values, with odd keys. */
const garbageArb = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leafArb,
    fc.array(fc.tuple(keyArb, tie('value')), { maxLength: 4 }).map(record),
    fc.array(tie('value'), { maxLength: 4 }),
  ),
})).value;
const valueArb = fc.oneof({ weight: 6, arbitrary: poolArb }, { weight: 2, arbitrary: garbageArb }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) });

interface Mutation {
  at: number;
  action: 'set' | 'replace' | 'delete' | 'add';
  pick: number;
  key: string;
  value: unknown;
}
const mutationArb: fc.Arbitrary<Mutation> = fc.record({
  at: fc.nat(),
  action: fc.constantFrom<Mutation['action']>('set', 'replace', 'delete', 'add'),
  pick: fc.nat(),
  key: keyArb,
  value: valueArb,
});

/** Every object and array of the tree, root first. */
const holdsKey = (v: unknown, key: string): boolean =>
  v !== null && typeof v === 'object' && (Object.hasOwn(v, key) || Object.values(v).some((child) => holdsKey(child, key)));

function containers(value: unknown): (Record<string, unknown> | unknown[])[] {
  if (value === null || typeof value !== 'object') return [];
  return [value as Record<string, unknown>, ...Object.values(value).flatMap(containers)];
}

function mutate(example: object, mutations: Mutation[]): unknown {
  const root = clone(example);
  for (const m of mutations) {
    const all = containers(root);
    if (!all.length) break;
    const node = all[m.at % all.length];
    if (Array.isArray(node)) {
      if (m.action === 'delete') node.splice(m.pick % (node.length || 1), 1);
      else if (m.action === 'add') node.push(clone(m.value));
      else node[m.pick % (node.length || 1)] = clone(m.value);
      continue;
    }
    const keys = Object.keys(node);
    const existing = keys.length ? keys[m.pick % keys.length] : m.key;
    if (m.action === 'delete') delete node[existing];
    else Object.defineProperty(node, m.action === 'add' ? m.key : existing, { value: clone(m.value), enumerable: true, writable: true, configurable: true });
  }
  return root;
}

function bodiesOf(examples: object[], fieldNames: string[]): fc.Arbitrary<unknown> {
  const nearValid = fc.tuple(fc.constantFrom(...examples), fc.array(mutationArb, { minLength: 0, maxLength: 4 })).map(([e, ms]) => mutate(e, ms));
  const fieldsArb = fc.constantFrom(...fieldNames, ...KEYS);
  const randomRecord = fc.array(fc.tuple(fieldsArb, valueArb), { maxLength: 6 }).map(record);
  return fc.oneof(
    { weight: 6, arbitrary: nearValid },
    { weight: 2, arbitrary: randomRecord },
    { weight: 1, arbitrary: fc.jsonValue() },
    { weight: 1, arbitrary: garbageArb },
  );
}

const prefixArb = fc.constantFrom('', 'updates[3].changes', 'rollout', 'x');

describe.each(CLASSES)('compileDto(%p) agrees with class-validator', (cls, examples) => {
  const compiled = compileDto(cls);
  const fieldNames = [...new Set(examples.flatMap((e) => Object.keys(e)))];

  it('on every valid example', () => {
    for (const example of examples) {
      expect(validateDtoByClassValidator(cls, clone(example), 'x').errors).toEqual([]);
      expect(compiled(clone(example), 'x')).toEqual({ value: example, errors: [] });
    }
  });

  it(`on ${RUNS} near-valid and random bodies`, () => {
    const seen = { accepted: 0, refused: 0, classValidatorThrew: 0 };
    fc.assert(
      fc.property(bodiesOf(examples, fieldNames), prefixArb, (body, prefix) => {
        let expected: { value?: object; errors: unknown[] };
        try {
          expected = validateDtoByClassValidator(cls, body, prefix);
        } catch (error) {
          // class-transformer calls `new value.constructor()` on an object with a truthy `constructor` key and no @Type:
          // no body reaches a DTO that way, checkJsonBody refuses the key (or the body around it) first
          expect(error).toBeInstanceOf(TypeError);
          expect(holdsKey(body, 'constructor')).toBe(true);
          expect(checkJsonBody(body)).not.toEqual([]);
          expect(() => compiled(body, prefix)).not.toThrow();
          seen.classValidatorThrew++;
          return;
        }
        const actual = compiled(body, prefix);
        expect(actual.errors).toEqual(expected.errors);
        expect(actual.value === undefined).toBe(expected.value === undefined);
        if (actual.value !== undefined) expect(actual.value).toBe(body);
        seen[actual.errors.length ? 'refused' : 'accepted']++;
      }),
      { numRuns: RUNS },
    );
    // the generator reaches both sides of every class
    expect(seen.accepted).toBeGreaterThan(RUNS / 50);
    expect(seen.refused).toBeGreaterThan(RUNS / 4);
  });
});

describe('validateUpdateRequest (compiled DTOs) agrees with the same code on class-validator', () => {
  // the module again, its DTO validation swapped for class-validator's reading (the only change this spec looks at)
  let classic: typeof validateUpdateRequest;
  jest.isolateModules(() => {
    jest.doMock('@rpg/common', () => {
      const actual = jest.requireActual<typeof import('@rpg/common')>('@rpg/common');
      return {
        ...actual,
        validateDto: actual.validateDtoByClassValidator,
        compileDto: (c: ClassConstructor<object>) => (value: unknown, prefix: string) => actual.validateDtoByClassValidator(c, value, prefix),
      };
    });
    classic = (jest.requireActual<typeof import('./update-request.validator')>('./update-request.validator') as { validateUpdateRequest: typeof classic })
      .validateUpdateRequest;
  });

  const answer = (validate: typeof validateUpdateRequest, body: unknown) => {
    try {
      return { request: validate(body) };
    } catch (error) {
      if (error instanceof Error && 'slug' in error)
        return { problem: { status: (error as ProblemException).getStatus(), errors: (error as ProblemException).errors } };
      throw error;
    }
  };
  /** Keys class-transformer leaves out of its copy; the cross-field checks read the copy in class-validator's reading. */
  const DROPPED = new Set(['__proto__', 'constructor', ...Object.getOwnPropertyNames(Object.prototype)]);
  const holdsDroppedKey = (v: unknown): boolean =>
    v !== null && typeof v === 'object' && (Object.keys(v).some((k) => DROPPED.has(k)) || Object.values(v).some(holdsDroppedKey));

  it(`on ${RUNS} request bodies`, () => {
    const updateExamples = CLASSES.find(([c]) => c === RoutingPolicyUpdateRequestDto)![1];
    const bodies = fc.oneof(
      bodiesOf(updateExamples, ['updates', 'dryRun', 'callbackUrl', 'reference', 'rollout']),
      fc
        .tuple(
          fc.constantFrom<[object, object]>([l7, { name: 'abc' }], [lb, { tags: { a: 'b' } }], [apinizer, { policy: {} }]),
          fc.array(mutationArb, { maxLength: 4 }),
        )
        .map(([[target, changes], ms]) => mutate({ updates: [{ target, changes }] }, ms)),
    );
    fc.assert(
      fc.property(bodies, (body) => {
        // the cross-field checks now read the body itself, not a copy without these keys (see the next test)
        fc.pre(!holdsDroppedKey(body));
        expect(answer(validateUpdateRequest, body)).toEqual(answer(classic, body));
      }),
      { numRuns: RUNS },
    );
  });

  it("cross-field checks read the body that is forwarded, where class-validator's copy hid Object.prototype-named keys", () => {
    const tags = { updates: [{ target: lb, changes: JSON.parse('{"tags":{"toString":5}}') as object }] };
    const policy = { updates: [{ target: apinizer, changes: { policy: JSON.parse(`{"type":"x","valueOf":"${'y'.repeat(513 * 1024)}"}`) as object } }] };
    expect(answer(validateUpdateRequest, tags)).toEqual({
      problem: {
        status: 400,
        errors: [{ path: 'updates[0].changes.tags.toString', message: 'must be a string of at most 255 characters, or null to delete the tag' }],
      },
    });
    expect(answer(validateUpdateRequest, policy)).toEqual({
      problem: { status: 400, errors: [{ path: 'updates[0].changes.policy', message: 'must be at most 512 KiB' }] },
    });
    // before: accepted, and the body went on as it was (a tag valued 5, a policy over 512 KiB)
    expect(answer(classic, tags)).toEqual({ request: expect.objectContaining({ updates: tags.updates }) });
    expect(answer(classic, policy)).toEqual({ request: expect.objectContaining({ updates: policy.updates }) });
  });
});
