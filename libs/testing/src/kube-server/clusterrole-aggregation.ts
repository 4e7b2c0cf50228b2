// kube-controller-manager's clusterrole-aggregation controller (pkg/controller/clusterroleaggregation):
// a ClusterRole with aggregationRule.clusterRoleSelectors gets as rules the union of the rules of the
// ClusterRoles its selectors match, in name order without duplicates, written by server-side apply.
import { ObjectApi } from './object-api';
import { isPatchError } from './patch-contract';
import { patchAlgorithms } from './patch-algorithms';
import { PolicyRule, RBAC_GROUP } from './rbac';
import { CLUSTERROLE_AGGREGATION_USER } from './rbac-bootstrap';
import { LabelRequirement, matchesLabels } from './selectors';
import { deepEqual, KubeObject } from './types';

const MANAGER = 'clusterrole-aggregation-controller';

interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/** metav1.LabelSelectorAsSelector; an empty selector selects everything. */
function requirementsOf(s: LabelSelector): LabelRequirement[] {
  const reqs: LabelRequirement[] = Object.entries(s.matchLabels ?? {}).map(([key, v]) => ({ key, op: '=' as const, values: [v] }));
  for (const e of s.matchExpressions ?? []) {
    const op =
      e.operator === 'In'
        ? ('in' as const)
        : e.operator === 'NotIn'
          ? ('notin' as const)
          : e.operator === 'Exists'
            ? ('exists' as const)
            : ('!' as const);
    reqs.push({ key: e.key, op, values: e.values ?? [] });
  }
  return reqs;
}

/** equality.Semantic: a nil and an empty list are the same. */
function canonical(r: PolicyRule): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const k of ['verbs', 'apiGroups', 'resources', 'resourceNames', 'nonResourceURLs'] as const) {
    const v = r[k];
    if (v?.length) out[k] = v;
  }
  return out;
}

function aggregatedRules(role: KubeObject, all: KubeObject[]): PolicyRule[] {
  const selectors =
    ((role.aggregationRule as { clusterRoleSelectors?: LabelSelector[] })?.clusterRoleSelectors as LabelSelector[] | undefined) ?? [];
  const rules: PolicyRule[] = [];
  for (const s of selectors) {
    const reqs = requirementsOf(s);
    const matching = all
      .filter((r) => matchesLabels(reqs, r.metadata.labels))
      .sort((a, b) => ((a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1));
    for (const r of matching) {
      if (r.metadata.name === role.metadata.name) continue;
      for (const rule of (r.rules as PolicyRule[] | null) ?? [])
        if (!rules.some((x) => deepEqual(canonical(x), canonical(rule)))) rules.push(rule);
    }
  }
  return rules;
}

/**
 * One pass over every aggregated ClusterRole (the controller re-queues them all on any ClusterRole
 * change, since it cannot know which roles depend on which). Loops until nothing changes.
 */
export async function syncClusterRoleAggregation(api: ObjectApi): Promise<void> {
  const type = api.registry.findAnyVersion(RBAC_GROUP, 'clusterroles');
  if (!type) return;
  for (let pass = 0; pass < 10; pass++) {
    let changed = false;
    const all = api.list(type, undefined).items;
    for (const role of all) {
      if (!role.aggregationRule) continue;
      const rules = aggregatedRules(role, api.list(type, undefined).items);
      const current = ((role.rules as PolicyRule[] | null) ?? []).map(canonical);
      if (deepEqual(rules.map(canonical), current)) continue;
      const name = role.metadata.name ?? '';
      const live = api.get(type, undefined, name);
      const write = { manager: MANAGER, user: CLUSTERROLE_AGGREGATION_USER };
      try {
        const applied = patchAlgorithms.applyServerSideApply(
          live,
          {
            apiVersion: `${RBAC_GROUP}/v1`,
            kind: 'ClusterRole',
            metadata: { name },
            rules,
          },
          { manager: MANAGER, force: true },
        ).object;
        await api.update(type, undefined, name, applied, {
          ...write,
          managedFieldsOverride: applied.metadata.managedFields,
        });
      } catch (e) {
        // Like the real controller, fall back to a plain update when apply is not possible.
        if (!isPatchError(e)) throw e;
        await api.update(type, undefined, name, { ...live, rules }, write);
      }
      changed = true;
    }
    if (!changed) return;
  }
}
