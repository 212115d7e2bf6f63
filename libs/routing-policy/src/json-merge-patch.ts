/** RFC 7386 JSON Merge Patch: objects merge recursively, null deletes, anything else replaces. */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const base: Record<string, unknown> =
    target !== null && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [key, value] of Object.entries(patch as Record<string, unknown>)) {
    if (key === '__proto__' || key === 'constructor' || key === 'prototype') continue;
    if (value === null) delete base[key];
    else base[key] = applyMergePatch(base[key], value);
  }
  return base;
}

/** Field-level differences between two flat-ish objects, for dry-run diffs (nested objects compared as JSON). */
export function diffFields(before: Record<string, unknown>, after: Record<string, unknown>, prefix = ''): { field: string; from: unknown; to: unknown }[] {
  const out: { field: string; from: unknown; to: unknown }[] = [];
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  for (const key of keys) {
    const a = before[key];
    const b = after[key];
    if (JSON.stringify(a) !== JSON.stringify(b)) out.push({ field: prefix + key, from: a ?? null, to: b ?? null });
  }
  return out;
}

/** One field that differs between the state a change left (`applied`) and the state now (`current`). */
export interface DriftField {
  field: string;
  applied: unknown;
  current: unknown;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** JSON with object keys sorted: equal values compare equal whatever order a provider lists keys in. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (isPlainObject(value)) {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/**
 * The fields of `applied` that `current` no longer holds. Only the applied state's own fields count: a field the
 * provider added by itself (a default, a timestamp, an id) is not drift; objects are compared field by field, arrays
 * and values whole. `ignore` names fields (at any depth, by key) the provider fills or changes on its own.
 */
export function driftFields(
  applied: Record<string, unknown>,
  current: Record<string, unknown>,
  ignore: ReadonlySet<string> = new Set(),
  prefix = '',
): DriftField[] {
  const out: DriftField[] = [];
  for (const key of Object.keys(applied)) {
    if (ignore.has(key)) continue;
    const a = applied[key];
    const c = current[key];
    if (isPlainObject(a) && isPlainObject(c)) out.push(...driftFields(a, c, ignore, `${prefix}${key}.`));
    else if (canonical(a) !== canonical(c)) out.push({ field: prefix + key, applied: a ?? null, current: c ?? null });
  }
  return out;
}
