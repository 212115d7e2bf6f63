/**
 * The catalog of the outbound webhook events: an OpenAPI 3.1 document whose `webhooks` section has one entry per event
 * type (served at /docs/webhooks.json; the typed client's event types are generated from it). This file is the one place
 * where event payloads are described: the envelope and the `data` of `operation.target.completed` and `webhook.test`
 * here, the operation and its results by the same DTO schemas as the REST API (taken from the gateway's OpenAPI document
 * and converted to JSON Schema 2020-12), so the catalog cannot drift from what the API shows.
 */
import { STANDARD_WEBHOOK_RETRY_DELAYS_MS } from '@rpg/config';
import { EVENT_TYPES } from '@rpg/operations';
import { WEBHOOK_ATTEMPT_TIMEOUT_MS } from '../usecases/deliver-webhook/deliver-webhook.usecase';
import { EVENT_EXAMPLES } from './event-catalog.examples';

export { EVENT_EXAMPLES };

/** Every event type the gateway sends (EVENT_TYPES of @rpg/operations): each has a catalog entry. */
export const CATALOG_EVENT_TYPES = Object.values(EVENT_TYPES);
export type CatalogEventType = (typeof CATALOG_EVENT_TYPES)[number];

/** Where the gateway serves the catalog (public, like /docs). */
export const EVENT_CATALOG_PATH = '/docs/webhooks.json';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };
/** The part of an OpenAPI document the catalog reads: its component schemas (OpenAPI 3.0 dialect, as @nestjs/swagger writes). */
export interface OpenApiComponentsSource {
  components?: { schemas?: Record<string, unknown> };
}

const REF = (name: string): JsonObject => ({ $ref: `#/components/schemas/${name}` });

// ------------------------------------------------------------------------------------------------------------ schemas

/** Event ids: derived from the operation (and target index) for operation events, sortable random for a test event. */
const EVENT_ID_PATTERNS: Record<CatalogEventType, string> = {
  [EVENT_TYPES.operationCompleted]: '^evt_[0-9A-HJKMNP-TV-Z]{26}_done$',
  [EVENT_TYPES.targetCompleted]: '^evt_[0-9A-HJKMNP-TV-Z]{26}_t[0-9]+(_c)?$',
  [EVENT_TYPES.test]: '^evt_[0-9A-HJKMNP-TV-Z]{26}$',
};

const EVENT_SCHEMA_NAMES: Record<CatalogEventType, string> = {
  [EVENT_TYPES.operationCompleted]: 'OperationCompletedEvent',
  [EVENT_TYPES.targetCompleted]: 'OperationTargetCompletedEvent',
  [EVENT_TYPES.test]: 'WebhookTestEvent',
};

const EVENT_DESCRIPTIONS: Record<CatalogEventType, { summary: string; description: string; data: string }> = {
  [EVENT_TYPES.operationCompleted]: {
    summary: 'An operation reached a terminal status',
    description:
      'Sent once per operation when it reaches a terminal status (SUCCEEDED, FAILED, PARTIALLY_SUCCEEDED, ROLLED_BACK or ' +
      'ROLLBACK_FAILED), after the `operation.target.completed` event of every one of its targets (and of every ended ' +
      'compensation) on the same endpoint. Reverts (`revertOf` set) and staged rollouts send it too. ' +
      'Event id: `evt_<operation id without op_>_done`.',
    data: 'The operation, as GET /v1/operations/{id} shows it (credential fields masked).',
  },
  [EVENT_TYPES.targetCompleted]: {
    summary: 'A target of an operation ended',
    description:
      'Sent for each target when it ends: SUCCEEDED, FAILED, or CANCELLED (a staged rollout stopped before it, error code ' +
      '`CANCELLED_BY_ROLLOUT`). Event id: `evt_<operation id without op_>_t<index>`. A staged rollout with onFailure ' +
      '`revert` sends a second event for each target whose compensation ended (`result.compensation.status` SUCCEEDED, ' +
      'FAILED or SKIPPED), with event id `evt_<operation id without op_>_t<index>_c`.',
    data: "`operationId`, the operation's `reference` (absent or null when it has none) and the target's `result`.",
  },
  [EVENT_TYPES.test]: {
    summary: 'A test event',
    description:
      'Sent by `POST /v1/webhook-subscriptions/{id}/test` to that one subscription, whatever event types it subscribed to. ' +
      'It belongs to no operation (no ordering lane): use it to check your endpoint and signature verification.',
    data: 'The subscription it was sent to and a fixed message.',
  },
};

function dataSchema(type: CatalogEventType): JsonObject {
  switch (type) {
    case EVENT_TYPES.operationCompleted:
      return { ...REF('OperationDto'), description: EVENT_DESCRIPTIONS[type].data };
    case EVENT_TYPES.targetCompleted:
      return REF('OperationTargetCompletedData');
    case EVENT_TYPES.test:
      return REF('WebhookTestData');
  }
}

function eventSchema(type: CatalogEventType): JsonObject {
  return {
    type: 'object',
    description: `The body of a \`${type}\` webhook. ${EVENT_DESCRIPTIONS[type].summary}.`,
    properties: {
      id: {
        type: 'string',
        pattern: EVENT_ID_PATTERNS[type],
        description: 'The event id, the same as the `webhook-id` header (and the same on every retry): dedupe by it.',
      },
      type: { type: 'string', const: type, description: 'The event type.' },
      timestamp: { type: 'string', format: 'date-time', description: 'When the event happened (ISO-8601, UTC); not the time of this attempt.' },
      data: dataSchema(type),
    },
    required: ['id', 'type', 'timestamp', 'data'],
    additionalProperties: false,
  };
}

/** The schemas the catalog defines itself (the operation's come from the API document). */
function eventSchemas(): Record<string, JsonObject> {
  const schemas: Record<string, JsonObject> = {
    OperationTargetCompletedData: {
      type: 'object',
      description: EVENT_DESCRIPTIONS[EVENT_TYPES.targetCompleted].data,
      properties: {
        operationId: { type: 'string', pattern: '^op_[0-9A-HJKMNP-TV-Z]{26}$', description: 'The operation the target belongs to.' },
        reference: { type: ['string', 'null'], description: "The operation's `reference`, as the client sent it." },
        result: { ...REF('OperationResultDto'), description: "The target's result, as in the operation's `results`." },
      },
      required: ['operationId', 'result'],
      additionalProperties: false,
    },
    WebhookTestData: {
      type: 'object',
      description: EVENT_DESCRIPTIONS[EVENT_TYPES.test].data,
      properties: {
        subscriptionId: { type: 'string', pattern: '^whs_', description: 'The subscription the test was sent to.' },
        message: { type: 'string', const: 'This is a test event.' },
      },
      required: ['subscriptionId', 'message'],
      additionalProperties: false,
    },
  };
  for (const type of CATALOG_EVENT_TYPES) schemas[EVENT_SCHEMA_NAMES[type]] = eventSchema(type);
  return schemas;
}

/** The schema name of one event type's body in the catalog. */
export function eventSchemaName(type: CatalogEventType): string {
  return EVENT_SCHEMA_NAMES[type];
}

// ------------------------------------------------------------------------------------------- OpenAPI 3.0 → JSON Schema

/**
 * One @nestjs/swagger (OpenAPI 3.0) schema as OpenAPI 3.1 / JSON Schema 2020-12: `nullable` becomes a `null` type (or
 * an `anyOf` with null around a reference), `example` becomes `examples`. A `oneOf` without a discriminator becomes
 * `anyOf`: the API's unions (a result's `changes`) are chosen by the target's kind, not by their own shape, and a
 * change of `name` alone fits the changes of every Gcore kind, which `oneOf` would refuse. The rest is the same in both.
 */
export function toJsonSchema2020(schema: unknown): Json {
  if (Array.isArray(schema)) return schema.map(toJsonSchema2020);
  if (!schema || typeof schema !== 'object') return schema as Json;
  const out: JsonObject = {};
  let nullable = false;
  for (const [key, value] of Object.entries(schema as Record<string, unknown>)) {
    if (key === 'nullable') nullable = value === true;
    else if (key === 'example') out.examples = [value as Json];
    else if (key === 'oneOf' && !('discriminator' in schema)) out.anyOf = toJsonSchema2020(value);
    else if (key === 'properties' && value && typeof value === 'object')
      out.properties = Object.fromEntries(Object.entries(value).map(([name, s]) => [name, toJsonSchema2020(s)]));
    else if (typeof value === 'object' && value !== null) out[key] = toJsonSchema2020(value);
    else out[key] = value as Json;
  }
  if (!nullable) return out;
  if (typeof out.type === 'string') {
    out.type = [out.type, 'null'];
    if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
    return out;
  }
  const { description, ...rest } = out;
  return { ...(description !== undefined ? { description } : {}), anyOf: [rest, { type: 'null' }] };
}

/** The names `root` refers to, transitively (itself included). */
function referenced(schemas: Record<string, unknown>, roots: string[]): Set<string> {
  const seen = new Set<string>();
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(visit);
    if (!value || typeof value !== 'object') return;
    for (const [key, v] of Object.entries(value)) {
      if (key === '$ref' && typeof v === 'string' && v.startsWith('#/components/schemas/')) add(v.slice('#/components/schemas/'.length));
      else visit(v);
    }
  };
  const add = (name: string): void => {
    if (seen.has(name)) return;
    seen.add(name);
    if (!(name in schemas)) throw new Error(`The event catalog refers to schema ${name}, which the API document does not define`);
    visit(schemas[name]);
  };
  roots.forEach(add);
  return seen;
}

// ------------------------------------------------------------------------------------------------------------ document

const HEADER_PARAMETERS: Record<string, JsonObject> = {
  WebhookId: {
    name: 'webhook-id',
    in: 'header',
    required: true,
    description: "The event id (the body's `id`), the same on every retry and replay of this event: dedupe by it.",
    schema: { type: 'string' },
    example: 'evt_01KBG2N6Q9X4TTR8M3ZC5V7WQE_done',
  },
  WebhookTimestamp: {
    name: 'webhook-timestamp',
    in: 'header',
    required: true,
    description: 'Unix seconds of this attempt (a retry has a new one). Reject a timestamp more than 5 minutes off your clock.',
    schema: { type: 'string', pattern: '^[0-9]+$' },
    example: '1796206505',
  },
  WebhookSignature: {
    name: 'webhook-signature',
    in: 'header',
    required: true,
    description:
      'Space-separated `v1,<base64 HMAC-SHA256>` signatures of `<webhook-id>.<webhook-timestamp>.<raw body>`, keyed with the ' +
      'base64-decoded secret after `whsec_` (Standard Webhooks). During a secret rotation there are two: accept the request ' +
      'when any one matches. Verify over the raw bytes, before parsing the JSON.',
    schema: { type: 'string', pattern: '^v1,[A-Za-z0-9+/]+={0,2}( v1,[A-Za-z0-9+/]+={0,2})*$' },
    example: 'v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=',
  },
  Traceparent: {
    name: 'traceparent',
    in: 'header',
    required: false,
    description:
      'W3C trace context of the work that caused the event, when the gateway traces: continue the trace with it. Optional: ' +
      'never needed to process or verify the event (it is not signed).',
    schema: { type: 'string', pattern: '^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$' },
    example: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
  },
  Tracestate: {
    name: 'tracestate',
    in: 'header',
    required: false,
    description: 'W3C trace context: vendor-specific trace state that may accompany `traceparent`. Optional and not signed.',
    schema: { type: 'string' },
    example: 'rojo=00f067aa0ba902b7',
  },
};

/** A delay as people write it: 5 s, 5 min, 2 h. */
function duration(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  return `${ms / 1000} s`;
}

const DELIVERY_RULES =
  `Each event is POSTed as JSON with Standard Webhooks headers; only a 2xx answer within ${WEBHOOK_ATTEMPT_TIMEOUT_MS / 1000} s counts as delivered. ` +
  'Any other status, a timeout or a connection error is retried with the same `webhook-id` and body, after the delays of ' +
  `\`WEBHOOK_RETRY_DELAYS_MS\` (default ${STANDARD_WEBHOOK_RETRY_DELAYS_MS.map(duration).join(', ')}; each ±20 %), or after \`Retry-After\` when the ` +
  'endpoint sends one; after the last attempt the delivery is FAILED and can be replayed. Redirects are not followed. ' +
  '410 Gone from a subscription endpoint disables the subscription (nothing more is sent to it). Delivery is at least once: dedupe by `webhook-id`. ' +
  'The events of one operation reach one endpoint one at a time, in order (each target event before the ' +
  '`operation.completed`); a delivery being retried holds back the later events of its operation for that endpoint. ' +
  'Events of different operations are not ordered against each other.';

const RESPONSES: JsonObject = {
  '2XX': { description: 'Delivered: the gateway records the attempt as SUCCEEDED and sends nothing more for this event.' },
  '410': {
    description:
      'Gone: the gateway disables the subscription (status DISABLED) and sends nothing more to it. (To a callbackUrl, 410 is retried like any other status.)',
  },
  default: { description: 'Any other status (or a timeout, a connection error, a redirect): retried per the delivery rules, honouring `Retry-After`.' },
};

/**
 * The catalog document, built from the gateway's OpenAPI document `api` (its component schemas describe the operation
 * and its results); `version`: the API's.
 */
export function createEventCatalogDocument(api: OpenApiComponentsSource, version = '1.0.0'): JsonObject {
  const apiSchemas = api.components?.schemas ?? {};
  const own = eventSchemas();
  const needed = referenced(apiSchemas, ['OperationDto', 'OperationResultDto']);
  const schemas: JsonObject = {};
  for (const name of [...needed].sort()) schemas[name] = toJsonSchema2020(apiSchemas[name]);
  Object.assign(schemas, own);

  const webhooks: JsonObject = {};
  for (const type of CATALOG_EVENT_TYPES) {
    const text = EVENT_DESCRIPTIONS[type];
    webhooks[type] = {
      post: {
        operationId: type.replace(/\.(\w)/g, (_m, c: string) => c.toUpperCase()),
        summary: text.summary,
        description: `${text.description}\n\n${DELIVERY_RULES}`,
        tags: [type === EVENT_TYPES.test ? 'Subscriptions' : 'Operations'],
        security: [],
        parameters: Object.keys(HEADER_PARAMETERS).map((name) => ({ $ref: `#/components/parameters/${name}` })),
        requestBody: {
          required: true,
          description: `The \`${type}\` event.`,
          content: { 'application/json': { schema: REF(EVENT_SCHEMA_NAMES[type]), examples: EVENT_EXAMPLES[type] } },
        },
        responses: RESPONSES,
      },
    };
  }

  return {
    openapi: '3.1.0',
    info: {
      title: 'Routing policy gateway: webhook events',
      version,
      summary: 'Every event the gateway POSTs to webhook subscriptions and callbackUrls.',
      description:
        'The outbound webhooks of the routing policy gateway, one entry per event type, each with its JSON Schema and examples. ' +
        'Subscribe with `POST /v1/webhook-subscriptions` (see the API at /docs), or pass `callbackUrl` with an update to get ' +
        "that operation's events (signed with its `callbackSecret`).\n\n" +
        'Every body is `{"id", "type", "timestamp", "data"}`. ' +
        DELIVERY_RULES +
        '\n\nThe typed client (`@routing-policy-gateway/client`) exports these event types, and `verifyWebhook` from ' +
        '`@routing-policy-gateway/client/webhooks` checks the signature and returns the typed event.',
      license: { name: 'UNLICENSED', identifier: 'LicenseRef-UNLICENSED' },
    },
    tags: [
      { name: 'Operations', description: 'Events of operations (updates and reverts), to subscriptions and callbackUrls.' },
      { name: 'Subscriptions', description: 'Events about a subscription itself.' },
    ],
    webhooks,
    components: { schemas, parameters: HEADER_PARAMETERS },
  };
}
