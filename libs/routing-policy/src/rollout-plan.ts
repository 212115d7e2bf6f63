import { FieldError, jsonPath, validateDto } from '@rpg/common';
import { ROLLOUT_REST, RolloutBatchSpec, RolloutDto } from './dtos';
import { RolloutPlan } from './model';

const ROLLOUT_KEYS: ReadonlySet<string> = new Set(['batches', 'batchSize', 'pauseSeconds', 'onFailure']);

/** How a rollout sizes its batches (as validated: `batches` or `batchSize`, or neither). */
export interface RolloutBatchingSpec {
  batches?: readonly RolloutBatchSpec[];
  batchSize?: number;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Consecutive slices of the indexes 0..count-1, `sizes` long each (cut at count; empty slices dropped). */
function slices(sizes: Iterable<number>, count: number): number[][] {
  const batches: number[][] = [];
  let next = 0;
  for (const size of sizes) {
    if (next >= count) break;
    const end = Math.min(count, next + size);
    if (end > next) batches.push(Array.from({ length: end - next }, (_, i) => next + i));
    next = end;
  }
  return batches;
}

/**
 * The batches of a valid rollout spec as target indexes: consecutive slices of 0..count-1 in request order.
 * `batches`: each integer takes that many targets, `"rest"` takes every target left; a size beyond the targets left is cut
 * to them and a batch left empty is dropped. `batchSize: N`: slices of N (the last one what is left). Neither: one batch
 * of every target. Pure and total: targets the integers do not reach (no `"rest"`) are in no batch, which
 * validateRollout refuses (see {@link rolloutCoverage}).
 */
export function resolveRolloutBatches(spec: RolloutBatchingSpec, count: number): number[][] {
  if (count <= 0) return [];
  if (spec.batches)
    return slices(
      spec.batches.map((b) => (b === ROLLOUT_REST ? count : b)),
      count,
    );
  const size = spec.batchSize ?? count;
  return slices(
    Array.from({ length: Math.ceil(count / size) }, () => size),
    count,
  );
}

/** How many targets the batches hold (every target of the request when it equals the number of updates). */
export function rolloutCoverage(batches: readonly (readonly number[])[]): number {
  return batches.reduce((n, batch) => n + batch.length, 0);
}

function checkBatchItems(batches: unknown[], path: string): FieldError[] {
  const errors: FieldError[] = [];
  batches.forEach((item, i) => {
    const at = jsonPath(path, i);
    if (item === ROLLOUT_REST) {
      if (i !== batches.length - 1) errors.push({ path: at, message: '"rest" is only allowed as the last item' });
    } else if (typeof item !== 'number' || !Number.isInteger(item) || item < 1) {
      errors.push({ path: at, message: 'must be an integer ≥ 1 or "rest"' });
    }
  });
  return errors;
}

/**
 * Validates a request's `rollout` (at `rollout`) and resolves it for `count` updates. `count` undefined (the updates are
 * invalid themselves) checks the fields alone. Returns the plan when it is valid and `count` is known, else the field errors.
 */
export function validateRollout(raw: unknown, count: number | undefined, path = 'rollout'): { plan?: RolloutPlan; errors: FieldError[] } {
  if (raw === null) return { errors: [{ path, message: 'must not be null' }] };
  if (!isPlainObject(raw)) return { errors: [{ path, message: 'must be an object' }] };
  const errors: FieldError[] = [];
  const known: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (ROLLOUT_KEYS.has(key)) known[key] = value;
    else errors.push({ path: jsonPath(path, key), message: 'is not allowed' });
  }
  const dto = validateDto(RolloutDto, known, path);
  errors.push(...dto.errors);
  if (known.batches !== undefined && known.batchSize !== undefined) {
    errors.push({ path, message: 'may hold batches or batchSize, not both' });
  }
  const batchesPath = `${path}.batches`;
  if (Array.isArray(known.batches) && !errors.some((e) => e.path === batchesPath)) errors.push(...checkBatchItems(known.batches, batchesPath));
  if (errors.length || count === undefined) return { errors };

  const spec = known as RolloutDto;
  const batches = resolveRolloutBatches(spec, count);
  const covered = rolloutCoverage(batches);
  if (covered < count) {
    return {
      errors: [
        {
          path: batchesPath,
          message: `covers ${covered} of ${count} updates: make the sizes add up to ${count}, or end the list with "rest" to put the others in a last batch`,
        },
      ],
    };
  }
  return { plan: { batches, pauseSeconds: spec.pauseSeconds ?? 0, onFailure: spec.onFailure ?? 'continue' }, errors: [] };
}
