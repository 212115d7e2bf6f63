/**
 * Schema versions of what processes of two releases share in one Redis during a rolling deploy: every stored record
 * and job payload carries `v` (a JSON key, or a hash field). Absent is 1: the format written before versions existed.
 * Each store declares its current version and the one function that lifts an older reading to it; writers always
 * write their current version. A reading NEWER than the code knows is not refused: its known fields are read and its
 * unknown ones are kept (a read-modify-write spreads the decoded object, which still holds them).
 */
export const SCHEMA_VERSION_FIELD = 'v';

/** A version as stored: a number, or a hash field's numeric string; absent or unreadable is 1. */
export function parseSchemaVersion(v: unknown): number {
  const n = typeof v === 'string' ? Number(v) : v;
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 1 ? n : 1;
}

/** The version a JSON record or job payload says it is (its `v`). */
export function schemaVersionOf(value: unknown): number {
  return parseSchemaVersion(value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[SCHEMA_VERSION_FIELD] : undefined);
}

/**
 * A JSON record's codec with a version: `encode` writes `v` (the current one, or the record's own when a newer release
 * wrote it: its unknown keys are kept, so it still is that version); `decode` accepts every version up to the current
 * (older ones through `upgrade`) and reads a newer one as it is.
 */
export function versionedJsonCodec<T extends object>(current: number, upgrade: (older: Record<string, unknown>, version: number) => T) {
  return {
    current,
    encode: (value: T): string => JSON.stringify({ ...value, [SCHEMA_VERSION_FIELD]: Math.max(current, schemaVersionOf(value)) }),
    decode: (raw: string): T => {
      const parsed = JSON.parse(raw) as Record<string, unknown>;
      const version = schemaVersionOf(parsed);
      return version < current ? { ...upgrade(parsed, version), [SCHEMA_VERSION_FIELD]: current } : (parsed as T);
    },
  };
}
