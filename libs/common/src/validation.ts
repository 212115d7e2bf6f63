import { ValidationPipe } from '@nestjs/common';
import { ClassConstructor, plainToInstance } from 'class-transformer';
import { IsOptional, ValidateBy, ValidateIf, validateSync } from 'class-validator';
import { FieldError, NOT_NULL_CONSTRAINT, ProblemException, flattenValidationErrors } from './problem';

/**
 * An optional field that must not be `null`: absent is fine, `null` is a 400 "must not be null" (the only message for
 * that field). class-validator's own @IsOptional() lets `null` through to code that expects a value.
 */
export function IsOptionalNonNull(): PropertyDecorator {
  return (target: object, key: string | symbol) => {
    ValidateIf((_, value) => value !== undefined)(target, key);
    ValidateBy({ name: NOT_NULL_CONSTRAINT, validator: { validate: (value) => value !== null, defaultMessage: () => 'must not be null' } })(target, key);
  };
}

/** An optional field where `null` is a value the provider defines (e.g. "remove all tags"): absent and null skip the other checks. */
export function IsOptionalNullable(): PropertyDecorator {
  return IsOptional();
}

export const STRICT_VALIDATION = { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true } as const;

/** Validates a plain value against a DTO class; unknown fields are errors. Returns the instance or the field errors. */
export function validateDto<T extends object>(cls: ClassConstructor<T>, value: unknown, pathPrefix: string): { value?: T; errors: FieldError[] } {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { errors: [{ path: pathPrefix || '(body)', message: 'must be an object' }] };
  }
  const instance = plainToInstance(cls, value, { enableImplicitConversion: false });
  const errors = validateSync(instance as object, STRICT_VALIDATION);
  return errors.length ? { errors: flattenValidationErrors(errors, pathPrefix) } : { value: instance, errors: [] };
}

/** The global pipe for ordinary DTO bodies/queries: strict, problem+json errors with field paths. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    ...STRICT_VALIDATION,
    transform: true,
    exceptionFactory: (errors) => ProblemException.validation(flattenValidationErrors(errors)),
  });
}

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

export const MAX_JSON_DEPTH = 32;
/** Keys refused anywhere in a body: they reach prototypes (class-transformer calls `new value.constructor()`, merges, ...). */
export const FORBIDDEN_JSON_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);
const MAX_BODY_ERRORS = 20;
/** String.prototype.isWellFormed (Node >= 20; not yet in this TypeScript lib). */
const isWellFormed = (s: string): boolean => (s as unknown as { isWellFormed(): boolean }).isWellFormed();
const PLAIN_KEY = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

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
 * Returns the errors in document order (at most 20); no recursion, so any depth is safe.
 */
export function checkJsonBody(body: unknown): FieldError[] {
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
