import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';

/** The OpenAPI 3 document of the gateway (served at /docs-json; the typed client in libs/client is generated from it). */
export function createOpenApiDocument(app: NestFastifyApplication): OpenAPIObject {
  return SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Routing policy gateway')
      .setDescription(
        'One API to update routing policies on Gcore Cloud (L7 policies, load balancers) and Apinizer (API proxy policies). ' +
          'Errors are RFC 9457 application/problem+json. ' +
          'Auth: `Authorization: Bearer <api key>` with scopes policies.write, policies.read, operations.read, webhooks.manage, admin.',
      )
      .setVersion('1.0.0')
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'An API key from API_KEYS' })
      .build(),
  );
}

/** The docs page at /docs, the document at /docs-json and /docs-yaml. */
export function serveOpenApi(app: NestFastifyApplication): void {
  SwaggerModule.setup('docs', app, createOpenApiDocument(app), { jsonDocumentUrl: 'docs-json', yamlDocumentUrl: 'docs-yaml' });
}
