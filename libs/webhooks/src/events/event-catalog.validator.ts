import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { CATALOG_EVENT_TYPES, eventSchemaName } from './event-catalog';

const CATALOG_ID = 'https://routing-policy-gateway.invalid/docs/webhooks.json';

/** What validateEvent says: `errors` empty when the body matches its type's schema. */
export interface EventValidation {
  valid: boolean;
  errors: string[];
}

/**
 * Validates webhook bodies against the JSON Schemas of a catalog document (createEventCatalogDocument or the served
 * /docs/webhooks.json), with Ajv (JSON Schema 2020-12, the dialect of OpenAPI 3.1). Strict (but for the type-style checks): an unknown keyword in the
 * catalog's schemas is an error, not ignored.
 */
export class EventCatalogValidator {
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(catalog: { components?: { schemas?: Record<string, unknown> } }) {
    const ajv = new Ajv2020({ strict: true, strictTypes: false, allErrors: true });
    addFormats(ajv);
    // OpenAPI's own words around the schemas (the $refs point into components/schemas)
    ajv.addVocabulary(['components', 'schemas']);
    ajv.addSchema({ $id: CATALOG_ID, components: { schemas: catalog.components?.schemas ?? {} } });
    for (const type of CATALOG_EVENT_TYPES) {
      const validate = ajv.getSchema(`${CATALOG_ID}#/components/schemas/${eventSchemaName(type)}`);
      if (!validate) throw new Error(`The catalog has no schema for ${type}`);
      this.validators.set(type, validate);
    }
  }

  /** Checks one body (parsed JSON) against the schema of its `type`; an unknown type is invalid. */
  validate(body: unknown): EventValidation {
    const type = (body as { type?: unknown } | null)?.type;
    const validate = typeof type === 'string' ? this.validators.get(type) : undefined;
    if (!validate) return { valid: false, errors: [`unknown event type ${JSON.stringify(type)}`] };
    const valid = validate(body);
    return { valid, errors: valid ? [] : (validate.errors ?? []).map(describe) };
  }
}

function describe(error: ErrorObject): string {
  return `${error.instancePath || '/'} ${error.message ?? error.keyword} ${JSON.stringify(error.params)}`;
}
