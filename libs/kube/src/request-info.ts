/**
 * What a Kubernetes API request is about, read from its method, path and query the way
 * kube-apiserver's RequestInfoFactory does (k8s.io/apiserver/pkg/endpoints/request/requestinfo.go).
 * The API test server authorizes and audits by it; the gateway's proxy audits by it, so both name
 * the same verb, resource and object as a member's own audit log.
 */
export interface RequestInfo {
  /** False for discovery and other non-resource paths (/api, /apis/apps, /version, /healthz …). */
  isResourceRequest: boolean;
  path: string;
  /** get, list, watch, create, update, patch, delete, deletecollection; else the lower-case method. */
  verb: string;
  /** `api` or `apis` for API paths, else empty. */
  apiPrefix: string;
  apiGroup: string;
  apiVersion: string;
  namespace: string;
  resource: string;
  subresource: string;
  name: string;
  /** The segments from the resource on: resource, name, subresource, and any further path. */
  parts: string[];
}

/** Namespace subresources: `/namespaces/<ns>/status` is the namespace's status, not a resource "status" in it. */
const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

const VERB_OF_METHOD: Record<string, string> = {
  POST: 'create',
  PUT: 'update',
  PATCH: 'patch',
  DELETE: 'delete',
  GET: 'get',
  HEAD: 'get',
};

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** `path` is the Kubernetes path (`/api/v1/...`) as sent, `query` its query string. */
export function parseRequestInfo(method: string, path: string, query: URLSearchParams): RequestInfo {
  const info: RequestInfo = {
    isResourceRequest: false,
    path,
    verb: method.toLowerCase(),
    apiPrefix: '',
    apiGroup: '',
    apiVersion: '',
    namespace: '',
    resource: '',
    subresource: '',
    name: '',
    parts: [],
  };
  // Go's net/url hands the apiserver a decoded path: `cube%3Amember` names the ClusterRole `cube:member`.
  const segments = path.split('/').filter(Boolean).map(decodeSegment);
  const prefix = segments[0];
  if (prefix !== 'api' && prefix !== 'apis') return info;
  info.apiPrefix = prefix;
  let rest = segments.slice(1);
  if (prefix === 'apis') {
    if (rest.length < 1) return info;
    info.apiGroup = rest[0] ?? '';
    rest = rest.slice(1);
  }
  if (rest.length < 1) return info;
  info.apiVersion = rest[0] ?? '';
  rest = rest.slice(1);
  if (rest.length < 1) return info;
  info.isResourceRequest = true;
  info.verb = VERB_OF_METHOD[method.toUpperCase()] ?? method.toLowerCase();
  // The deprecated /watch/ prefix (GET /api/v1/watch/namespaces/x/pods).
  if (rest[0] === 'watch') {
    info.verb = 'watch';
    rest = rest.slice(1);
  }
  if (rest[0] === 'namespaces' && rest.length >= 2) {
    info.namespace = rest[1] ?? '';
    if (rest.length > 2 && !NAMESPACE_SUBRESOURCES.has(rest[2] ?? '')) rest = rest.slice(2);
  }
  info.parts = rest;
  info.resource = rest[0] ?? '';
  info.name = rest[1] ?? '';
  info.subresource = rest[2] ?? '';
  const watch = ['1', 'true'].includes(query.get('watch') ?? '');
  if (!info.name) {
    if (info.verb === 'get') info.verb = watch ? 'watch' : 'list';
    else if (info.verb === 'delete') info.verb = 'deletecollection';
  } else if (info.verb === 'get' && watch) {
    info.verb = 'watch';
  }
  return info;
}
