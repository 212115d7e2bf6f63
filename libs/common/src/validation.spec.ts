import { IsInt, IsString, ValidateNested } from 'class-validator';
import { Type } from 'class-transformer';
import { ProblemException } from './problem';
import { IsOptionalNonNull, IsOptionalNullable, MAX_JSON_DEPTH, checkJsonBody, jsonPath, parseJsonBody, validateDto } from './validation';

class InnerDto {
  @IsOptionalNonNull()
  @IsInt()
  count?: number;
}

class SampleDto {
  @IsOptionalNonNull()
  @IsString()
  name?: string;

  @IsOptionalNullable()
  @IsString()
  note?: string | null;

  @IsOptionalNonNull()
  @ValidateNested()
  @Type(() => InnerDto)
  inner?: InnerDto;
}

describe('IsOptionalNonNull / IsOptionalNullable', () => {
  it('accepts an absent field and a value', () => {
    expect(validateDto(SampleDto, {}, 'x').errors).toEqual([]);
    expect(validateDto(SampleDto, { name: 'a', inner: { count: 1 } }, 'x').errors).toEqual([]);
  });

  it('refuses null with "must not be null" as the only message of that field', () => {
    expect(validateDto(SampleDto, { name: null }, 'x').errors).toEqual([{ path: 'x.name', message: 'must not be null' }]);
    expect(validateDto(SampleDto, { inner: null }, 'x').errors).toEqual([{ path: 'x.inner', message: 'must not be null' }]);
    expect(validateDto(SampleDto, { inner: { count: null } }, 'x').errors).toEqual([{ path: 'x.inner.count', message: 'must not be null' }]);
  });

  it('still applies the type checks to non-null values', () => {
    expect(validateDto(SampleDto, { name: 3 }, 'x').errors).toEqual([{ path: 'x.name', message: 'must be a string' }]);
    expect(validateDto(SampleDto, { inner: { count: 1.5 } }, 'x').errors).toEqual([{ path: 'x.inner.count', message: 'must be an integer number' }]);
  });

  it('lets null through where the field is nullable, and checks its values', () => {
    expect(validateDto(SampleDto, { note: null }, 'x').errors).toEqual([]);
    expect(validateDto(SampleDto, { note: 5 }, 'x').errors).toEqual([{ path: 'x.note', message: 'must be a string' }]);
  });
});

describe('checkJsonBody', () => {
  it('passes an ordinary body', () => {
    expect(checkJsonBody({ updates: [{ target: { id: 'a', projectId: 1 }, changes: { tags: { team: null }, ratio: 0.5 } }], dryRun: true })).toEqual([]);
  });

  it.each(['__proto__', 'constructor', 'prototype'])('refuses a %s key anywhere, with its path', (key) => {
    const body = JSON.parse(`{"updates":[{"changes":{"policy":{"nested":{"${key}":{"x":1}}}}}]}`);
    expect(checkJsonBody(body)).toEqual([{ path: `updates[0].changes.policy.nested.${key}`, message: expect.stringContaining('forbidden key') }]);
    expect(checkJsonBody(JSON.parse(`{"${key}":1}`))).toEqual([{ path: key, message: expect.stringContaining('forbidden key') }]);
  });

  it('refuses ill-formed Unicode in values and keys, naming the field (the key path escaped)', () => {
    expect(checkJsonBody(JSON.parse('{"a":{"name":"ab\\ud800c"}}'))).toEqual([{ path: 'a.name', message: expect.stringContaining('well-formed Unicode') }]);
    expect(checkJsonBody(JSON.parse('{"list":["ok","\\udfff"]}'))).toEqual([{ path: 'list[1]', message: expect.stringContaining('well-formed Unicode') }]);
    const [error] = checkJsonBody(JSON.parse('{"tags":{"k\\ud800":"v"}}'));
    expect(error.path).toBe('tags["k\\ud800"]');
    expect((error.path as unknown as { isWellFormed(): boolean }).isWellFormed()).toBe(true);
    expect(checkJsonBody('\ud800')).toEqual([{ path: '(body)', message: expect.stringContaining('well-formed') }]);
    // a correct surrogate pair is fine
    expect(checkJsonBody({ name: '😀' })).toEqual([]);
  });

  it('refuses numbers JSON.parse could not keep exactly', () => {
    expect(checkJsonBody(JSON.parse('{"position":9007199254740993}'))).toEqual([{ path: 'position', message: expect.stringContaining('safe integer') }]);
    expect(checkJsonBody(JSON.parse('{"position":9007199254740992}'))).toEqual([{ path: 'position', message: expect.stringContaining('safe integer') }]);
    expect(checkJsonBody(JSON.parse('{"n":[1e400]}'))).toEqual([{ path: 'n[0]', message: expect.stringContaining('finite') }]);
    expect(checkJsonBody(JSON.parse('{"n":-1e400}'))).toEqual([{ path: 'n', message: expect.stringContaining('finite') }]);
    expect(checkJsonBody(JSON.parse('{"n":9007199254740991,"m":-9007199254740991,"f":1.5}'))).toEqual([]);
  });

  it('reports errors in document order, at most 20', () => {
    const body = JSON.parse(`{"a":"\\ud800","b":{"constructor":1},"c":1e400}`);
    expect(checkJsonBody(body).map((e) => e.path)).toEqual(['a', 'b.constructor', 'c']);
    expect(checkJsonBody({ many: Array.from({ length: 100 }, () => '\ud800') })).toHaveLength(20);
  });

  it('refuses nesting deeper than the limit without recursion', () => {
    const deep = JSON.parse('['.repeat(10_000) + ']'.repeat(10_000));
    expect(checkJsonBody(deep)).toEqual([{ path: '(body)', message: `nests deeper than ${MAX_JSON_DEPTH} levels` }]);
  });
});

describe('jsonPath', () => {
  it('uses dots for plain keys, brackets for indexes and odd keys', () => {
    expect(jsonPath('', 'updates')).toBe('updates');
    expect(jsonPath('updates', 0)).toBe('updates[0]');
    expect(jsonPath('tags', 'team name')).toBe('tags["team name"]');
    expect(jsonPath('tags', 'a.b')).toBe('tags["a.b"]');
  });
});

describe('parseJsonBody', () => {
  const problem = (raw: Buffer | string): ProblemException => {
    try {
      parseJsonBody(raw);
    } catch (error) {
      return error as ProblemException;
    }
    throw new Error('no problem raised');
  };

  it('parses JSON from a Buffer, skipping a BOM', () => {
    expect(parseJsonBody(Buffer.from('\ufeff{"a":[1,"x"]}'))).toEqual({ a: [1, 'x'] });
  });

  it('makes __proto__ an error, never a prototype', () => {
    const error = problem(Buffer.from('{"__proto__":{"polluted":1}}'));
    expect(error.getStatus()).toBe(400);
    expect(error.errors).toEqual([{ path: '__proto__', message: expect.stringContaining('forbidden key') }]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it.each([
    ['invalid UTF-8', Buffer.from([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x3a, 0x31, 0x7d]), 'not valid UTF-8'],
    ['an empty body', Buffer.alloc(0), 'empty'],
    ['whitespace only', Buffer.from('  \n'), 'empty'],
    ['malformed JSON', Buffer.from('{"a":'), 'not valid JSON'],
  ])('refuses %s with a 400 malformed-json problem', (_name, raw, detail) => {
    const error = problem(raw);
    expect(error.getStatus()).toBe(400);
    expect(error.slug).toBe('malformed-json');
    expect(error.detail).toContain(detail);
  });

  it('does not echo the body in the problem', () => {
    const error = problem(Buffer.from('{"secret-token-123": oops}'));
    expect(JSON.stringify({ detail: error.detail, errors: error.errors })).not.toContain('secret-token-123');
  });
});
