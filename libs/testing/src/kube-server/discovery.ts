// Discovery documents in the shapes kube-apiserver v1.32 serves (see ../shared/k8s-reference:
// api.json, api-v1.json, apis.json, apis-apps-v1.json, aggregated-discovery-apis.json).
import { groupVersionString, ResourceRegistry, ResourceType, storageVersionHash } from './resources';

export const AGGREGATED_DISCOVERY_CONTENT_TYPE = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';

export const VERSION_INFO = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.13',
  gitCommit: 'd4b43f374a5bc0e0f44c07ff773061e27c7f2a08',
  gitTreeState: 'clean',
  buildDate: '2026-11-24T16:03:03Z',
  goVersion: 'go1.23.5',
  compiler: 'gc',
  platform: 'linux/amd64',
};

/** Does the Accept header ask for aggregated discovery (apidiscovery.k8s.io/v2 APIGroupDiscoveryList)? */
export function wantsAggregatedDiscovery(accept: string | undefined): boolean {
  if (!accept) return false;
  return accept.split(',').some((part) => {
    const params = part.split(';').map((p) => p.trim());
    return params.includes('g=apidiscovery.k8s.io') && params.includes('v=v2') && params.includes('as=APIGroupDiscoveryList');
  });
}

export function apiVersions(serverAddress: string) {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

function groupVersions(name: string, versions: string[]) {
  const list = versions.map((v) => ({
    groupVersion: `${name}/${v}`,
    version: v,
  }));
  return { name, versions: list, preferredVersion: list[0] };
}

export function apiGroupList(registry: ResourceRegistry) {
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: registry.groups().map((g) => groupVersions(g.name, g.versions)),
  };
}

export function apiGroup(registry: ResourceRegistry, group: string) {
  const g = registry.groups().find((x) => x.name === group);
  return (
    g && {
      kind: 'APIGroup',
      apiVersion: 'v1',
      ...groupVersions(g.name, g.versions),
    }
  );
}

/** Built-in kinds served in several versions are stored in one (HorizontalPodAutoscaler: autoscaling/v2). */
const STORAGE_VERSIONS: Record<string, string> = {
  'autoscaling/HorizontalPodAutoscaler': 'v2',
};

function hashFor(t: ResourceType): string {
  const version = t.crd?.storageVersion ?? STORAGE_VERSIONS[`${t.group}/${t.kind}`] ?? t.version;
  return storageVersionHash(t.group, version, t.kind);
}

/** metav1.APIResourceList for one group/version; subresources are listed as "plural/sub". */
export function apiResourceList(registry: ResourceRegistry, group: string, version: string) {
  const types = registry.inGroupVersion(group, version);
  if (types.length === 0) return undefined;
  const resources: Record<string, unknown>[] = [];
  for (const t of types) {
    const r: Record<string, unknown> = {
      name: t.plural,
      singularName: t.singular,
      namespaced: t.namespaced,
      kind: t.kind,
      verbs: t.verbs,
    };
    if (t.shortNames) r.shortNames = t.shortNames;
    if (t.categories) r.categories = t.categories;
    if (t.persisted !== false) r.storageVersionHash = hashFor(t);
    resources.push(r);
    for (const s of t.subresources ?? []) {
      const sr: Record<string, unknown> = {
        name: `${t.plural}/${s.name}`,
        singularName: '',
        namespaced: t.namespaced,
      };
      if (s.group !== undefined) {
        sr.group = s.group;
        sr.version = s.version;
      }
      sr.kind = s.kind ?? t.kind;
      sr.verbs = s.verbs;
      resources.push(sr);
    }
  }
  resources.sort((a, b) => ((a.name as string) < (b.name as string) ? -1 : 1));
  const list: Record<string, unknown> = { kind: 'APIResourceList' };
  // The legacy /api/v1 document has no apiVersion; group documents do.
  if (group) list.apiVersion = 'v1';
  list.groupVersion = groupVersionString(group, version);
  list.resources = resources;
  return list;
}

function discoveryVersion(registry: ResourceRegistry, group: string, version: string) {
  const types = [...registry.inGroupVersion(group, version)].sort((a, b) => (a.plural < b.plural ? -1 : 1));
  return {
    version,
    resources: types.map((t) => {
      const r: Record<string, unknown> = {
        resource: t.plural,
        responseKind: { group: '', version: '', kind: t.kind },
        scope: t.namespaced ? 'Namespaced' : 'Cluster',
        singularResource: t.singular,
        verbs: t.verbs,
      };
      if (t.shortNames) r.shortNames = t.shortNames;
      if (t.categories) r.categories = t.categories;
      if (t.subresources?.length) {
        r.subresources = t.subresources.map((s) => ({
          subresource: s.name,
          responseKind: {
            group: s.group ?? '',
            version: s.version ?? '',
            kind: s.kind ?? t.kind,
          },
          verbs: s.verbs,
        }));
      }
      return r;
    }),
    freshness: 'Current',
  };
}

/** apidiscovery.k8s.io/v2 APIGroupDiscoveryList for /api (legacy) or /apis. */
export function aggregatedDiscovery(registry: ResourceRegistry, legacy: boolean) {
  const items = legacy
    ? [
        {
          metadata: { creationTimestamp: null },
          versions: [discoveryVersion(registry, '', 'v1')],
        },
      ]
    : registry.groups().map((g) => ({
        metadata: { name: g.name, creationTimestamp: null },
        versions: g.versions.map((v) => discoveryVersion(registry, g.name, v)),
      }));
  return {
    kind: 'APIGroupDiscoveryList',
    apiVersion: 'apidiscovery.k8s.io/v2',
    metadata: {},
    items,
  };
}
