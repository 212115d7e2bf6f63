import fc from 'fast-check';
import { FieldError } from './problem';
import { MAX_JSON_DEPTH, checkJsonBody, jsonPath } from './validation';

/*
 * The previous checkJsonBody (a depth pass, then a pass building every path eagerly), kept here as the reference the
 * one-pass version must agree with on any body.
 */
/** Nesting depth of a parsed JSON value, computed without recursion (a 10,000-deep body must not blow the stack). */
function jsonDepth(value: unknown, limit: number): number {
  let max = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth > max) max = depth;
    if (max > limit) return max;
    for (const child of Array.isArray(v) ? v : Object.values(v)) if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
  }
  return max;
}

/** Keys refused anywhere in a body: they reach prototypes (class-transformer calls `new value.constructor()`, merges, ...). */
const FORBIDDEN_JSON_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);
const MAX_BODY_ERRORS = 20;
/** String.prototype.isWellFormed (Node >= 20; not yet in this TypeScript lib). */
const isWellFormed = (s: string): boolean => (s as unknown as { isWellFormed(): boolean }).isWellFormed();

/**
 * Checks every key and value of a parsed JSON body once, before any DTO or merge code sees it: nesting depth, the
 * prototype keys, ill-formed Unicode (lone surrogates) in keys and strings, and numbers JSON.parse could not hold
 * exactly (1e400 becomes Infinity, 9007199254740993 becomes ...992: both are refused, never passed on rounded).
 * Returns the errors in document order (at most 20); no recursion, so any depth is safe.
 */
function checkJsonBodyTwoPasses(body: unknown): FieldError[] {
  if (jsonDepth(body, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) return [{ path: '(body)', message: `nests deeper than ${MAX_JSON_DEPTH} levels` }];
  const errors: FieldError[] = [];
  const stack: [unknown, string][] = [[body, '']];
  while (stack.length && errors.length < MAX_BODY_ERRORS) {
    const [value, path] = stack.pop()!;
    const at = path || '(body)';
    if (typeof value === 'string') {
      if (!isWellFormed(value)) errors.push({ path: at, message: 'must be well-formed Unicode (it holds a lone surrogate)' });
    } else if (typeof value === 'number') {
      if (!Number.isFinite(value)) errors.push({ path: at, message: 'is out of range (not a finite number)' });
      else if (Number.isInteger(value) && !Number.isSafeInteger(value))
        errors.push({ path: at, message: 'is outside the safe integer range ±(2^53-1): it cannot be kept exactly' });
    } else if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push([value[i], jsonPath(path, i)]);
    } else if (value !== null && typeof value === 'object') {
      const children: [unknown, string][] = [];
      for (const key of Object.keys(value)) {
        const keyPath = jsonPath(path, key);
        if (FORBIDDEN_JSON_KEYS.has(key))
          errors.push({ path: keyPath, message: `is a forbidden key (${[...FORBIDDEN_JSON_KEYS].join(', ')} are refused anywhere in a body)` });
        else if (!isWellFormed(key)) errors.push({ path: keyPath, message: 'key must be well-formed Unicode (it holds a lone surrogate)' });
        else children.push([(value as Record<string, unknown>)[key], keyPath]);
      }
      for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]);
    }
  }
  return errors.slice(0, MAX_BODY_ERRORS);
}

describe('checkJsonBody (one pass) agrees with the two-pass reference', () => {
  const text = fc.constantFrom('\ud800', 'a\udc00b', 'ok', '', 'xxx');
  const key = fc.oneof(fc.constantFrom('__proto__', 'constructor', 'prototype', 'a b', '\ud800', 'name', 'id', '0', 'tags'), fc.string({ maxLength: 4 }));
  const leaf = fc.oneof(text, fc.double(), fc.constantFrom(Infinity, -Infinity, 2 ** 53 + 2, 2 ** 53, 0.5, null, true), fc.integer(), fc.string());
  const tree = fc.letrec((tie) => ({
    value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, tie('object'), tie('array')),
    object: fc.dictionary(key, tie('value'), { maxKeys: 6 }),
    array: fc.array(tie('value'), { maxLength: 6 }),
  })).value;
  /** `levels` objects around `inner`, each holding the next under `under` (as JSON.parse builds them: `__proto__` an own key). */
  const nest = (inner: unknown, levels: number, under: string): unknown => {
    let json = JSON.stringify(inner) ?? 'null';
    for (let i = 0; i < levels; i++) json = `{${JSON.stringify(under)}:${json}}`;
    return JSON.parse(json);
  };

  it('on random bodies, with many errors, and around the depth limit (also under refused keys)', () => {
    fc.assert(
      fc.property(tree, fc.integer({ min: 0, max: MAX_JSON_DEPTH + 2 }), fc.constantFrom('a', '__proto__', 'b c'), (body, levels, under) => {
        const parsed = JSON.parse(JSON.stringify(body) ?? 'null') as unknown;
        expect(checkJsonBody(parsed)).toEqual(checkJsonBodyTwoPasses(parsed));
        const deep = nest(parsed, levels, under);
        expect(checkJsonBody(deep)).toEqual(checkJsonBodyTwoPasses(deep));
      }),
      { numRuns: 3000 },
    );
  });

  it('keeps document order and the cap of 20 errors', () => {
    const entries = Array.from({ length: 30 }, (_, i) => `"k${i}":{"__proto__":1,"v":"\\ud800"}`);
    const body = JSON.parse(`{${entries.join(',')}}`) as unknown;
    const errors: FieldError[] = checkJsonBody(body);
    expect(errors).toHaveLength(20);
    expect(errors).toEqual(checkJsonBodyTwoPasses(body));
    expect(errors[0].path).toBe(jsonPath('k0', '__proto__'));
  });
});
