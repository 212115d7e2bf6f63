/**
 * The generic half of the policy validator: field specs as data (kind, required, an extra check), object specs with
 * cross-field rules, and the walkers that check a value against them. It knows no Apinizer policy type.
 */

export interface PolicyFieldError {
  path: string;
  message: string;
}

export type Obj = Record<string, unknown>;
/** Extra check run on a present value whose base type is already right. */
export type Check = (value: unknown, path: string) => PolicyFieldError[];
/** Cross-field rule on an object; `path` is the object's own path. */
export type Rule = (obj: Obj, path: string) => PolicyFieldError[];

interface FieldSpecBase {
  required?: boolean;
  check?: Check;
}
export type FieldSpec = FieldSpecBase &
  (
    | { kind: 'string' }
    | { kind: 'boolean' }
    | { kind: 'integer'; min?: number; max?: number }
    | { kind: 'enum'; values: readonly string[] }
    | { kind: 'array'; minItems: number; items?: FieldSpec }
    | { kind: 'object'; spec: ObjectSpec }
    | { kind: 'any' }
  );

export interface ObjectSpec {
  readonly fields: Readonly<Record<string, FieldSpec>>;
  readonly rules?: readonly Rule[];
}

// Generic helpers -------------------------------------------------------------------------------

export const err = (path: string, message: string): PolicyFieldError => ({ path, message });
export const join = (base: string, key: string): string => (base ? `${base}.${key}` : key);
export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
export const isMissing = (v: unknown): boolean => v === undefined || v === null;
const oneOfMessage = (values: readonly string[]): string => `must be one of ${values.join(', ')}`;

/** Absent for a conditional requirement: null/undefined, blank string (unless allowed), empty array. */
export function isBlank(v: unknown, allowEmptyString = false): boolean {
  if (isMissing(v)) return true;
  if (typeof v === 'string') return !allowEmptyString && v.trim() === '';
  return Array.isArray(v) && v.length === 0;
}

function integerMessage(min?: number, max?: number): string {
  if (min !== undefined && max !== undefined) return `must be an integer between ${min} and ${max}`;
  if (min === 1) return 'must be an integer > 0';
  if (min !== undefined) return `must be an integer >= ${min}`;
  if (max !== undefined) return `must be an integer <= ${max}`;
  return 'must be an integer';
}

// Spec builders ---------------------------------------------------------------------------------

export const req = (spec: FieldSpec): FieldSpec => ({ ...spec, required: true });
export const str = (check?: Check): FieldSpec => ({ kind: 'string', check });
export const bool = (): FieldSpec => ({ kind: 'boolean' });
export const int = (min?: number, max?: number): FieldSpec => ({ kind: 'integer', min, max });
export const oneOf = (values: readonly string[]): FieldSpec => ({ kind: 'enum', values });
export const list = (items?: FieldSpec, minItems = 0): FieldSpec => ({ kind: 'array', items, minItems });
export const nonEmptyList = (items?: FieldSpec): FieldSpec => list(items, 1);
export const obj = (fields: Record<string, FieldSpec>, ...rules: Rule[]): FieldSpec => ({ kind: 'object', spec: { fields, rules } });
export const custom = (check: Check): FieldSpec => ({ kind: 'any', check });
/** The spec of a whole policy type: its top-level fields and rules. */
export const policy = (fields: Record<string, FieldSpec>, ...rules: Rule[]): ObjectSpec => ({ fields, rules });

/** A check that the value is an object matching `spec` (`notObject` when it is no object at all). */
export const objectOf =
  (spec: ObjectSpec, notObject = 'must be an object'): Check =>
  (value, path) =>
    isObj(value) ? validateObject(value, spec, path, 'is required') : [err(path, notObject)];

// Rule builders ---------------------------------------------------------------------------------

export const is =
  (field: string, value: unknown) =>
  (o: Obj): boolean =>
    o[field] === value;

/** When `when(o)` holds, every field in `fields` must be present (type checks stay with the field specs). */
export function requireWhen(
  when: (o: Obj) => boolean,
  label: string | ((o: Obj) => string),
  fields: readonly string[],
  opts: { allowEmptyString?: boolean } = {},
): Rule {
  return (o, path) => {
    if (!when(o)) return [];
    const why = typeof label === 'string' ? label : label(o);
    return fields.filter((f) => isBlank(o[f], opts.allowEmptyString)).map((f) => err(join(path, f), `is required when ${why}`));
  };
}

/** When `when(o)` holds, validate `o` against a further spec (e.g. leaf-only condition fields). */
export function applyWhen(when: (o: Obj) => boolean, spec: ObjectSpec): Rule {
  return (o, path) => (when(o) ? validateObject(o, spec, path, 'is required') : []);
}

// Core walkers ----------------------------------------------------------------------------------

function validateField(value: unknown, spec: FieldSpec, path: string, requiredMessage: string): PolicyFieldError[] {
  if (isMissing(value)) return spec.required ? [err(path, requiredMessage)] : [];
  const base = validateKind(value, spec, path);
  if (base.length > 0 || !spec.check) return base;
  return spec.check(value, path);
}

function validateKind(value: unknown, spec: FieldSpec, path: string): PolicyFieldError[] {
  switch (spec.kind) {
    case 'string':
      if (typeof value !== 'string') return [err(path, 'must be a string')];
      return spec.required && value.trim() === '' ? [err(path, 'must not be empty')] : [];
    case 'boolean':
      return typeof value === 'boolean' ? [] : [err(path, 'must be a boolean')];
    case 'integer': {
      const ok =
        typeof value === 'number' && Number.isInteger(value) && (spec.min === undefined || value >= spec.min) && (spec.max === undefined || value <= spec.max);
      return ok ? [] : [err(path, integerMessage(spec.min, spec.max))];
    }
    case 'enum':
      return typeof value === 'string' && spec.values.includes(value) ? [] : [err(path, oneOfMessage(spec.values))];
    case 'array': {
      if (!Array.isArray(value)) return [err(path, 'must be an array')];
      if (value.length < spec.minItems) return [err(path, 'must contain at least one item')];
      const items = spec.items;
      if (!items) return [];
      return value.flatMap((item, i) => validateField(item, { ...items, required: true }, `${path}[${i}]`, 'must not be null'));
    }
    case 'object':
      return objectOf(spec.spec)(value, path);
    case 'any':
      return [];
  }
}

/** Every field of `spec` on `o`, then its rules; a missing required field gets `requiredMessage`. */
export function validateObject(o: Obj, spec: ObjectSpec, path: string, requiredMessage: string): PolicyFieldError[] {
  const errors: PolicyFieldError[] = [];
  for (const [key, fieldSpec] of Object.entries(spec.fields)) {
    errors.push(...validateField(o[key], fieldSpec, join(path, key), requiredMessage));
  }
  for (const rule of spec.rules ?? []) errors.push(...rule(o, path));
  return errors;
}
