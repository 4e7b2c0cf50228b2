// Property-based fuzzing of the gateway from its own OpenAPI document: every operation (the native
// proxy's pass-through aside) is driven with generated path parameters, query strings and bodies.
// Used by apps/cube-e2e/src/fuzz.spec.ts (bounded, in `npm test`) and `npm run drill -- fuzz` (long).
import { request as httpRequest } from 'node:http';
import fc from 'fast-check';

type Schema = {
  type?: string;
  $ref?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  enum?: unknown[];
  pattern?: string;
  format?: string;
  additionalProperties?: boolean | Schema;
  allOf?: Schema[];
};

interface OpenApiParameter {
  name: string;
  in: string;
  required?: boolean;
  schema?: Schema;
}

interface OpenApiOperation {
  operationId?: string;
  parameters?: OpenApiParameter[];
  requestBody?: { content?: Record<string, { schema?: Schema }> };
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, OpenApiOperation>>;
  components?: { schemas?: Record<string, Schema> };
}

export interface FuzzOperation {
  id: string;
  method: string;
  /** The path template, e.g. /api/v1/tenants/{tenant}. */
  template: string;
  pathParams: string[];
  query: { name: string; schema: Schema }[];
  body?: Schema;
}

export type Principal = 'admin' | 'user' | 'anonymous';

export interface FuzzRequest {
  operation: string;
  method: string;
  /** The raw request target as sent (already encoded). */
  path: string;
  principal: Principal;
  /** The raw body, or undefined for none. */
  body?: string;
  contentType?: string;
}

export interface FuzzResponse {
  status: number;
  text: string;
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];
const PROXY = '/api/v1/proxy/';
const URL_HUGE = 2500;

/**
 * The operations to fuzz. The native proxy forwards upstream bodies unchanged and the WebSocket
 * upgrades bridge streams, so neither is the gateway's own input handling (the proxy's own error
 * path is fuzzed separately, see `proxyErrorRequest`); the docs are static.
 */
export function operationsOf(document: OpenApiDocument): FuzzOperation[] {
  const operations: FuzzOperation[] = [];
  for (const [template, item] of Object.entries(document.paths)) {
    if (template.startsWith(PROXY) || template.startsWith('/api/docs')) continue;
    for (const method of METHODS) {
      const operation = item[method];
      if (!operation) continue;
      const parameters = operation.parameters ?? [];
      const media = operation.requestBody?.content?.['application/json'];
      operations.push({
        id: operation.operationId ?? `${method} ${template}`,
        method: method.toUpperCase(),
        template,
        pathParams: parameters.filter((p) => p.in === 'path').map((p) => p.name),
        query: parameters
          .filter((p) => p.in === 'query')
          .map((p) => ({ name: p.name, schema: resolve(document, p.schema ?? { type: 'string' }) })),
        ...(media?.schema ? { body: resolve(document, media.schema) } : {}),
      });
    }
  }
  return operations;
}

function resolve(document: OpenApiDocument, schema: Schema, depth = 0): Schema {
  if (depth > 8) return {};
  if (schema.$ref) {
    const name = schema.$ref.replace('#/components/schemas/', '');
    return resolve(document, document.components?.schemas?.[name] ?? {}, depth + 1);
  }
  if (schema.allOf) return schema.allOf.reduce<Schema>((merged, part) => ({ ...merged, ...resolve(document, part, depth + 1) }), {});
  const properties = schema.properties
    ? Object.fromEntries(Object.entries(schema.properties).map(([key, value]) => [key, resolve(document, value, depth + 1)]))
    : undefined;
  const items = schema.items ? resolve(document, schema.items, depth + 1) : undefined;
  return { ...schema, ...(properties ? { properties } : {}), ...(items ? { items } : {}) };
}

/** Strings that have broken web services before: NUL and other controls, dot segments, encodings, huge ones. */
const NASTY = [
  '',
  'a\u0000b',
  '\u0000',
  '..',
  '.',
  '../../etc/passwd',
  '%00',
  '%2e%2e',
  '%252e%252e',
  '%',
  '%zz',
  '%c0%ae',
  '\uffff',
  '\ud800',
  '😀',
  'é',
  'Ⅻ',
  ' ',
  '\t\r\n',
  "'; drop table users; --",
  '${jndi:ldap://x}',
  '{{cluster}}',
  'null',
  'true',
  '-1',
  '1e309',
  '0x10',
  'A',
  '-a',
  'a-',
];

/** A string worth sending where a name, id, or free text is expected. */
export function nastyString(known: readonly string[], huge = 70_000): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...NASTY) },
    { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
    { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
    { weight: 1, arbitrary: fc.integer({ min: 64, max: huge }).map((n) => 'x'.repeat(n)) },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: Math.ceil(huge / 20) }).map((n) => 'é\u0000'.repeat(n)) },
    { weight: 2, arbitrary: fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,20}[a-z0-9])?$/) },
    { weight: 1, arbitrary: fc.uuid() },
    { weight: 3, arbitrary: fc.constantFrom(...known) },
  );
}

/** A value for a schema: mostly of the declared type (to get past the first check), sometimes of any type. */
function valueFor(schema: Schema, known: readonly string[], depth = 0, huge = 70_000): fc.Arbitrary<unknown> {
  const anything = fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constant(null), nastyString(known, huge));
  const typed = ((): fc.Arbitrary<unknown> => {
    if (schema.enum) return fc.oneof(fc.constantFrom(...schema.enum), nastyString(known, huge));
    switch (schema.type) {
      case 'string':
        return schema.format === 'date-time'
          ? fc.oneof(
              fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
              fc.constantFrom('2026-13-45T99:99:99Z', '0000-00-00', '9999999-01-01T00:00:00Z'),
              nastyString(known),
            )
          : nastyString(known, huge);
      case 'integer':
      case 'number':
        return fc.oneof(fc.integer(), fc.double(), fc.constantFrom(0, -1, 2 ** 31, 2 ** 53, 1e308, 501), fc.string({ maxLength: 5 }));
      case 'boolean':
        return fc.oneof(fc.boolean(), fc.constantFrom('true', 'yes', 1));
      case 'array':
        return depth > 3 ? fc.constant([]) : fc.array(schema.items ? valueFor(schema.items, known, depth + 1) : anything, { maxLength: 4 });
      case 'object':
      default:
        if (depth > 3) return fc.constant({});
        return objectFor(schema, known, depth);
    }
  })();
  return fc.oneof({ weight: 5, arbitrary: typed }, { weight: 1, arbitrary: anything });
}

/** An object with some declared properties (required ones sometimes missing) and sometimes extra ones. */
function objectFor(schema: Schema, known: readonly string[], depth: number): fc.Arbitrary<Record<string, unknown>> {
  const properties = Object.entries(schema.properties ?? {});
  const declared = fc.record(Object.fromEntries(properties.map(([key, inner]) => [key, valueFor(inner, known, depth + 1)])), {
    requiredKeys: [],
  });
  const extra = fc.dictionary(
    fc.oneof(fc.constantFrom('admin', '__proto__', 'constructor', 'id', 'a\u0000'), fc.string({ maxLength: 8 })),
    fc.jsonValue({ maxDepth: 1 }),
    {
      maxKeys: 2,
    },
  );
  // Declared properties present most of the time, so runs get past "required" into the services.
  const mostlyComplete = fc.record(Object.fromEntries(properties.map(([key, inner]) => [key, valueFor(inner, known, depth + 1)])));
  return fc.oneof(
    { weight: 3, arbitrary: mostlyComplete as fc.Arbitrary<Record<string, unknown>> },
    { weight: 2, arbitrary: declared as fc.Arbitrary<Record<string, unknown>> },
    { weight: 1, arbitrary: fc.tuple(mostlyComplete, extra).map(([a, b]) => ({ ...b, ...a }) as Record<string, unknown>) },
  );
}

/**
 * A path segment as sent: percent-encoded as a client would, or raw (percent signs and dots kept,
 * so "%00", "%zz" and ".." reach the server as typed; only what HTTP forbids in a request line is escaped).
 */
function segment(value: string, raw: boolean): string {
  // Byte-wise, so lone surrogates (which encodeURIComponent refuses) go out as their UTF-8 replacement.
  return Array.from(Buffer.from(value, 'utf8'))
    .map((byte) => {
      const c = String.fromCharCode(byte);
      const keep = raw ? byte >= 0x21 && byte <= 0x7e && !'/?#'.includes(c) : /^[A-Za-z0-9\-_.~]$/.test(c);
      return keep ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    })
    .join('');
}

function queryPart(name: string, value: unknown, raw: boolean): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? '');
  return `${segment(name, raw)}=${segment(text, raw)}`;
}

/** One generated request for one operation. */
export function requestFor(operation: FuzzOperation, known: readonly string[]): fc.Arbitrary<FuzzRequest> {
  // URLs stay under Node's 16 KiB header limit (beyond it Node answers 431 before Cube sees anything).
  const params = fc.tuple(...operation.pathParams.map(() => fc.tuple(nastyString(known, URL_HUGE), fc.boolean())));
  const query = fc.array(
    fc.oneof(
      ...(operation.query.length > 0
        ? [fc.constantFrom(...operation.query).chain((q) => fc.tuple(fc.constant(q.name), valueFor(q.schema, known, 0, URL_HUGE)))]
        : []),
      fc.tuple(
        fc.constantFrom('limit', 'cursor', 'x', '__proto__', 'cascade', 'a[b]', 'a[0]', ''),
        valueFor({ type: 'string' }, known, 0, URL_HUGE),
      ),
    ),
    { maxLength: 4 },
  );
  const body: fc.Arbitrary<{ body?: string; contentType?: string }> = operation.body
    ? fc.oneof(
        {
          weight: 6,
          arbitrary: valueFor(operation.body, known).map((value) => ({
            body: JSON.stringify(value) ?? 'null',
            contentType: 'application/json',
          })),
        },
        {
          weight: 1,
          arbitrary: fc
            .constantFrom('{', '{"a":', '[]', '"x"', '1', 'null', '{"__proto__":{"admin":true}}', '{"name":"\\u0000"}')
            .map((text) => ({ body: text, contentType: 'application/json' })),
        },
        { weight: 1, arbitrary: fc.string({ maxLength: 30 }).map((text) => ({ body: text, contentType: 'text/plain' })) },
        { weight: 1, arbitrary: fc.constant({}) },
      )
    : fc.oneof(
        { weight: 5, arbitrary: fc.constant({}) },
        {
          weight: 1,
          arbitrary: fc
            .jsonValue({ maxDepth: 1 })
            .map((value) => ({ body: JSON.stringify(value) ?? 'null', contentType: 'application/json' })),
        },
      );
  const principal = fc.constantFrom<Principal>('admin', 'admin', 'user', 'anonymous');
  return fc.tuple(params, query, fc.boolean(), body, principal).map(([values, queryPairs, rawQuery, sent, who]) => {
    let path = operation.template;
    operation.pathParams.forEach((name, i) => {
      const [value, raw] = values[i] as [string, boolean];
      path = path.replace(`{${name}}`, segment(value, raw));
    });
    if (queryPairs.length > 0) path += `?${queryPairs.map(([name, value]) => queryPart(name, value, rawQuery)).join('&')}`;
    return { operation: operation.id, method: operation.method, path, principal: who, ...sent };
  });
}

/** The proxy's own error path: a cluster that is not a name, or not registered. Never forwarded anywhere. */
export function proxyErrorRequest(known: readonly string[]): fc.Arbitrary<FuzzRequest> {
  return fc
    .tuple(
      nastyString(known, URL_HUGE).filter((name) => !known.includes(name)),
      fc.boolean(),
      fc.constantFrom('GET', 'POST', 'DELETE'),
      fc.constantFrom<Principal>('admin', 'user', 'anonymous'),
    )
    .map(([cluster, raw, method, principal]) => ({
      operation: `proxy ${method} (own errors)`,
      method,
      path: `${PROXY}clusters/${segment(cluster, raw)}/api/v1/namespaces`,
      principal,
    }));
}

/** Sends a request as it is (no URL normalisation, unlike fetch, so ".." and "%zz" arrive as generated). */
export function send(baseUrl: string, request: FuzzRequest, token: string | undefined): Promise<FuzzResponse> {
  const url = new URL(baseUrl);
  return new Promise((resolveResponse, reject) => {
    const body = request.body === undefined ? undefined : Buffer.from(request.body, 'utf8');
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        method: request.method,
        path: request.path,
        headers: {
          ...(token ? { Authorization: `Bearer ${token}` } : {}),
          ...(body ? { 'Content-Type': request.contentType ?? 'application/json', 'Content-Length': String(body.length) } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolveResponse({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Printable form of a request for failure messages (long strings cut). */
export function describe(request: FuzzRequest): string {
  const cut = (s: string) => (s.length > 300 ? `${s.slice(0, 300)}…(${s.length} chars)` : s);
  return `${request.method} ${cut(request.path)} as ${request.principal}${request.body !== undefined ? ` body(${request.contentType}): ${cut(request.body)}` : ''}`;
}
