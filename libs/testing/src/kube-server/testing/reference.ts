// Loads ../shared/k8s-reference (real kube-apiserver v1.32 exchanges) and normalises bodies so a
// comparison ignores what legitimately differs between clusters: uids, timestamps, resourceVersions.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const REFERENCE_DIR = process.env.K8S_REFERENCE_DIR ?? '/work/shared/k8s-reference';

export interface ReferenceExchange {
  request: string;
  status: number;
  contentType: string;
  body: unknown;
}

export function loadReference(name: string): ReferenceExchange {
  return JSON.parse(readFileSync(join(REFERENCE_DIR, `${name}.json`), 'utf8')) as ReferenceExchange;
}

export function referenceNames(): string[] {
  return readdirSync(REFERENCE_DIR)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.replace(/\.json$/, ''));
}

const VOLATILE = new Set([
  'uid',
  'resourceVersion',
  'creationTimestamp',
  'time',
  'lastTransitionTime',
  'lastUpdateTime',
  'lastHeartbeatTime',
  'startTime',
  'startedAt',
  'buildDate',
]);

export function normalize(value: unknown, key = ''): unknown {
  if (Array.isArray(value)) {
    // Table cells: ages ("1s", "2m") depend on when the request ran.
    if (key === 'cells') return value.map((c) => (typeof c === 'string' && /^\d+[smhdy]\d*[smhd]?$/.test(c) ? '<age>' : c));
    return value.map((v) => normalize(v));
  }
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (VOLATILE.has(k) && v !== null && typeof v !== 'object') out[k] = '<volatile>';
      else if (k === 'continue' && typeof v === 'string') {
        const token = JSON.parse(Buffer.from(v, 'base64url').toString()) as Record<string, unknown>;
        out[k] = { ...token, rv: '<volatile>' };
      } else if (k === 'serverAddress') out[k] = '<address>';
      else out[k] = normalize(v, k);
    }
    return out;
  }
  if (typeof value === 'string')
    return (
      value
        .replace(/kube-api-access-[a-z0-9]{5}/g, 'kube-api-access-<random>')
        // The oldest resourceVersion a watch window holds differs per cluster.
        .replace(/(too old resource version: \d+) \(\d+\)/, '$1 (<oldest>)')
    );
  return value;
}
