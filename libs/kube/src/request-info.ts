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
  // requestinfo.go: a GET without a name is a list, or a watch when the query says so; a named GET
  // stays `get` whatever `watch` says (kubectl watches one object by list + metadata.name selector).
  if (!info.name && info.verb === 'get') {
    info.verb = queryFlag(query, 'watch') ? 'watch' : 'list';
    const name = exactFieldMatch(query.get('fieldSelector'), 'metadata.name');
    if (name !== undefined && isValidPathSegmentName(name)) info.name = name;
  }
  if (!info.name && info.verb === 'delete') info.verb = 'deletecollection';
  return info;
}

/**
 * A boolean query parameter as kube-apiserver decodes it (Convert_Slice_string_To_bool): absent is
 * false; `0` and `false` (any case) are false; any other value, the empty one included, is true.
 */
export function queryFlag(query: URLSearchParams, name: string): boolean {
  const value = query.get(name);
  if (value === null) return false;
  return value !== '0' && value.toLowerCase() !== 'false';
}

/** Splits on `separator` not escaped by a backslash (fields.ParseSelector's escaping). */
function splitUnescaped(text: string, separator: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (let index = 0; index < text.length; index++) {
    const char = text[index] ?? '';
    if (char === '\\' && index + 1 < text.length) {
      current += char + (text[index + 1] ?? '');
      index++;
    } else if (char === separator) {
      parts.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  parts.push(current);
  return parts;
}

/**
 * The value a field selector requires `field` to equal (`field=value` or `field==value` among its
 * and-ed terms), as fields.Selector.RequiresExactMatch; undefined when it requires none or does not parse.
 */
function exactFieldMatch(selector: string | null, field: string): string | undefined {
  if (!selector) return undefined;
  let match: string | undefined;
  for (const term of splitUnescaped(selector, ',')) {
    const parsed = /^(.*?)(!=|==|=)(.*)$/s.exec(term);
    if (!parsed) return undefined;
    const [, key = '', operator, value = ''] = parsed;
    if (key.trim() === '') return undefined;
    if (match === undefined && key.trim() === field && operator !== '!=') match = value.replace(/\\(.)/g, '$1');
  }
  return match;
}

/** path.IsValidPathSegmentName: a name that can stand as one path segment. */
function isValidPathSegmentName(name: string): boolean {
  return name !== '.' && name !== '..' && !name.includes('/') && !name.includes('%');
}
