import 'reflect-metadata';
import { INestApplication } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import type { OpenAPIObject } from '@nestjs/swagger';
import { IS_PUBLIC } from '../authn/public.decorator';
import { GatewayEnvironment } from '../config/gateway-environment';
import { createGateway } from '../create-gateway';
import { buildOpenApiDocument } from './openapi';

type Operation = {
  operationId?: string;
  requestBody?: { content?: Record<string, { schema?: unknown }> };
  responses?: Record<string, { content?: Record<string, { schema?: unknown }> }>;
  security?: unknown[];
};

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;
/** Answers whose meaning is the status itself: no content, a redirect, a protocol switch. */
const WITHOUT_BODY = new Set(['204', '302', '101']);
const TAKES_BODY = new Set(['post', 'put', 'patch']);

/**
 * Every problem of the document's operations, each naming `METHOD path (operationId)`, so a route
 * added anywhere in the gateway without full documentation fails this test by name.
 */
function undocumented(document: OpenAPIObject, isPublic: (operationId: string | undefined) => boolean): string[] {
  const problems: string[] = [];
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of METHODS) {
      const operation = (item as Record<string, Operation | undefined>)[method];
      if (!operation) continue;
      const name = `${method.toUpperCase()} ${path} (${operation.operationId ?? 'no operationId'})`;
      const responses = operation.responses ?? {};
      const successes = Object.keys(responses).filter((status) => /^2\d\d$/.test(status) || WITHOUT_BODY.has(status));
      if (successes.length === 0) problems.push(`${name}: no 2xx response`);
      for (const status of successes.filter((s) => !WITHOUT_BODY.has(s))) {
        const content = Object.entries(responses[status]?.content ?? {});
        if (content.length === 0) problems.push(`${name}: ${status} response has no content type and schema`);
        for (const [type, media] of content) if (!media.schema) problems.push(`${name}: ${status} ${type} has no schema`);
      }
      if (TAKES_BODY.has(method)) {
        const content = Object.entries(operation.requestBody?.content ?? {});
        if (content.length === 0) problems.push(`${name}: no request body schema`);
        for (const [type, media] of content) if (!media.schema) problems.push(`${name}: request body ${type} has no schema`);
      }
      if (!isPublic(operation.operationId)) {
        if (!responses['401']) problems.push(`${name}: authenticated but no 401 response`);
        if (!operation.security?.length && !document.security?.length) problems.push(`${name}: authenticated but no security requirement`);
      }
    }
  }
  return problems;
}

describe('the OpenAPI document', () => {
  let app: INestApplication;
  let document: OpenAPIObject;
  /** Controller class name → class, over every module, for reading @Public() off the handler. */
  const controllers = new Map<string, object>();

  const isPublic = (operationId: string | undefined): boolean => {
    // Swagger's operationId is `<Controller>_<method>`.
    const [controllerName, methodName] = (operationId ?? '').split('_', 2);
    const controller = controllers.get(controllerName ?? '') as { prototype: Record<string, unknown> } | undefined;
    if (!controller || !methodName) return false;
    const handler = controller.prototype[methodName];
    return (
      Reflect.getMetadata(IS_PUBLIC, controller) === true ||
      (typeof handler === 'function' && Reflect.getMetadata(IS_PUBLIC, handler) === true)
    );
  };

  beforeAll(async () => {
    // Never listens: nothing is sent to this address while the document is built.
    const env = Object.assign(new GatewayEnvironment(), { NATS_URL: 'nats://127.0.0.1:1', LOG_LEVEL: 'silent' });
    app = await createGateway(env);
    document = buildOpenApiDocument(app);
    for (const module of app.get(ModulesContainer).values()) {
      for (const wrapper of module.controllers.values()) {
        if (typeof wrapper.metatype === 'function') controllers.set(wrapper.metatype.name, wrapper.metatype);
      }
    }
  });

  afterAll(async () => {
    await app?.close();
  });

  it('documents every operation with response and request schemas and its 401', () => {
    expect(undocumented(document, isPublic)).toEqual([]);
  });

  it('knows the public routes from @Public() and the rest as authenticated', () => {
    expect(isPublic('AuthController_login')).toBe(true);
    expect(isPublic('HealthController_healthz')).toBe(true);
    expect(isPublic('UsersController_list')).toBe(false);
  });

  it('finds what it is meant to find', () => {
    const broken = {
      ...document,
      paths: {
        '/x': {
          post: { operationId: 'UsersController_create', responses: { '200': { description: 'no schema' } } },
          get: { operationId: 'UsersController_list', responses: { '204': { description: 'ok' } } },
        },
      },
    } as unknown as OpenAPIObject;
    expect(undocumented({ ...broken, security: [] }, isPublic)).toEqual([
      'GET /x (UsersController_list): authenticated but no 401 response',
      'GET /x (UsersController_list): authenticated but no security requirement',
      'POST /x (UsersController_create): 200 response has no content type and schema',
      'POST /x (UsersController_create): no request body schema',
      'POST /x (UsersController_create): authenticated but no 401 response',
      'POST /x (UsersController_create): authenticated but no security requirement',
    ]);
  });

  it('lists every page as { items, nextCursor }', () => {
    const listUsers = document.paths['/api/v1/users']?.get?.responses['200'] as { content: Record<string, { schema: unknown }> };
    const schema = listUsers.content['application/json']?.schema as { properties: Record<string, unknown>; required: string[] };
    expect(schema.required).toEqual(['items', 'nextCursor']);
    expect(schema.properties['items']).toEqual({ type: 'array', items: { $ref: '#/components/schemas/UserView' } });
    expect(schema.properties['nextCursor']).toMatchObject({ type: 'string', nullable: true });
  });

  it('documents every path parameter once, with the pattern or format the gateway checks', () => {
    const loose: string[] = [];
    for (const [path, item] of Object.entries(document.paths)) {
      // The native proxy's {path} is a Kubernetes path of any shape; the proxy checks its segments itself.
      for (const method of METHODS) {
        const operation = (
          item as Record<
            string,
            { parameters?: { name: string; in: string; schema?: { pattern?: string; format?: string } }[] } | undefined
          >
        )[method];
        if (!operation) continue;
        const inPath = (operation.parameters ?? []).filter(
          (p) => p.in === 'path' && !(path.startsWith('/api/v1/proxy/') && p.name === 'path'),
        );
        const templated = [...path.matchAll(/\{([^}]+)\}/g)]
          .map((m) => m[1])
          .filter((name) => !(path.startsWith('/api/v1/proxy/') && name === 'path'));
        if (
          inPath
            .map((p) => p.name)
            .sort()
            .join() !== [...templated].sort().join()
        )
          loose.push(`${method.toUpperCase()} ${path}: path parameters ${inPath.map((p) => p.name).join()} for ${templated.join()}`);
        for (const parameter of inPath) {
          if (!parameter.schema?.pattern && !parameter.schema?.format)
            loose.push(`${method.toUpperCase()} ${path}: {${parameter.name}} has neither pattern nor format`);
        }
      }
    }
    expect(loose).toEqual([]);
    const tenant = (document.paths['/api/v1/tenants/{tenant}']?.get?.parameters ?? []) as { name: string; schema: unknown }[];
    expect(tenant.find((p) => p.name === 'tenant')?.schema).toEqual({
      type: 'string',
      pattern: '^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$',
      maxLength: 63,
    });
    const token = (document.paths['/api/v1/tokens/{id}']?.delete?.parameters ?? []) as { name: string; schema: unknown }[];
    expect(token.find((p) => p.name === 'id')?.schema).toEqual({ type: 'string', format: 'uuid' });
    expect(Object.keys(document.paths['/api/v1/clusters/{cluster}']?.get?.responses ?? {})).toContain('400');
  });

  it('documents ?limit= and ?cursor= of a page list once each, from the page query', () => {
    for (const path of ['/api/v1/users', '/api/v1/clusters', '/api/v1/tenants']) {
      const parameters = (document.paths[path]?.get?.parameters ?? []) as { name: string; in: string }[];
      expect(
        parameters
          .filter((p) => p.in === 'query')
          .map((p) => p.name)
          .sort(),
      ).toEqual(['cursor', 'limit']);
    }
  });
});
