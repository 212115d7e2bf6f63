import fc from 'fast-check';
import { ClassConstructor, Expose, Transform, Type } from 'class-transformer';
import {
  Allow,
  ArrayNotEmpty,
  IsArray,
  IsBoolean,
  IsDefined,
  IsIn,
  IsInt,
  IsNotEmptyObject,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  Min,
  Validate,
  ValidateBy,
  ValidateIf,
  ValidateNested,
  ValidatePromise,
  ValidationArguments,
  ValidatorConstraint,
  ValidatorConstraintInterface,
} from 'class-validator';
import { DtoCompileError, compileDto } from './compiled-dto-validator';
import { IsOptionalNonNull, IsOptionalNullable, validateDto, validateDtoByClassValidator } from './validation';

@ValidatorConstraint({ name: 'divisibleBy' })
class DivisibleBy implements ValidatorConstraintInterface {
  validate(value: unknown, args: ValidationArguments): boolean {
    return typeof value === 'number' && value % (args.constraints[0] as number) === 0;
  }
  defaultMessage(args: ValidationArguments): string {
    return `$property must be divisible by $constraint1 in $target (got ${JSON.stringify(args.value)})`;
  }
}

class LeafDto {
  @IsInt()
  @Min(0)
  n: number;

  // two constraints of one type: the upper decorator runs last, its message replaces the other's
  @IsOptional()
  @Matches(/^a/, { message: 'must start with a' })
  @Matches(/b$/, { message: 'must end with b' })
  @IsString()
  s?: string;
}

abstract class BaseDto {
  // IsDefined runs before the other checks whatever the decorator order
  @IsString()
  @IsDefined()
  id: string;

  @IsOptional()
  @MaxLength(3, { message: '$property of $target is longer than $constraint1 ($value)' })
  code?: string;
}

class SampleDto extends BaseDto {
  // overrides the inherited MaxLength (same property and type), keeps the inherited IsOptional
  @MaxLength(5, { message: (a: ValidationArguments) => `too long for ${a.targetName}.${a.property}: ${String(a.value)}` })
  declare code?: string;

  @IsOptional()
  @IsIn(['x', 'y'])
  kind?: string;

  @ValidateIf((o: { kind?: unknown }) => o.kind === 'x')
  @IsString()
  @Matches(/^\d+$/)
  whenX?: string;

  @Allow()
  free?: unknown;

  @IsOptional()
  @ValidateNested({ each: true })
  @Type(() => LeafDto)
  leaves?: LeafDto[];

  @IsOptionalNonNull()
  @ValidateNested()
  @Type(() => SampleDto)
  self?: SampleDto;

  @IsOptionalNullable()
  @IsArray()
  @ArrayNotEmpty()
  @IsInt({ each: true })
  @Validate(DivisibleBy, [3], { each: true })
  nums?: number[] | null;
}

/** Checks that read what class-transformer changes: object keys, class instances, the object itself. */
class ContentDto {
  // class-transformer's copy has no toString/__proto__ keys: an object of only those is empty to class-validator
  @IsOptional()
  @IsNotEmptyObject()
  bag?: object;

  // a value check on a @Type field sees a LeafDto instance in class-validator
  @IsOptional()
  @ValidateBy({ name: 'isLeafInstance', validator: { validate: (v) => v instanceof LeafDto, defaultMessage: () => 'must be a LeafDto' } })
  @ValidateNested()
  @Type(() => LeafDto)
  leaf?: LeafDto;

  // reads another field through args.object
  @IsOptional()
  @ValidateBy({
    name: 'keysOfBag',
    validator: {
      validate: (v, a) => v === Object.keys((a?.object as { bag?: object }).bag ?? {}).length,
      defaultMessage: (a) => `must count the keys of ${JSON.stringify((a?.object as { bag?: object }).bag)}`,
    },
  })
  count?: number;

  // a custom condition gets the instance too
  @ValidateIf((o: object) => o instanceof ContentDto)
  @IsString()
  label?: string;
}

const CLASSES: ClassConstructor<object>[] = [LeafDto, SampleDto, ContentDto];
const VALID = [
  { n: 1, s: 'ab' },
  { id: 'i', code: 'abc', kind: 'x', whenX: '12', free: { any: 1 }, leaves: [{ n: 0 }], self: { id: 'j' }, nums: [3, 6] },
  { bag: { a: 1, toString: 2 }, leaf: { n: 1 }, count: 1 },
];

describe('compileDto on class-validator features the routing DTOs do not use', () => {
  const sample = compileDto(SampleDto);
  const agree = (value: unknown, prefix = 'x') => {
    const expected = validateDtoByClassValidator(SampleDto, value, prefix);
    expect(sample(value, prefix).errors).toEqual(expected.errors);
    return expected.errors;
  };

  it('orders IsDefined first, overrides inherited constraints, replaces same-type messages', () => {
    expect(agree({})).toEqual([
      { path: 'x.id', message: 'should not be null or undefined' },
      { path: 'x.id', message: 'must be a string' },
    ]);
    expect(agree({ id: 'a', code: 'abcdef' })).toEqual([{ path: 'x.code', message: 'too long for SampleDto.code: abcdef' }]);
    expect(agree({ id: 'a', leaves: [{ n: 1, s: 'ba' }] })).toEqual([{ path: 'x.leaves[0].s', message: 'must start with a' }]);
  });

  it('runs ValidateIf on the object, each-checks and constraint classes, nested arrays and self-nesting', () => {
    expect(agree({ id: 'a', kind: 'x', whenX: 'a1' })).toEqual([{ path: 'x.whenX', message: 'must match /^\\d+$/ regular expression' }]);
    expect(agree({ id: 'a', kind: 'y', whenX: 5 })).toEqual([]);
    expect(agree({ id: 'a', nums: [3, 4] })).toEqual([{ path: 'x.nums', message: 'must be divisible by 3 in SampleDto (got [3,4])' }]);
    expect(agree({ id: 'a', leaves: [{ n: 1 }, 5, [{ n: -1 }]] })).toEqual([
      { path: 'x.leaves[1]', message: 'each value in nested property leaves must be either object or array' },
      { path: 'x.leaves[2][0].n', message: 'must not be less than 0' },
    ]);
    // a class's own properties come before the inherited ones
    expect(agree({ id: 'a', self: { id: 1, self: { self: null } } })).toEqual([
      { path: 'x.self.self.self', message: 'must not be null' },
      { path: 'x.self.self.id', message: 'should not be null or undefined' },
      { path: 'x.self.self.id', message: 'must be a string' },
      { path: 'x.self.id', message: 'must be a string' },
    ]);
  });

  it('reports unknown keys as class-validator does, and skips the keys class-transformer never copies', () => {
    const body = JSON.parse('{"id":"a","5":1,"property":1,"[x":1,"a b":1,"__proto__":1,"constructor":1,"toString":1,"prototype":1}') as object;
    expect(agree(body)).toEqual([
      { path: 'x[5]', message: 'property 5 should not exist' },
      { path: 'x.property', message: 'property should not exist' },
      { path: 'x[x', message: 'property [x should not exist' },
      { path: 'x.a b', message: 'property a b should not exist' },
      { path: 'x.prototype', message: 'property prototype should not exist' },
    ]);
    expect(agree(body, '')[0]).toEqual({ path: '[5]', message: 'property 5 should not exist' });
    expect(agree([], '')).toEqual([{ path: '(body)', message: 'must be an object' }]);
  });

  it("gives checks that could tell them apart class-validator's instance, not the body", () => {
    const content = compileDto(ContentDto);
    const body = JSON.parse('{"bag":{"toString":1,"__proto__":2},"leaf":{"n":1},"count":2,"label":3}') as object;
    const errors = [
      { path: 'x.bag', message: 'must be a non-empty object' },
      { path: 'x.count', message: 'must count the keys of {}' },
      { path: 'x.label', message: 'must be a string' },
    ];
    expect(validateDtoByClassValidator(ContentDto, body, 'x').errors).toEqual(errors);
    expect(content(body, 'x').errors).toEqual(errors);
  });

  it('returns the caller’s object when it is valid', () => {
    const body = { id: 'a' };
    expect(sample(body, '').value).toBe(body);
    expect(validateDto(SampleDto, body, '').value).toBe(body);
  });
});

describe.each(CLASSES)('compileDto(%p) agrees with class-validator on random bodies', (cls) => {
  const compiled = compileDto(cls);
  const keys = ['', ...'n s id code kind whenX free leaves self nums bag leaf count label a __proto__ constructor toString property 0'.split(' ')];
  const leaf = fc.oneof(
    fc.constantFrom(null, true, 0, -1, 1, 3, 4, 1.5, -0, Infinity, 2 ** 53, '', 'a', 'ab', 'ba', 'abcdef', '12', 'x', 'y', '\ud800'),
    fc.string({ maxLength: 4 }),
    fc.integer(),
  );
  const body = fc.letrec<{ value: unknown }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      leaf,
      fc.dictionary(fc.constantFrom(...keys), tie('value'), { maxKeys: 5 }),
      fc.array(tie('value'), { maxLength: 3 }),
    ),
  })).value;
  const mutated = fc.tuple(fc.constantFrom(...VALID), fc.constantFrom(...keys), body).map(([valid, key, value]) => ({ ...valid, [key]: value }));

  it('1000 bodies', () => {
    fc.assert(
      fc.property(fc.oneof(body, mutated), (value) => {
        let expected: unknown[];
        try {
          expected = validateDtoByClassValidator(cls, value, 'x').errors;
        } catch (error) {
          // class-transformer's `new value.constructor()` on a `constructor` key (checkJsonBody refuses the key in every body)
          expect(error).toBeInstanceOf(TypeError);
          expect(JSON.stringify(value)).toContain('"constructor":');
          return;
        }
        expect(compiled(value, 'x').errors).toEqual(expected);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('compileDto refuses what it cannot reproduce exactly', () => {
  class Plain {
    @IsString()
    s: string;
  }
  @ValidatorConstraint({ name: 'slow', async: true })
  class Slow implements ValidatorConstraintInterface {
    validate(): Promise<boolean> {
      return Promise.resolve(true);
    }
  }
  class Unregistered {
    validate(): boolean {
      return false;
    }
  }
  class Converted {
    @IsInt()
    @Type(() => Number)
    n: number;
  }
  class NestedUntyped {
    @ValidateNested()
    inner: Plain;
  }
  class Transformed {
    @IsString()
    @Transform(({ value }: { value: unknown }) => String(value))
    s: string;
  }
  class Renamed {
    @IsString()
    @Expose({ name: 'S' })
    s: string;
  }
  class Defaulted {
    @IsBoolean()
    flag = false;
  }
  class WithMethod {
    @IsString()
    s: string;
    describe(): string {
      return this.s;
    }
  }
  class AsyncRule {
    @Validate(Slow)
    s: string;
  }
  class UnregisteredRule {
    @Validate(Unregistered)
    s: string;
  }
  class Undecorated {}
  class BareField {
    @IsString()
    s: string;
    t: string;
  }
  class Promised {
    @ValidatePromise()
    @IsString()
    s: string;
  }
  class ParentOfBad {
    @ValidateNested()
    @Type(() => Converted)
    child: Converted;
  }

  it.each([
    [Converted, 'converts values'],
    [NestedUntyped, 'without @Type'],
    [Transformed, '@Transform'],
    [Renamed, '@Expose/@Exclude'],
    [Defaulted, 'field initializer'],
    [WithMethod, 'method or accessor'],
    [AsyncRule, 'async constraint'],
    [UnregisteredRule, 'without @ValidatorConstraint'],
    [Undecorated, 'no class-validator decorators'],
    [BareField, 'a field without class-validator decorators'],
    [Promised, 'validation type promiseValidation'],
    [ParentOfBad, 'converts values'],
  ])('%p: %s', (cls, reason) => {
    expect(() => compileDto(cls)).toThrow(DtoCompileError);
    expect(() => compileDto(cls)).toThrow(reason);
  });

  it('validateDto keeps the class-validator reading for such a class', () => {
    expect(validateDto(Converted, { n: '5' }, 'x')).toEqual({ value: Object.assign(new Converted(), { n: 5 }), errors: [] });
    expect(validateDto(Converted, { n: 'a' }, 'x').errors).toEqual([{ path: 'x.n', message: 'must be an integer number' }]);
  });
});
