/**
 * The event catalog: an entry for every event type the code emits (found in the sources, not listed by hand), examples
 * that match their schemas, and the OpenAPI 3.0 → 3.1 schema conversion. (The e2e spec lints the served document and
 * checks real deliveries against it.)
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EVENT_TYPES } from '@rpg/operations';
import { SUBSCRIBABLE_EVENTS } from '../dtos/webhook-subscription.dto';
import { CATALOG_EVENT_TYPES, EVENT_EXAMPLES, createEventCatalogDocument, toJsonSchema2020 } from './event-catalog';
import { EventCatalogValidator } from './event-catalog.validator';

const ROOT = join(__dirname, '..', '..', '..', '..');
const API_DOCUMENT = JSON.parse(readFileSync(join(ROOT, 'libs/client/openapi.json'), 'utf8'));

/** Every non-test TypeScript source of the services and libraries. */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return ['node_modules', 'dist', 'console'].includes(entry.name) ? [] : sources(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [path] : [];
  });
}

/**
 * The event types the code emits: each `type:` of an event built in the sources, as an EVENT_TYPES member or as a
 * dotted string literal (an event someone adds without EVENT_TYPES is found too).
 */
function emittedEventTypes(): Map<string, string[]> {
  const found = new Map<string, string[]>();
  const EMITTED = /\btype:\s*(?:EVENT_TYPES\.(\w+)|'([a-z][a-z-]*(?:\.[a-z-]+)+)')/g;
  for (const file of [...sources(join(ROOT, 'libs')), ...sources(join(ROOT, 'apps'))]) {
    for (const [, member, literal] of readFileSync(file, 'utf8').matchAll(EMITTED)) {
      const type = member ? (EVENT_TYPES as Record<string, string>)[member] : literal;
      found.set(type, [...(found.get(type) ?? []), file.slice(ROOT.length + 1)]);
    }
  }
  return found;
}

describe('webhook event catalog', () => {
  const catalog = createEventCatalogDocument(API_DOCUMENT) as any;

  it('has an entry for every event type the code emits, and for every subscribable one', () => {
    const emitted = emittedEventTypes();
    // where they are built today: the operation events and the test event
    expect([...emitted.keys()].sort()).toEqual(['operation.completed', 'operation.target.completed', 'webhook.test']);
    for (const [type, files] of emitted) expect({ type, files, inCatalog: type in catalog.webhooks }).toEqual({ type, files, inCatalog: true });
    for (const type of SUBSCRIBABLE_EVENTS.filter((t) => t !== '*')) expect(catalog.webhooks[type]).toBeDefined();
    expect(Object.keys(catalog.webhooks).sort()).toEqual([...CATALOG_EVENT_TYPES].sort());
  });

  it('documents the Standard Webhooks headers and the optional W3C trace context on every event', () => {
    for (const type of CATALOG_EVENT_TYPES) {
      const names = catalog.webhooks[type].post.parameters.map((p: { $ref: string }) => catalog.components.parameters[p.$ref.split('/').pop()!]);
      expect(names.map((p: { name: string; required: boolean }) => [p.name, p.required])).toEqual([
        ['webhook-id', true],
        ['webhook-timestamp', true],
        ['webhook-signature', true],
        ['traceparent', false],
        ['tracestate', false],
      ]);
    }
  });

  it('has examples that match their schemas (and the schemas refuse a wrong body)', () => {
    const validator = new EventCatalogValidator(catalog);
    for (const type of CATALOG_EVENT_TYPES) {
      const examples = catalog.webhooks[type].post.requestBody.content['application/json'].examples;
      expect(examples).toEqual(EVENT_EXAMPLES[type]);
      for (const [name, example] of Object.entries(EVENT_EXAMPLES[type])) {
        expect({ type, name, ...validator.validate(example.value) }).toEqual({ type, name, valid: true, errors: [] });
        expect(example.value.type).toBe(type);
      }
    }
    const test = EVENT_EXAMPLES['webhook.test'].test.value;
    expect(validator.validate({ ...test, extra: 1 }).valid).toBe(false);
    expect(validator.validate({ ...test, type: 'operation.completed' }).valid).toBe(false);
    expect(validator.validate({ ...test, type: 'unknown.event' })).toEqual({ valid: false, errors: ['unknown event type "unknown.event"'] });
    const target = EVENT_EXAMPLES['operation.target.completed'].succeeded.value as any;
    expect(validator.validate({ ...target, data: { ...target.data, result: { ...target.data.result, status: 'DONE' } } }).valid).toBe(false);
  });

  it('converts the API document’s OpenAPI 3.0 schemas to JSON Schema 2020-12', () => {
    expect(toJsonSchema2020({ type: 'string', nullable: true, example: 'x' })).toEqual({ type: ['string', 'null'], examples: ['x'] });
    expect(toJsonSchema2020({ type: 'string', enum: ['A'], nullable: true })).toEqual({ type: ['string', 'null'], enum: ['A', null] });
    expect(toJsonSchema2020({ description: 'd', nullable: true, allOf: [{ $ref: '#/x' }] })).toEqual({
      description: 'd',
      anyOf: [{ allOf: [{ $ref: '#/x' }] }, { type: 'null' }],
    });
    expect(toJsonSchema2020({ oneOf: [{ type: 'string' }] })).toEqual({ anyOf: [{ type: 'string' }] });
    expect(toJsonSchema2020({ properties: { example: { type: 'string' }, nullable: { type: 'boolean' } } })).toEqual({
      properties: { example: { type: 'string' }, nullable: { type: 'boolean' } },
    });
    expect(JSON.stringify(catalog.components.schemas)).not.toMatch(/"nullable":|"example":/);
  });
});
