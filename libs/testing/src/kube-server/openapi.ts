// Enough of /openapi/v2 and /openapi/v3 for kubectl with default flags: the documents exist and
// advertise the fieldValidation query parameter, so kubectl 1.27+ leaves validation to the server
// (fieldValidation=Strict) instead of validating client-side against full schemas.
import { groupVersionString, ResourceRegistry, ResourceType } from './resources';

function gvPath(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

function definitionName(t: ResourceType): string {
  const g = t.group ? t.group.split('.').reverse().join('.') : 'core';
  return t.group && t.group.includes('.') ? `${g}.${t.version}.${t.kind}` : `io.k8s.api.${g}.${t.version}.${t.kind}`;
}

const FIELD_VALIDATION = {
  uniqueItems: true,
  type: 'string',
  description:
    'fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing unknown or duplicate fields.',
  name: 'fieldValidation',
  in: 'query',
};

function pathsFor(types: ResourceType[], _v3: boolean) {
  const paths: Record<string, unknown> = {};
  for (const t of types) {
    if (t.persisted === false) continue;
    const gvk = { group: t.group, version: t.version, kind: t.kind };
    const base = `/${gvPath(t.group, t.version)}${t.namespaced ? '/namespaces/{namespace}' : ''}/${t.plural}`;
    const op = (action: string, verb: string) => ({
      operationId: `${verb}${t.kind}`,
      'x-kubernetes-action': action,
      'x-kubernetes-group-version-kind': gvk,
      parameters: [FIELD_VALIDATION],
      responses: { '200': { description: 'OK' } },
    });
    paths[base] = {
      post: op('post', 'create'),
      get: { ...op('list', 'list'), parameters: [] },
    };
    paths[`${base}/{name}`] = {
      get: { ...op('get', 'read'), parameters: [] },
      put: op('put', 'replace'),
      patch: op('patch', 'patch'),
      delete: { ...op('delete', 'delete'), parameters: [] },
    };
  }
  return paths;
}

function definitions(types: ResourceType[]) {
  const defs: Record<string, unknown> = {};
  for (const t of types) {
    if (t.persisted === false) continue;
    defs[definitionName(t)] = {
      type: 'object',
      'x-kubernetes-group-version-kind': [{ group: t.group, version: t.version, kind: t.kind }],
      'x-kubernetes-preserve-unknown-fields': true,
    };
  }
  return defs;
}

export function openApiV2(registry: ResourceRegistry) {
  return {
    swagger: '2.0',
    info: { title: 'Kubernetes', version: 'v1.32.13' },
    paths: pathsFor([...registry.all()], false),
    definitions: definitions([...registry.all()]),
  };
}

/** /openapi/v3: one entry per group-version, each pointing at its document. */
export function openApiV3Index(registry: ResourceRegistry) {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  const seen = new Set<string>();
  for (const t of registry.all()) {
    const p = gvPath(t.group, t.version);
    if (seen.has(p)) continue;
    seen.add(p);
    paths[p] = {
      serverRelativeURL: `/openapi/v3/${p}?hash=${Buffer.from(groupVersionString(t.group, t.version)).toString('hex').slice(0, 16)}`,
    };
  }
  return { paths };
}

export function openApiV3Document(registry: ResourceRegistry, path: string) {
  const m = /^(?:api\/(v1)|apis\/([^/]+)\/([^/]+))$/.exec(path);
  if (!m) return undefined;
  const group = m[2] ?? '';
  const version = m[1] ?? m[3];
  const types = registry.inGroupVersion(group, version);
  if (!types.length) return undefined;
  const schemas: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(definitions(types))) schemas[k] = v;
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: 'v1.32.13' },
    paths: pathsFor(types, true),
    components: { schemas },
  };
}
