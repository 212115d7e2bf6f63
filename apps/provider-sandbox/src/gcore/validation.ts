import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import l7UpdateSchema from './l7-update.schema.json';
import type { L7Action, L7UpdateBody, LbUpdateBody } from './model';

/** `{field: [reasons]}` as in Gcore's ValidationError. */
export type InvalidFields = Record<string, string[]>;
export type Validated<T> = { ok: true; value: T } | { ok: false; invalidFields: InvalidFields };

export const REDIRECT_HTTP_CODES: readonly number[] = [301, 302, 303, 307, 308];

const ajv = new Ajv({ allErrors: true, strict: false });
ajv.addSchema(l7UpdateSchema);

function mustGet(ref: string): ValidateFunction {
  const fn = ajv.getSchema(ref);
  if (!fn) throw new Error(`schema ${ref} not found`);
  return fn;
}

/** The shared schema (oneOf of the four variants): the rule a body must pass. */
const validateL7Update = mustGet('gcore-l7-update');

/** One variant per action: used to explain a failure field by field. */
const L7_VARIANTS: Record<L7Action, ValidateFunction> = {
  REDIRECT_TO_URL: mustGet('gcore-l7-update#/definitions/UpdateL7PolicyRedirectToUrlSerializer'),
  REDIRECT_PREFIX: mustGet('gcore-l7-update#/definitions/UpdateL7PolicyRedirectPrefixSerializer'),
  REDIRECT_TO_POOL: mustGet('gcore-l7-update#/definitions/UpdateL7PolicyRedirectToPoolSerializer'),
  REJECT: mustGet('gcore-l7-update#/definitions/UpdateL7PolicyRejectSerializer'),
};

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function addReason(fields: InvalidFields, field: string, reason: string): void {
  (fields[field] ??= []).push(reason);
}

function jsonTypeName(v: unknown): string {
  if (Array.isArray(v)) return 'list';
  if (v === null) return 'null';
  return typeof v === 'object' ? 'dict' : typeof v;
}

/** Maps ajv errors to `{field: [reasons]}` using the first path segment as the field name. */
function toInvalidFields(errors: ErrorObject[] | null | undefined, fields: InvalidFields = {}): InvalidFields {
  for (const e of errors ?? []) {
    const segments = e.instancePath.split('/').slice(1);
    switch (e.keyword) {
      case 'required': {
        const missing = String((e.params as { missingProperty: string }).missingProperty);
        addReason(fields, [...segments, missing].join('.'), 'This field is required.');
        break;
      }
      case 'additionalProperties': {
        const extra = String((e.params as { additionalProperty: string }).additionalProperty);
        addReason(fields, [...segments, extra].join('.'), 'Unknown field.');
        break;
      }
      case 'pattern':
        addReason(fields, segments[0] ?? 'non_field_errors', `does not match pattern ${String((e.params as { pattern: string }).pattern)}`);
        break;
      case 'exclusiveMinimum': {
        const limit = Number((e.params as { limit: number }).limit);
        // Every exclusiveMinimum in the schema is on an integer field, so "> n" is ">= n+1".
        addReason(fields, segments[0] ?? 'non_field_errors', `must be >= ${limit + 1}`);
        break;
      }
      case 'anyOf':
      case 'oneOf':
        break; // the branch errors say more
      default:
        addReason(fields, segments.join('.') || 'non_field_errors', e.message ?? 'is invalid');
    }
  }
  return fields;
}

function checkHttpCode(body: Record<string, unknown>, fields: InvalidFields): void {
  const code = body.redirect_http_code;
  if (typeof code === 'number' && Number.isInteger(code) && !REDIRECT_HTTP_CODES.includes(code)) {
    addReason(fields, 'redirect_http_code', `"${code}" is not a valid choice. Allowed: ${REDIRECT_HTTP_CODES.join(', ')}.`);
  }
}

/**
 * Validates an L7 policy PATCH body against the shared schema, plus the allowed redirect codes.
 * `allowListenerId` (legacy PUT): a string `listener_id` is accepted and ignored.
 */
export function checkL7Update(input: unknown, allowListenerId = false): Validated<L7UpdateBody> {
  if (!isObj(input)) {
    return { ok: false, invalidFields: { non_field_errors: [`Invalid data. Expected a dictionary, but got ${jsonTypeName(input)}.`] } };
  }
  let body = input;
  const fields: InvalidFields = {};
  if (allowListenerId && 'listener_id' in body) {
    const { listener_id: listenerId, ...rest } = body;
    if (typeof listenerId !== 'string') addReason(fields, 'listener_id', 'must be string');
    body = rest;
  }
  checkHttpCode(body, fields);
  if (validateL7Update(body) && Object.keys(fields).length === 0) {
    return { ok: true, value: body as unknown as L7UpdateBody };
  }
  const action = body.action;
  if (action === undefined) {
    addReason(fields, 'action', 'This field is required.');
  } else if (typeof action !== 'string' || !(action in L7_VARIANTS)) {
    // eslint-disable-next-line @typescript-eslint/no-base-to-string -- echoes whatever was sent, as Gcore does
    addReason(fields, 'action', `"${String(action)}" is not a valid choice.`);
  } else {
    const variant = L7_VARIANTS[action as L7Action];
    if (!variant(body)) toInvalidFields(variant.errors, fields);
  }
  if (Object.keys(fields).length === 0) addReason(fields, 'non_field_errors', 'Invalid data.');
  return { ok: false, invalidFields: fields };
}

const nullable = (type: string): { type: string[] } => ({ type: [type, 'null'] });

function lbUpdateSchema(v2: boolean): object {
  const properties: Record<string, unknown> = {
    name: { type: 'string', minLength: 1 },
    logging: {
      type: 'object',
      additionalProperties: false,
      properties: {
        enabled: { type: 'boolean' },
        topic_name: nullable('string'),
        destination_region_id: nullable('integer'),
        retention_policy: {
          type: ['object', 'null'],
          additionalProperties: false,
          required: ['period'],
          properties: { period: nullable('integer') },
        },
      },
    },
    preferred_connectivity: { enum: ['L2', 'L3'] },
    tags: { type: ['object', 'null'], additionalProperties: nullable('string') },
  };
  if (v2) properties.admin_state_up = { type: 'boolean' };
  return { type: 'object', additionalProperties: false, properties };
}

const validateLbV1 = ajv.compile(lbUpdateSchema(false));
const validateLbV2 = ajv.compile(lbUpdateSchema(true));

/** Validates a load balancer PATCH body (v1, or v2 with admin_state_up). */
export function checkLbUpdate(input: unknown, v2: boolean): Validated<LbUpdateBody> {
  if (!isObj(input)) {
    return { ok: false, invalidFields: { non_field_errors: [`Invalid data. Expected a dictionary, but got ${jsonTypeName(input)}.`] } };
  }
  const validate = v2 ? validateLbV2 : validateLbV1;
  if (validate(input)) return { ok: true, value: input };
  const fields = toInvalidFields(validate.errors);
  if (Object.keys(fields).length === 0) addReason(fields, 'non_field_errors', 'Invalid data.');
  return { ok: false, invalidFields: fields };
}

/** One line summary of invalid fields, used as the error `message`. */
export function summarize(fields: InvalidFields): string {
  return Object.entries(fields)
    .map(([f, reasons]) => `${f}: ${reasons.join(' ')}`)
    .join('; ');
}
