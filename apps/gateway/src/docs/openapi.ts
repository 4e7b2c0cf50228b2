import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { CUBE_VERSION } from '@cube/observability';
import { addProxyPaths } from '../proxy/proxy-openapi';

export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Cube API')
    .setDescription('REST API of Cube, the multi-cluster, multi-tenant Kubernetes platform (see API.md).')
    .setVersion(CUBE_VERSION)
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
    .build();
  return addProxyPaths(SwaggerModule.createDocument(app, config));
}

/** Serves the UI at /api/docs and the document at /api/docs/openapi.json. */
export function serveOpenApi(app: INestApplication): void {
  SwaggerModule.setup('api/docs', app, () => buildOpenApiDocument(app), {
    jsonDocumentUrl: 'api/docs/openapi.json',
    yamlDocumentUrl: 'api/docs/openapi.yaml',
  });
}
