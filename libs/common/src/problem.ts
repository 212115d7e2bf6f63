import { HttpException, HttpStatus } from '@nestjs/common';
import { ValidationError } from 'class-validator';

export interface FieldError {
  path: string;
  message: string;
}

export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  requestId?: string;
  errors?: FieldError[];
  [extra: string]: unknown;
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  409: 'Conflict',
  413: 'Payload Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export const PROBLEM_TYPE_BASE = 'https://routing-policy-gateway.dev/problems/';

export function problemTitle(status: number): string {
  return TITLES[status] ?? (status >= 500 ? 'Server Error' : 'Client Error');
}

/** What a problem answers, before the request's `instance` and `requestId` are added. */
export interface ProblemSpec {
  status: number;
  /** The problem type's last path segment (the `type` URI is PROBLEM_TYPE_BASE + slug). */
  slug: string;
  detail: string;
  /** The fields at fault (validation problems). */
  errors?: FieldError[];
  /** Members added to the problem body (e.g. `checks` of a readiness problem). */
  extra?: Record<string, unknown>;
  /** Response headers sent with the problem (e.g. `retry-after`). */
  headers?: Record<string, string>;
}

/** An RFC 9457 problem; thrown anywhere, rendered as application/problem+json by ProblemExceptionFilter. */
export class ProblemException extends HttpException {
  readonly slug: string;
  readonly detail: string;
  readonly errors?: FieldError[];
  readonly extra?: Record<string, unknown>;
  readonly headers?: Record<string, string>;

  constructor(spec: ProblemSpec) {
    super(spec.detail, spec.status);
    this.slug = spec.slug;
    this.detail = spec.detail;
    this.errors = spec.errors;
    this.extra = spec.extra;
    this.headers = spec.headers;
  }

  static validation(errors: FieldError[], detail = 'The request is invalid.'): ProblemException {
    return new ProblemException({ status: HttpStatus.BAD_REQUEST, slug: 'validation-failed', detail, errors });
  }

  static unprocessable(errors: FieldError[], detail: string): ProblemException {
    return new ProblemException({ status: HttpStatus.UNPROCESSABLE_ENTITY, slug: 'unprocessable', detail, errors });
  }

  static notFound(detail: string): ProblemException {
    return new ProblemException({ status: HttpStatus.NOT_FOUND, slug: 'not-found', detail });
  }
}

/** Name of the constraint behind IsOptionalNonNull(): when it fails, it is the field's only message. */
export const NOT_NULL_CONSTRAINT = 'notNull';

/** Flattens class-validator errors into `[{path, message}]`, with array items as `name[0]`. */
export function flattenValidationErrors(errors: ValidationError[], prefix = ''): FieldError[] {
  const out: FieldError[] = [];
  for (const error of errors) {
    const key = /^\d+$/.test(error.property) ? `[${error.property}]` : error.property;
    const path = prefix ? (key.startsWith('[') ? `${prefix}${key}` : `${prefix}.${key}`) : key;
    const notNull = error.constraints?.[NOT_NULL_CONSTRAINT];
    // a null where a value is required: "must not be null" says it all (not also "must be a string", ...)
    for (const message of notNull ? [notNull] : Object.values(error.constraints ?? {})) {
      out.push({ path, message: message.startsWith(`${error.property} `) ? message.slice(error.property.length + 1) : message });
    }
    if (!notNull && error.children?.length) out.push(...flattenValidationErrors(error.children, path));
  }
  return out;
}
