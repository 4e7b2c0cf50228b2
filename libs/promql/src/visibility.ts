/**
 * What a caller may see of a metrics store: everything (platform roles) or a set of (cluster,
 * namespace) pairs. The store's series carry both as labels, named by `SCOPE_LABELS`.
 */
export type Visibility = { readonly kind: 'all' } | { readonly kind: 'pairs'; readonly pairs: readonly ClusterNamespace[] };

export interface ClusterNamespace {
  readonly cluster: string;
  readonly namespace: string;
}

/** The labels the central store's series carry (the monitoring component's external label and Kubernetes' own). */
export const SCOPE_LABELS = { cluster: 'cluster', namespace: 'namespace' } as const;

export const SEE_ALL: Visibility = { kind: 'all' };

export function visiblePairs(pairs: readonly ClusterNamespace[]): Visibility {
  return { kind: 'pairs', pairs };
}

/**
 * A set of clusters × a set of namespaces, every combination visible. A single selector can only AND
 * one matcher per label, so what it can express is exactly such a rectangle; a visible set that is not
 * one is split into several, with pairwise disjoint cluster sets.
 */
export interface ScopeRectangle {
  readonly clusters: readonly string[];
  readonly namespaces: readonly string[];
}

/**
 * Splits the visible pairs into rectangles whose union is exactly the set: clusters grouped by their
 * (identical) set of visible namespaces. Every cluster is in exactly one rectangle, so no two
 * rectangles share a cluster, which keeps the series each one selects disjoint.
 */
export function rectanglesOf(pairs: readonly ClusterNamespace[]): ScopeRectangle[] {
  const namespacesByCluster = new Map<string, Set<string>>();
  for (const { cluster, namespace } of pairs) {
    const namespaces = namespacesByCluster.get(cluster) ?? new Set<string>();
    namespaces.add(namespace);
    namespacesByCluster.set(cluster, namespaces);
  }
  const clustersByNamespaceSet = new Map<string, { namespaces: string[]; clusters: string[] }>();
  for (const [cluster, namespaces] of [...namespacesByCluster].sort(([a], [b]) => a.localeCompare(b))) {
    const sorted = [...namespaces].sort();
    const key = JSON.stringify(sorted);
    const group = clustersByNamespaceSet.get(key) ?? { namespaces: sorted, clusters: [] };
    group.clusters.push(cluster);
    clustersByNamespaceSet.set(key, group);
  }
  return [...clustersByNamespaceSet.values()].map(({ clusters, namespaces }) => ({ clusters, namespaces }));
}

/** `cluster=~"a|b",namespace=~"x|y"` (or `=` for a single value): the label matchers that select one rectangle. */
export function rectangleMatchers(rectangle: ScopeRectangle): string {
  return `${matcher(SCOPE_LABELS.cluster, rectangle.clusters)},${matcher(SCOPE_LABELS.namespace, rectangle.namespaces)}`;
}

/**
 * Matchers no series satisfies: `namespace=""` holds only for series without the label and
 * `namespace!=""` only for series with it. The second matches no empty value, so Prometheus accepts
 * the selector even when the caller's own matchers all match the empty string.
 */
export const MATCH_NOTHING = `${SCOPE_LABELS.namespace}="",${SCOPE_LABELS.namespace}!=""`;

function matcher(label: string, values: readonly string[]): string {
  if (values.length === 1) return `${label}=${promqlString(values[0] ?? '')}`;
  return `${label}=~${promqlString(values.map(escapeRegex).join('|'))}`;
}

/** A PromQL double-quoted string literal (Go escaping: backslash and double quote, control characters as \n etc.). */
export function promqlString(value: string): string {
  return JSON.stringify(value);
}

/** RE2 (Go regexp) metacharacters escaped, so a name matches itself only (Prometheus anchors the whole regex). */
export function escapeRegex(value: string): string {
  return value.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
}
