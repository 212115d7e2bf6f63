import { parseSchemaVersion, schemaVersionOf, versionedJsonCodec } from './schema-version';

describe('schema versions', () => {
  it('absent or unreadable is 1; a number or a hash field string is read', () => {
    expect(schemaVersionOf({ a: 1 })).toBe(1);
    expect(schemaVersionOf(null)).toBe(1);
    expect(schemaVersionOf({ v: 3 })).toBe(3);
    expect(parseSchemaVersion('2')).toBe(2);
    expect(parseSchemaVersion('x')).toBe(1);
    expect(parseSchemaVersion(0)).toBe(1);
  });

  it('a JSON codec: writes the current version, lifts an older reading, keeps a newer one as it is', () => {
    const codec = versionedJsonCodec<{ name: string }>(2, (older) => ({ name: String(older.title) }));
    expect(JSON.parse(codec.encode({ name: 'a' }))).toEqual({ name: 'a', v: 2 });
    expect(codec.decode(JSON.stringify({ title: 'old' }))).toEqual({ name: 'old', v: 2 });
    const newer = codec.decode(JSON.stringify({ name: 'n', v: 5, extra: true }));
    expect(JSON.parse(codec.encode({ ...newer, name: 'm' }))).toEqual({ name: 'm', v: 5, extra: true });
  });
});
