import { ProxyError } from './kube-status';

/**
 * The pure half of tenant-wide lists (TenantLists): Cube's own `continue` and `resourceVersion`
 * tokens, the merge of per-namespace answers into one List or Table, and the label/field selectors
 * applied locally to namespaces (a member may get its namespaces one by one, never list them).
 */

/** resourceVersion of each namespace a tenant-wide list or watch has read, by namespace name. */
export type NamespaceVersions = Record<string, string>;

/** Where a paged tenant-wide list goes on: this namespace (the first visible one at or after it), with the member's continue in it. */
export interface FanOutPosition {
  namespace: string;
  inner?: string;
  versions: NamespaceVersions;
}

const TOKEN_VERSION = 'cube.io/fan-out/v1';

interface EncodedContinue {
  v: typeof TOKEN_VERSION;
  ns: string;
  c?: string;
  rv: NamespaceVersions;
}

interface EncodedVersion {
  v: typeof TOKEN_VERSION;
  rv: NamespaceVersions;
}

function encode(value: EncodedContinue | EncodedVersion): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function decodeJson(token: string): Record<string, unknown> | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(token)) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function versionsOf(value: unknown): NamespaceVersions | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const versions: NamespaceVersions = {};
  for (const [namespace, version] of Object.entries(value)) {
    if (typeof version !== 'string') return undefined;
    versions[namespace] = version;
  }
  return versions;
}

export function encodeContinue(position: FanOutPosition): string {
  return encode({
    v: TOKEN_VERSION,
    ns: position.namespace,
    ...(position.inner ? { c: position.inner } : {}),
    rv: position.versions,
  });
}

/** A `continue` of a tenant-wide list; a 400 Status (as kube-apiserver answers a malformed one) otherwise. */
export function decodeContinue(token: string): FanOutPosition {
  const value = decodeJson(token);
  const versions = versionsOf(value?.['rv']);
  if (
    value?.['v'] !== TOKEN_VERSION ||
    typeof value['ns'] !== 'string' ||
    !versions ||
    (value['c'] !== undefined && typeof value['c'] !== 'string')
  )
    throw new ProxyError(400, 'continue key is not valid: not the continue token of a tenant-wide list');
  return { namespace: value['ns'], ...(typeof value['c'] === 'string' ? { inner: value['c'] } : {}), versions };
}

/** The list's `metadata.resourceVersion`: every namespace's own, so a watch resumes each where it was. */
export function encodeVersions(versions: NamespaceVersions): string {
  return encode({ v: TOKEN_VERSION, rv: versions });
}

/**
 * A `resourceVersion` the caller sent to a tenant-wide list or watch: Cube's per-namespace token, or
 * a member's own (numbers, "0", ""), which then goes to every namespace as it is (a member's
 * resourceVersions are one sequence across its namespaces).
 */
export function decodeVersions(resourceVersion: string): { each: NamespaceVersions } | { all: string } {
  const value = decodeJson(resourceVersion);
  const versions = versionsOf(value?.['rv']);
  if (value?.['v'] === TOKEN_VERSION && versions) return { each: versions };
  return { all: resourceVersion };
}

/** An answer of the member for one namespace: a List (`items`) or a Table (`rows`). */
export interface NamespaceAnswer {
  namespace: string;
  body: Record<string, unknown>;
}

export function listMetadata(body: Record<string, unknown>): { resourceVersion?: string; continue?: string } {
  const metadata = body['metadata'];
  if (typeof metadata !== 'object' || metadata === null) return {};
  const { resourceVersion, continue: next } = metadata as Record<string, unknown>;
  return {
    ...(typeof resourceVersion === 'string' ? { resourceVersion } : {}),
    ...(typeof next === 'string' && next ? { continue: next } : {}),
  };
}

export function entriesOf(body: Record<string, unknown>): unknown[] {
  const entries = body['kind'] === 'Table' ? body['rows'] : body['items'];
  return Array.isArray(entries) ? entries : [];
}

/**
 * One answer from many, in the order given (namespace by namespace, as kube-apiserver orders a
 * cluster-wide list: by namespace, then name). A Table keeps the first answer's columns. Without any
 * answer (a last page where nothing was left) the fallback says what the member would have answered.
 */
export function mergeAnswers(
  answers: NamespaceAnswer[],
  metadata: { resourceVersion: string; continue?: string },
  fallback: { kind: string; apiVersion: string; table: boolean },
): Record<string, unknown> {
  const first = answers[0]?.body;
  const meta = { resourceVersion: metadata.resourceVersion, ...(metadata.continue ? { continue: metadata.continue } : {}) };
  const entries = answers.flatMap((answer) => entriesOf(answer.body));
  if (first ? first['kind'] === 'Table' : fallback.table) {
    return {
      kind: 'Table',
      apiVersion: first?.['apiVersion'] ?? 'meta.k8s.io/v1',
      metadata: meta,
      columnDefinitions: first?.['columnDefinitions'] ?? [],
      rows: entries,
    };
  }
  return {
    kind: typeof first?.['kind'] === 'string' ? first['kind'] : fallback.kind,
    apiVersion: typeof first?.['apiVersion'] === 'string' ? first['apiVersion'] : fallback.apiVersion,
    metadata: meta,
    items: entries,
  };
}

/**
 * The Accept header for the member's per-namespace answers: the JSON forms the caller accepts
 * (Table or plain), without protobuf, which the proxy could not merge. Undefined when the caller
 * accepts JSON in no form (then there is nothing to fan out for it).
 */
export function jsonAccept(accept: string | undefined): string | undefined {
  if (!accept) return 'application/json';
  const kept = accept
    .split(',')
    .map((part) => part.trim())
    .filter((part) => {
      const type = (part.split(';')[0] ?? '').trim().toLowerCase();
      return type === 'application/json' || type === '*/*' || type === 'application/*';
    });
  return kept.length > 0 ? kept.join(',') : undefined;
}

/** Whether the caller asked for a Table (as kube-apiserver reads `as=Table;g=meta.k8s.io`). */
export function wantsTable(accept: string | undefined): boolean {
  return (accept ?? '').split(',').some((part) => {
    const params = part.split(';').map((param) => param.trim());
    return params.includes('as=Table') && params.includes('g=meta.k8s.io');
  });
}

type Requirement = (labels: Record<string, string>) => boolean;

/**
 * A label selector (`a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a`, `!a`, comma-joined),
 * as kube-apiserver parses it; a 400 for what it would refuse.
 */
export function parseLabelSelector(selector: string): Requirement[] {
  const requirements: Requirement[] = [];
  let rest = selector.trim();
  const bad = () => new ProxyError(400, `unable to parse requirement: found '${rest}', expected a label selector`);
  while (rest.length > 0) {
    let match: RegExpExecArray | null;
    if ((match = /^!\s*([A-Za-z0-9./_-]+)\s*(,|$)/.exec(rest))) {
      const key = match[1] ?? '';
      requirements.push((labels) => !(key in labels));
    } else if ((match = /^([A-Za-z0-9./_-]+)\s+(in|notin)\s*\(([^)]*)\)\s*(,|$)/.exec(rest))) {
      const key = match[1] ?? '';
      const values = new Set(
        (match[3] ?? '')
          .split(',')
          .map((value) => value.trim())
          .filter(Boolean),
      );
      const within = match[2] === 'in';
      requirements.push((labels) =>
        within ? key in labels && values.has(labels[key] ?? '') : !(key in labels) || !values.has(labels[key] ?? ''),
      );
    } else if ((match = /^([A-Za-z0-9./_-]+)\s*(==|=|!=)\s*([A-Za-z0-9._-]*)\s*(,|$)/.exec(rest))) {
      const key = match[1] ?? '';
      const value = match[3] ?? '';
      const equal = match[2] !== '!=';
      requirements.push((labels) => (equal ? key in labels && labels[key] === value : !(key in labels) || labels[key] !== value));
    } else if ((match = /^([A-Za-z0-9./_-]+)\s*(,|$)/.exec(rest))) {
      const key = match[1] ?? '';
      requirements.push((labels) => key in labels);
    } else {
      throw bad();
    }
    rest = rest.slice(match[0].length).trim();
  }
  return requirements;
}

/** Fields a namespace may be selected by (kube-apiserver's namespace field set). */
const NAMESPACE_FIELDS: Record<string, (namespace: Record<string, unknown>) => string> = {
  'metadata.name': (ns) => String((ns['metadata'] as Record<string, unknown> | undefined)?.['name'] ?? ''),
  'status.phase': (ns) => String((ns['status'] as Record<string, unknown> | undefined)?.['phase'] ?? ''),
};

/** A field selector on namespaces (`f=v`, `f==v`, `f!=v`, comma-joined); a 400 as kube-apiserver answers an unknown field. */
export function parseNamespaceFieldSelector(selector: string): ((namespace: Record<string, unknown>) => boolean)[] {
  return selector
    .split(',')
    .map((term) => term.trim())
    .filter(Boolean)
    .map((term) => {
      const match = /^([^=!]+?)\s*(==|=|!=)\s*(.*)$/.exec(term);
      if (!match) throw new ProxyError(400, `invalid selector: '${selector}'; can't understand '${term}'`);
      const field = match[1] ?? '';
      const read = NAMESPACE_FIELDS[field];
      if (!read) throw new ProxyError(400, `"${field}" is not a known field selector: only "metadata.name", "status.phase"`);
      const value = match[3] ?? '';
      const equal = match[2] !== '!=';
      return (namespace: Record<string, unknown>) => (read(namespace) === value) === equal;
    });
}

export function labelsOf(object: Record<string, unknown>): Record<string, string> {
  const labels = (object['metadata'] as Record<string, unknown> | undefined)?.['labels'];
  return typeof labels === 'object' && labels !== null ? (labels as Record<string, string>) : {};
}
