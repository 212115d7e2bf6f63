import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { EVENT_CATALOG_PATH, createEventCatalogDocument } from '@rpg/webhooks';

/** The OpenAPI 3 document of the gateway (served at /docs-json; the typed client in libs/client is generated from it). */
export function createOpenApiDocument(app: NestFastifyApplication): OpenAPIObject {
  return SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Routing policy gateway')
      .setDescription(
        'One API to update routing policies on Gcore Cloud (L7 policies, load balancers) and Apinizer (API proxy policies). ' +
          'Errors are RFC 9457 application/problem+json. ' +
          'Auth: `Authorization: Bearer <api key>` with scopes policies.write, policies.read, operations.read, webhooks.manage, admin.\n\n' +
          'Webhook events (what subscriptions and callbackUrls receive, with schemas and examples): ' +
          `the OpenAPI 3.1 catalog at [${EVENT_CATALOG_PATH}](${EVENT_CATALOG_PATH}).`,
      )
      .setVersion('1.0.0')
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'An API key from API_KEYS' })
      .build(),
  );
}

/**
 * The docs page at /docs, the document at /docs-json and /docs-yaml, and the webhook event catalog (OpenAPI 3.1
 * `webhooks`, built from the same document's schemas) at /docs/webhooks.json. All public, like the docs page.
 */
export function serveOpenApi(app: NestFastifyApplication): void {
  const document = createOpenApiDocument(app);
  const catalog = JSON.stringify(createEventCatalogDocument(document, document.info.version));
  app
    .getHttpAdapter()
    .getInstance()
    .get(EVENT_CATALOG_PATH, (_request, reply) => reply.type('application/json; charset=utf-8').send(catalog));
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json', yamlDocumentUrl: 'docs-yaml' });
}
