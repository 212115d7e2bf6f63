import { ValidationPipe } from '@nestjs/common';
import { ClassConstructor, plainToInstance } from 'class-transformer';
import { IsOptional, ValidateBy, ValidateIf, validateSync } from 'class-validator';
import { DtoCompileError, DtoValidator, compileDto, isPresent, notAnObject } from './compiled-dto-validator';
import { FieldError, NOT_NULL_CONSTRAINT, ProblemException, flattenValidationErrors } from './problem';

/**
 * An optional field that must not be `null`: absent is fine, `null` is a 400 "must not be null" (the only message for
 * that field). class-validator's own @IsOptional() lets `null` through to code that expects a value.
 */
export function IsOptionalNonNull(): PropertyDecorator {
  return (target: object, key: string | symbol) => {
    // isPresent: the compiled validators know it reads only the value
    ValidateIf(isPresent)(target, key);
    ValidateBy({ name: NOT_NULL_CONSTRAINT, validator: { validate: (value) => value !== null, defaultMessage: () => 'must not be null' } })(target, key);
  };
}

/** An optional field where `null` is a value the provider defines (e.g. "remove all tags"): absent and null skip the other checks. */
export function IsOptionalNullable(): PropertyDecorator {
  return IsOptional();
}

export const STRICT_VALIDATION = { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true } as const;

/**
 * validateDto as class-validator reads it (plainToInstance, validateSync, flattenValidationErrors): the reference the
 * compiled validators are tested against, and the reading of a class compileDto cannot reproduce. Returns the instance.
 */
export function validateDtoByClassValidator<T extends object>(
  cls: ClassConstructor<T>,
  value: unknown,
  pathPrefix: string,
): { value?: T; errors: FieldError[] } {
  const notObject = notAnObject(value, pathPrefix);
  if (notObject) return { errors: notObject };
  const instance = plainToInstance(cls, value, { enableImplicitConversion: false });
  const errors = validateSync(instance as object, STRICT_VALIDATION);
  return errors.length ? { errors: flattenValidationErrors(errors, pathPrefix) } : { value: instance, errors: [] };
}

const validators = new WeakMap<ClassConstructor<object>, DtoValidator<object>>();

/**
 * Validates a plain value against a DTO class; unknown fields are errors. Returns the value (the caller's object, not a
 * class instance) or the field errors. The class is compiled once (compileDto); a class the compiler cannot reproduce
 * exactly keeps the class-validator reading (same answers, slower) rather than failing here.
 */
export function validateDto<T extends object>(cls: ClassConstructor<T>, value: unknown, pathPrefix: string): { value?: T; errors: FieldError[] } {
  let validate = validators.get(cls);
  if (!validate) {
    try {
      validate = compileDto(cls);
    } catch (error) {
      if (!(error instanceof DtoCompileError)) throw error;
      validate = (v, prefix) => validateDtoByClassValidator(cls, v, prefix);
    }
    validators.set(cls, validate);
  }
  return validate(value, pathPrefix) as { value?: T; errors: FieldError[] };
}

/** The global pipe for ordinary DTO bodies/queries: strict, problem+json errors with field paths. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    ...STRICT_VALIDATION,
    transform: true,
    exceptionFactory: (errors) => ProblemException.validation(flattenValidationErrors(errors)),
  });
}

export const MAX_JSON_DEPTH = 32;
/** Keys refused anywhere in a body: they reach prototypes (class-transformer calls `new value.constructor()`, merges, ...). */
export const FORBIDDEN_JSON_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);
const MAX_BODY_ERRORS = 20;
/** String.prototype.isWellFormed (Node >= 20; not yet in this TypeScript lib). */
const isWellFormed = (s: string): boolean => (s as unknown as { isWellFormed(): boolean }).isWellFormed();
const PLAIN_KEY = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;
const FORBIDDEN_KEY_MESSAGE = `is a forbidden key (${[...FORBIDDEN_JSON_KEYS].join(', ')} are refused anywhere in a body)`;

/** `parent.key`, or `parent["odd key"]` (JSON-escaped, so a lone surrogate in a key shows as \ud800, never raw). */
export function jsonPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  if (PLAIN_KEY.test(key)) return parent ? `${parent}.${key}` : key;
  return `${parent}[${JSON.stringify(key)}]`;
}

/**
 * Checks every key and value of a parsed JSON body once, before any DTO or merge code sees it: nesting depth, the
 * prototype keys, ill-formed Unicode (lone surrogates) in keys and strings, and numbers JSON.parse could not hold
 * exactly (1e400 becomes Infinity, 9007199254740993 becomes ...992: both are refused, never passed on rounded).
 * Returns the errors in document order (at most 20), or only the depth error when the body nests too deep.
 * One pass without recursion (any depth is safe); a path is built only for containers and for what is refused (this
 * runs on every request: eager path strings for every leaf were most of its allocations).
 */
export function checkJsonBody(body: unknown): FieldError[] {
  const errors: FieldError[] = [];
  const add = (path: string, message: string) => void (errors.length < MAX_BODY_ERRORS && errors.push({ path: path || '(body)', message }));
  // parallel stacks: the value, its parent container's path, its key there (null: the body), its depth, whether its own checks run
  // (the children of a refused key are only measured: the depth limit holds under them too)
  const values: unknown[] = [body];
  const parents: string[] = [''];
  const keys: (string | number | null)[] = [null];
  const depths: number[] = [1];
  const checked: boolean[] = [true];
  while (values.length) {
    const value = values.pop();
    const parent = parents.pop()!;
    const key = keys.pop()!;
    const depth = depths.pop()!;
    const check = checked.pop()!;
    if (typeof value === 'string') {
      if (check && !isWellFormed(value)) add(key === null ? parent : jsonPath(parent, key), 'must be well-formed Unicode (it holds a lone surrogate)');
    } else if (typeof value === 'number') {
      if (!check) continue;
      if (!Number.isFinite(value)) add(key === null ? parent : jsonPath(parent, key), 'is out of range (not a finite number)');
      else if (Number.isInteger(value) && !Number.isSafeInteger(value))
        add(key === null ? parent : jsonPath(parent, key), 'is outside the safe integer range ±(2^53-1): it cannot be kept exactly');
    } else if (value !== null && typeof value === 'object') {
      if (depth > MAX_JSON_DEPTH) return [{ path: '(body)', message: `nests deeper than ${MAX_JSON_DEPTH} levels` }];
      const path = key === null ? parent : jsonPath(parent, key);
      if (Array.isArray(value)) {
        for (let i = value.length - 1; i >= 0; i--) {
          values.push(value[i]);
          parents.push(path);
          keys.push(i);
          depths.push(depth + 1);
          checked.push(check);
        }
        continue;
      }
      const names = Object.keys(value);
      const refused: boolean[] = names.map((name) => FORBIDDEN_JSON_KEYS.has(name) || !isWellFormed(name));
      if (check) {
        for (let i = 0; i < names.length; i++) {
          if (!refused[i]) continue;
          if (FORBIDDEN_JSON_KEYS.has(names[i])) add(jsonPath(path, names[i]), FORBIDDEN_KEY_MESSAGE);
          else add(jsonPath(path, names[i]), 'key must be well-formed Unicode (it holds a lone surrogate)');
        }
      }
      for (let i = names.length - 1; i >= 0; i--) {
        values.push((value as Record<string, unknown>)[names[i]]);
        parents.push(path);
        keys.push(names[i]);
        depths.push(depth + 1);
        checked.push(check && !refused[i]);
      }
    }
  }
  return errors;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The gateway's one JSON body parser (every route): strict UTF-8, JSON.parse (which makes `__proto__` an own property,
 * never a prototype), then checkJsonBody. Throws a 400 problem naming the offending fields.
 */
export function parseJsonBody(raw: Buffer | string): unknown {
  let text: string;
  try {
    text = typeof raw === 'string' ? raw : UTF8.decode(raw);
  } catch {
    throw new ProblemException({ status: 400, slug: 'malformed-json', detail: 'The body is not valid UTF-8.' });
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.trim() === '')
    throw new ProblemException({ status: 400, slug: 'malformed-json', detail: 'The body is empty but Content-Type is application/json.' });
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    // the parser's message quotes the body: not echoed
    throw new ProblemException({ status: 400, slug: 'malformed-json', detail: 'The body is not valid JSON.' });
  }
  const errors = checkJsonBody(body);
  if (errors.length) throw ProblemException.validation(errors, 'The body holds keys or values refused anywhere in a request.');
  return body;
}
