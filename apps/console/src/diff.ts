/** Field-level differences between two states (before → applied), by dotted path; arrays compare as wholes. */
export interface FieldChange {
  field: string;
  from: unknown;
  to: unknown;
}

export function diffStates(from: unknown, to: unknown, path = ''): FieldChange[] {
  if (isPlainObject(from) && isPlainObject(to)) {
    const keys = [...new Set([...Object.keys(from), ...Object.keys(to)])].sort();
    return keys.flatMap((key) => diffStates(from[key], to[key], path ? `${path}.${key}` : key));
  }
  if (JSON.stringify(from) === JSON.stringify(to)) return [];
  return [{ field: path || '(whole value)', from, to }];
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
