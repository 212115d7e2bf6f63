import { ValidationPipe } from '@nestjs/common';
import { ClassConstructor, plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { FieldError, ProblemException, flattenValidationErrors } from './problem';

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
export function jsonDepth(value: unknown, limit: number): number {
  let max = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth > max) max = depth;
    if (max > limit) return max;
    for (const child of Array.isArray(v) ? v : Object.values(v as object)) if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
  }
  return max;
}

export const MAX_JSON_DEPTH = 32;
