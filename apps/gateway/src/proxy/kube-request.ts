/**
 * What a Kubernetes API request is about, read from its method, path and query the way
 * kube-apiserver's RequestInfoFactory does (k8s.io/apiserver/pkg/endpoints/request/requestinfo.go),
 * so audit records name the same verb, resource and object as the member's own audit log.
 */
export interface KubeRequestInfo {
  /** False for discovery and other non-resource paths (/api, /apis/apps, /version, /healthz …). */
  isResourceRequest: boolean;
  /** get, list, watch, create, update, patch, delete, deletecollection; else the lower-case method. */
  verb: string;
  apiGroup: string;
  apiVersion: string;
  namespace: string;
  resource: string;
  subresource: string;
  name: string;
}

/** Namespace subresources: `/namespaces/<ns>/status` is the namespace's status, not a resource "status" in it. */
const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

/** Connect subresources that upgrade to a stream (audited like writes: they run code in the cluster). */
export const STREAM_SUBRESOURCES = new Set(['exec', 'attach', 'portforward']);

const READ_VERBS = new Set(['get', 'list', 'watch']);

const VERB_OF_METHOD: Record<string, string> = {
  POST: 'create',
  PUT: 'update',
  PATCH: 'patch',
  DELETE: 'delete',
  GET: 'get',
  HEAD: 'get',
};

/** `path` is the Kubernetes path (`/api/v1/...`), without the proxy prefix; `query` its query string. */
export function parseKubeRequest(method: string, path: string, query: URLSearchParams): KubeRequestInfo {
  const info: KubeRequestInfo = {
    isResourceRequest: false,
    verb: method.toLowerCase(),
    apiGroup: '',
    apiVersion: '',
    namespace: '',
    resource: '',
    subresource: '',
    name: '',
  };
  const parts = path.split('/').filter(Boolean).map(safeDecode);
  if (parts[0] !== 'api' && parts[0] !== 'apis') return info;
  let rest = parts.slice(1);
  if (parts[0] === 'apis') {
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
  info.resource = rest[0] ?? '';
  info.name = rest[1] ?? '';
  info.subresource = rest.slice(2).join('/');
  const watch = ['1', 'true'].includes(query.get('watch') ?? '');
  if (!info.name) {
    if (info.verb === 'get') info.verb = watch ? 'watch' : 'list';
    else if (info.verb === 'delete') info.verb = 'deletecollection';
  } else if (info.verb === 'get' && watch) {
    info.verb = 'watch';
  }
  return info;
}

/** Writes and stream connections are always audited; reads only when configured. */
export function isAudited(info: KubeRequestInfo, auditReads: boolean): boolean {
  if (!info.isResourceRequest) return false;
  if (STREAM_SUBRESOURCES.has(info.subresource)) return true;
  return auditReads || !READ_VERBS.has(info.verb);
}

/** Responses that must reach the client as the member writes them (watch events, followed logs). */
export function isStreamingRequest(info: KubeRequestInfo, query: URLSearchParams): boolean {
  const flag = (name: string) => ['1', 'true'].includes(query.get(name) ?? '');
  return info.verb === 'watch' || flag('watch') || flag('follow');
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
