import { ProblemException } from '@rpg/common';
import { RolloutBatchingSpec, resolveRolloutBatches, rolloutCoverage, validateRollout } from './rollout-plan';
import { validateUpdateRequest } from './update-request.validator';

const update = (i: number) => ({
  target: { provider: 'gcore', kind: 'l7policy', projectId: 1, regionId: 76, id: `d1b2c3d4-0000-4000-8000-${String(i).padStart(12, '0')}` },
  changes: { name: `policy-${i}-name` },
});
const request = (count: number, rollout?: unknown) => ({
  updates: Array.from({ length: count }, (_, i) => update(i)),
  ...(rollout !== undefined && { rollout }),
});

function errorsOf(body: unknown): { path: string; message: string }[] {
  try {
    validateUpdateRequest(body);
    return [];
  } catch (error) {
    if (!(error instanceof ProblemException)) throw error;
    expect(error.getStatus()).toBe(400);
    return error.errors ?? [];
  }
}

describe('resolveRolloutBatches', () => {
  it.each<[string, RolloutBatchingSpec, number, number[][]]>([
    ['neither: one batch of every target', {}, 4, [[0, 1, 2, 3]]],
    ['neither, one target', {}, 1, [[0]]],
    ['batches that add up exactly', { batches: [1, 3] }, 4, [[0], [1, 2, 3]]],
    ['a canary, then the rest', { batches: [1, 'rest'] }, 4, [[0], [1, 2, 3]]],
    ['the example [1, 3, "rest"]', { batches: [1, 3, 'rest'] }, 6, [[0], [1, 2, 3], [4, 5]]],
    ['"rest" alone: one batch', { batches: ['rest'] }, 3, [[0, 1, 2]]],
    ['"rest" when nothing remains is dropped', { batches: [2, 'rest'] }, 2, [[0, 1]]],
    ['a size beyond the targets left is cut', { batches: [1, 5] }, 3, [[0], [1, 2]]],
    ['a first size beyond the count: one batch', { batches: [10] }, 3, [[0, 1, 2]]],
    ['integers after the count is reached are dropped', { batches: [1, 1, 1, 1, 1] }, 3, [[0], [1], [2]]],
    [
      'cut, then "rest" dropped',
      { batches: [2, 9, 'rest'] },
      4,
      [
        [0, 1],
        [2, 3],
      ],
    ],
    [
      'batchSize dividing the count',
      { batchSize: 2 },
      4,
      [
        [0, 1],
        [2, 3],
      ],
    ],
    ['batchSize with a shorter last batch', { batchSize: 2 }, 5, [[0, 1], [2, 3], [4]]],
    ['batchSize 1: one target each', { batchSize: 1 }, 3, [[0], [1], [2]]],
    ['batchSize beyond the count: one batch', { batchSize: 50 }, 3, [[0, 1, 2]]],
  ])('%s', (_name, spec, count, expected) => {
    expect(resolveRolloutBatches(spec, count)).toEqual(expected);
  });

  it('leaves out what integers without "rest" do not reach (the validator refuses that)', () => {
    const batches = resolveRolloutBatches({ batches: [1, 2] }, 5);
    expect(batches).toEqual([[0], [1, 2]]);
    expect(rolloutCoverage(batches)).toBe(3);
  });

  it('resolves nothing for no targets', () => {
    expect(resolveRolloutBatches({}, 0)).toEqual([]);
    expect(resolveRolloutBatches({ batches: ['rest'] }, 0)).toEqual([]);
    expect(resolveRolloutBatches({ batchSize: 3 }, 0)).toEqual([]);
  });

  it('puts every target in exactly one batch, consecutive and in request order, for any covering spec', () => {
    const specs: RolloutBatchingSpec[] = [{}, { batches: ['rest'] }];
    for (let size = 1; size <= 7; size++) specs.push({ batchSize: size }, { batches: [size, 'rest'] }, { batches: [size, size, size, size, size, size, size] });
    for (const spec of specs) {
      for (let count = 1; count <= 7; count++) {
        const batches = resolveRolloutBatches(spec, count);
        expect(batches.flat()).toEqual(Array.from({ length: count }, (_, i) => i));
        expect(batches.every((b) => b.length > 0)).toBe(true);
      }
    }
  });

  it('does not change its input', () => {
    const spec = Object.freeze({ batches: Object.freeze([1, 'rest'] as const) });
    expect(resolveRolloutBatches(spec, 3)).toEqual([[0], [1, 2]]);
  });
});

describe('validateUpdateRequest: rollout resolved', () => {
  it('has no rollout when the body has none', () => {
    const validated = validateUpdateRequest(request(3));
    expect(validated).not.toHaveProperty('rollout');
  });

  it('resolves the example with its defaults filled', () => {
    expect(validateUpdateRequest(request(6, { batches: [1, 3, 'rest'], pauseSeconds: 60, onFailure: 'halt' })).rollout).toEqual({
      batches: [[0], [1, 2, 3], [4, 5]],
      pauseSeconds: 60,
      onFailure: 'halt',
    });
  });

  it('an empty rollout: one batch of every target, no pause, continue', () => {
    expect(validateUpdateRequest(request(3, {})).rollout).toEqual({ batches: [[0, 1, 2]], pauseSeconds: 0, onFailure: 'continue' });
  });

  it.each([
    [{ batchSize: 2 }, [[0, 1], [2, 3], [4]]],
    [
      { batches: [2, 10] },
      [
        [0, 1],
        [2, 3, 4],
      ],
    ],
    [{ batches: [5, 'rest'] }, [[0, 1, 2, 3, 4]]],
    [{ batches: [1, 1, 1, 1, 1, 1, 1] }, [[0], [1], [2], [3], [4]]],
    [{ pauseSeconds: 0 }, [[0, 1, 2, 3, 4]]],
  ])('%j → %j', (rollout, batches) => {
    expect(validateUpdateRequest(request(5, rollout)).rollout?.batches).toEqual(batches);
  });

  it.each(['continue', 'halt', 'revert'])('accepts onFailure %s', (onFailure) => {
    expect(validateUpdateRequest(request(2, { onFailure })).rollout?.onFailure).toBe(onFailure);
  });

  it.each([0, 1, 3600])('accepts pauseSeconds %i', (pauseSeconds) => {
    expect(validateUpdateRequest(request(2, { pauseSeconds })).rollout?.pauseSeconds).toBe(pauseSeconds);
  });

  it('accepts 50 batch sizes and batchSize 50', () => {
    expect(validateUpdateRequest(request(50, { batches: Array(50).fill(1) })).rollout?.batches).toHaveLength(50);
    expect(validateUpdateRequest(request(50, { batchSize: 50 })).rollout?.batches).toEqual([Array.from({ length: 50 }, (_, i) => i)]);
  });

  it('keeps the rest of the request as it was', () => {
    const validated = validateUpdateRequest({ ...request(2, { batchSize: 1 }), dryRun: true, reference: 'r-1' });
    expect(validated).toMatchObject({ dryRun: true, reference: 'r-1', rollout: { batches: [[0], [1]] } });
    expect(validated.updates).toHaveLength(2);
  });
});

describe('validateUpdateRequest: a bad rollout is a 400 naming the field', () => {
  it.each([
    ['null', null, 'must not be null'],
    ['an array', [1, 'rest'], 'must be an object'],
    ['a string', 'halt', 'must be an object'],
    ['a number', 2, 'must be an object'],
    ['true', true, 'must be an object'],
  ])('rollout %s → rollout: %s', (_what, rollout, message) => {
    expect(errorsOf(request(2, rollout))).toEqual([{ path: 'rollout', message }]);
  });

  it('refuses unknown keys inside it, each by name', () => {
    expect(errorsOf(request(2, { batchSize: 1, pause: 5, 'odd key': 1 }))).toEqual([
      { path: 'rollout.pause', message: 'is not allowed' },
      { path: 'rollout["odd key"]', message: 'is not allowed' },
    ]);
  });

  it('refuses batches and batchSize together at rollout', () => {
    expect(errorsOf(request(4, { batches: [1, 'rest'], batchSize: 2 }))).toEqual([{ path: 'rollout', message: expect.stringMatching(/not both/) }]);
  });

  it.each([
    ['batches', { batches: null }, 'rollout.batches', 'must not be null'],
    ['batches', { batches: 'rest' }, 'rollout.batches', expect.stringMatching(/array/)],
    ['batches', { batches: {} }, 'rollout.batches', expect.stringMatching(/array/)],
    ['batches', { batches: [] }, 'rollout.batches', 'must hold 1 to 50 batch sizes'],
    ['batches', { batches: Array(51).fill(1) }, 'rollout.batches', 'must hold 1 to 50 batch sizes'],
    ['batchSize', { batchSize: null }, 'rollout.batchSize', 'must not be null'],
    ['batchSize', { batchSize: 0 }, 'rollout.batchSize', expect.stringMatching(/less than 1/)],
    ['batchSize', { batchSize: 51 }, 'rollout.batchSize', expect.stringMatching(/greater than 50/)],
    ['batchSize', { batchSize: 1.5 }, 'rollout.batchSize', expect.stringMatching(/integer/)],
    ['batchSize', { batchSize: '2' }, 'rollout.batchSize', expect.stringMatching(/integer/)],
    ['pauseSeconds', { pauseSeconds: null }, 'rollout.pauseSeconds', 'must not be null'],
    ['pauseSeconds', { pauseSeconds: -1 }, 'rollout.pauseSeconds', expect.stringMatching(/less than 0/)],
    ['pauseSeconds', { pauseSeconds: 3601 }, 'rollout.pauseSeconds', expect.stringMatching(/greater than 3600/)],
    ['pauseSeconds', { pauseSeconds: 0.5 }, 'rollout.pauseSeconds', expect.stringMatching(/integer/)],
    ['pauseSeconds', { pauseSeconds: '60' }, 'rollout.pauseSeconds', expect.stringMatching(/integer/)],
    ['onFailure', { onFailure: null }, 'rollout.onFailure', 'must not be null'],
    ['onFailure', { onFailure: 'stop' }, 'rollout.onFailure', expect.stringMatching(/continue, halt, revert/)],
    ['onFailure', { onFailure: 'HALT' }, 'rollout.onFailure', expect.stringMatching(/continue, halt, revert/)],
  ])('%s: %j → %s', (_field, rollout, path, message) => {
    const errors = errorsOf(request(3, rollout));
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.every((e) => e.path === path)).toBe(true);
    expect(errors).toContainEqual({ path, message });
  });

  it.each([
    [[0], 0],
    [[-1, 'rest'], 0],
    [[1.5, 'rest'], 0],
    [[1, '2', 'rest'], 1],
    [[1, 'REST'], 1],
    [[1, null, 'rest'], 1],
    [[1, [2], 'rest'], 1],
    [[1, { n: 2 }, 'rest'], 1],
    [[1, true], 1],
  ])('batches %j → rollout.batches[%i] must be an integer ≥ 1 or "rest"', (batches, index) => {
    expect(errorsOf(request(3, { batches }))).toEqual([{ path: `rollout.batches[${index}]`, message: 'must be an integer ≥ 1 or "rest"' }]);
  });

  it('refuses "rest" anywhere but last', () => {
    expect(errorsOf(request(4, { batches: ['rest', 1] }))).toEqual([{ path: 'rollout.batches[0]', message: '"rest" is only allowed as the last item' }]);
    expect(errorsOf(request(4, { batches: [1, 'rest', 'rest'] }))).toEqual([
      { path: 'rollout.batches[1]', message: '"rest" is only allowed as the last item' },
    ]);
  });

  it('names every bad item', () => {
    expect(errorsOf(request(4, { batches: [0, 'rest', 'x', 2] })).map((e) => e.path)).toEqual([
      'rollout.batches[0]',
      'rollout.batches[1]',
      'rollout.batches[2]',
    ]);
  });

  it('refuses integers that do not cover every update without "rest"', () => {
    expect(errorsOf(request(5, { batches: [1, 2] }))).toEqual([
      { path: 'rollout.batches', message: expect.stringMatching(/^covers 3 of 5 updates: .*"rest"/) },
    ]);
    expect(errorsOf(request(2, { batches: [1] }))).toEqual([{ path: 'rollout.batches', message: expect.stringMatching(/^covers 1 of 2 updates/) }]);
  });

  it('reports every field error at once, with the update errors', () => {
    const body = { updates: [update(0), { target: update(1).target, changes: {} }], rollout: { batchSize: 0, pauseSeconds: 9999, onFailure: 'x', extra: 1 } };
    expect(
      errorsOf(body)
        .map((e) => e.path)
        .sort(),
    ).toEqual(['rollout.batchSize', 'rollout.extra', 'rollout.onFailure', 'rollout.pauseSeconds', 'updates[1].changes'].sort());
  });

  it('checks the rollout fields even when updates is invalid (no coverage check without a count)', () => {
    expect(errorsOf({ updates: [], rollout: { batches: [1], pauseSeconds: -1 } }).map((e) => e.path)).toEqual(['updates', 'rollout.pauseSeconds']);
    expect(errorsOf({ updates: 'x', rollout: { batches: [1] } }).map((e) => e.path)).toEqual(['updates']);
  });
});

describe('validateRollout', () => {
  it('returns the plan, or the errors at the path it is given', () => {
    expect(validateRollout({ batchSize: 2, onFailure: 'revert' }, 3)).toEqual({
      plan: { batches: [[0, 1], [2]], pauseSeconds: 0, onFailure: 'revert' },
      errors: [],
    });
    expect(validateRollout({ batchSize: 0 }, 3, 'body.rollout').errors.map((e) => e.path)).toEqual(['body.rollout.batchSize']);
  });

  it('checks the fields alone without a count (no plan)', () => {
    expect(validateRollout({ batches: [1] }, undefined)).toEqual({ errors: [] });
    expect(validateRollout({ batches: ['rest', 1] }, undefined).errors.map((e) => e.path)).toEqual(['rollout.batches[0]']);
  });

  it('refuses keys that shadow Object.prototype members as unknown, without crashing', () => {
    expect(validateRollout({ toString: 1, hasOwnProperty: 2 }, 2).errors).toEqual([
      { path: 'rollout.toString', message: 'is not allowed' },
      { path: 'rollout.hasOwnProperty', message: 'is not allowed' },
    ]);
  });
});
