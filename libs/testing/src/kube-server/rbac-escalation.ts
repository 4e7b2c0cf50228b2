// RBAC privilege-escalation prevention (pkg/registry/rbac/{role,clusterrole,rolebinding,
// clusterrolebinding}/policybased, escalation_check.go, validation/rule.go ConfirmNoEscalation).
// Kube runs it in the RBAC storage after mutating admission and before validating admission; here it
// is the first validating admission plugin, which is the same point of the write path.
import { ObjectApi } from './object-api';
import { AdmissionPlugin, Authorizer, UserInfo } from './pipeline';
import { aggregateMessage, PolicyRule, RBAC_GROUP, RbacRuleResolver, requestInfoOf, RoleRef, SYSTEM_MASTERS } from './rbac';
import { errors } from './status';
import { deepEqual, KubeObject } from './types';

/** Go's %q of a []string: `["a" "b"]`. */
function goQuoteList(values: string[]): string {
  return `[${values.map((v) => JSON.stringify(v)).join(' ')}]`;
}

/** rbacv1helpers.CompactString, the form escalation messages print rules in. */
export function compactRuleString(r: PolicyRule): string {
  const parts: string[] = [];
  if (r.apiGroups?.length) parts.push(`APIGroups:${goQuoteList(r.apiGroups)}`);
  if (r.resources?.length) parts.push(`Resources:${goQuoteList(r.resources)}`);
  if (r.nonResourceURLs?.length) parts.push(`NonResourceURLs:${goQuoteList(r.nonResourceURLs)}`);
  if (r.resourceNames?.length) parts.push(`ResourceNames:${goQuoteList(r.resourceNames)}`);
  if (r.verbs?.length) parts.push(`Verbs:${goQuoteList(r.verbs)}`);
  return `{${parts.join(', ')}}`;
}

/** BreakdownRule: one verb, one group, one resource, at most one name per rule. */
function breakdown(rule: PolicyRule): PolicyRule[] {
  const out: PolicyRule[] = [];
  for (const g of rule.apiGroups ?? [])
    for (const res of rule.resources ?? [])
      for (const verb of rule.verbs ?? []) {
        if (rule.resourceNames?.length)
          for (const n of rule.resourceNames)
            out.push({
              apiGroups: [g],
              resources: [res],
              verbs: [verb],
              resourceNames: [n],
            });
        else out.push({ apiGroups: [g], resources: [res], verbs: [verb] });
      }
  for (const u of rule.nonResourceURLs ?? []) for (const verb of rule.verbs ?? []) out.push({ nonResourceURLs: [u], verbs: [verb] });
  return out;
}

const has = (set: string[] | undefined, v: string) => (set ?? []).includes(v);
const hasAll = (set: string[] | undefined, vs: string[] | undefined) => (vs ?? []).every((v) => has(set, v));

function resourcesCover(owner: string[] | undefined, sub: string[] | undefined): boolean {
  if (has(owner, '*') || hasAll(owner, sub)) return true;
  return (sub ?? []).every((path) => {
    if (has(owner, path)) return true;
    const slash = path.indexOf('/');
    return slash >= 0 && has(owner, `*/${path.slice(slash + 1)}`);
  });
}

function urlsCover(owner: string[] | undefined, sub: string[] | undefined): boolean {
  return (sub ?? []).every((path) => (owner ?? []).some((o) => o === path || (o.endsWith('*') && path.startsWith(o.replace(/\*+$/, '')))));
}

/** validation.ruleCovers: does one owner rule cover one broken-down rule. */
function ruleCovers(owner: PolicyRule, sub: PolicyRule): boolean {
  const verbs = has(owner.verbs, '*') || hasAll(owner.verbs, sub.verbs);
  const groups = has(owner.apiGroups, '*') || hasAll(owner.apiGroups, sub.apiGroups);
  const names = sub.resourceNames?.length
    ? !owner.resourceNames?.length || hasAll(owner.resourceNames, sub.resourceNames)
    : !owner.resourceNames?.length;
  return (
    verbs && groups && resourcesCover(owner.resources, sub.resources) && names && urlsCover(owner.nonResourceURLs, sub.nonResourceURLs)
  );
}

/** validation.Covers: the rules of `servant` that `owner` does not cover, broken down. */
export function uncoveredRules(owner: PolicyRule[], servant: PolicyRule[]): PolicyRule[] {
  return servant.flatMap(breakdown).filter((sub) => !owner.some((o) => ruleCovers(o, sub)));
}

/** CompactRules: single group/resource(/name) rules that differ only by verb become one. */
function compactRules(rules: PolicyRule[]): PolicyRule[] {
  const out: PolicyRule[] = [];
  const simple = new Map<string, PolicyRule>();
  for (const r of rules) {
    const isSimple =
      (r.resourceNames?.length ?? 0) <= 1 && !r.nonResourceURLs?.length && r.apiGroups?.length === 1 && r.resources?.length === 1;
    if (!isSimple) {
      out.push(r);
      continue;
    }
    const key = JSON.stringify([r.apiGroups, r.resources, r.resourceNames ?? null]);
    const existing = simple.get(key);
    if (existing) existing.verbs = [...existing.verbs, ...r.verbs];
    else simple.set(key, { ...r, verbs: [...r.verbs] });
  }
  return [...out, ...simple.values()];
}

/** ConfirmNoEscalation: undefined when the user holds every rule, else the real message. */
export function escalationMessage(resolver: RbacRuleResolver, user: UserInfo, namespace: string, rules: PolicyRule[]): string | undefined {
  const owned = resolver.rulesFor(user, namespace);
  const missing = uncoveredRules(owned.rules, rules);
  if (!missing.length) return undefined;
  const descriptions = [...new Set(compactRules(missing).map(compactRuleString))].sort();
  let msg = `user "${user.username}" (groups=${goQuoteList(user.groups)}) is attempting to grant RBAC permissions not currently held:\n${descriptions.join('\n')}`;
  if (owned.errors.length) msg += `; resolution errors: [${aggregateMessage(owned.errors)}]`;
  return msg;
}

/** rest.IsOnlyMutatingGCFields: an update that only touches ownerReferences and finalizers. */
function onlyGcFields(obj: KubeObject, old: KubeObject): boolean {
  const strip = (o: KubeObject) => {
    const m = { ...o.metadata };
    delete m.ownerReferences;
    delete m.finalizers;
    delete m.managedFields;
    delete m.resourceVersion;
    return { ...o, metadata: m };
  };
  return deepEqual(strip(obj), strip(old));
}

/** Rules that only cluster-admin holds: what setting an aggregationRule requires. */
const FULL_AUTHORITY: PolicyRule[] = [
  { verbs: ['*'], apiGroups: ['*'], resources: ['*'] },
  { verbs: ['*'], nonResourceURLs: ['*'] },
];

/**
 * The escalation checks as an admission plugin: Roles/ClusterRoles need the rules they grant (or
 * `escalate`), RoleBindings/ClusterRoleBindings the rules of the role they bind (or `bind`).
 * system:masters skips every check (EscalationAllowed).
 */
export function rbacEscalationAdmission(api: ObjectApi, authorize: Authorizer): AdmissionPlugin {
  const resolver = new RbacRuleResolver(api, 'registry');
  return {
    name: 'RBACEscalation',
    validate: async (a) => {
      if (a.type.group !== RBAC_GROUP || a.subresource) return;
      if (a.operation !== 'CREATE' && a.operation !== 'UPDATE') return;
      if (!a.object || a.user.groups.includes(SYSTEM_MASTERS)) return;
      const plural = a.type.plural;
      const gr = { group: RBAC_GROUP, plural };
      const name = a.object.metadata.name ?? '';
      const namespace = a.type.namespaced ? a.namespace : '';
      const gcOnly = a.operation === 'UPDATE' && !!a.oldObject && onlyGcFields(a.object, a.oldObject);
      if (plural === 'roles' || plural === 'clusterroles') {
        // RoleEscalationAuthorized checks the request's own name, which a create does not have.
        const escalate = await authorize(
          a.user,
          requestInfoOf({
            verb: 'escalate',
            apiGroup: RBAC_GROUP,
            resource: plural,
            namespace,
            name: a.operation === 'CREATE' ? '' : a.name,
          }),
        );
        if (escalate.allowed || gcOnly) return;
        const rules = (a.object.rules as PolicyRule[] | null) ?? [];
        const msg = escalationMessage(resolver, a.user, namespace, rules);
        if (msg) throw errors.forbidden(gr, name, msg);
        if (
          plural === 'clusterroles' &&
          (a.object.aggregationRule || a.oldObject?.aggregationRule) &&
          escalationMessage(resolver, a.user, namespace, FULL_AUTHORITY)
        )
          throw errors.forbidden(gr, name, 'must have cluster-admin privileges to use the aggregationRule');
        return;
      }
      if (plural !== 'rolebindings' && plural !== 'clusterrolebindings') return;
      if (gcOnly) return;
      const ref = (a.object.roleRef ?? {}) as RoleRef;
      const refResource = ref.kind === 'ClusterRole' ? 'clusterroles' : ref.kind === 'Role' ? 'roles' : '';
      if (refResource) {
        const bind = await authorize(
          a.user,
          requestInfoOf({
            verb: 'bind',
            apiGroup: ref.apiGroup,
            resource: refResource,
            namespace,
            name: ref.name,
          }),
        );
        if (bind.allowed) return;
      }
      const rules = resolver.getRoleReferenceRules(ref, namespace);
      const msg = escalationMessage(resolver, a.user, namespace, rules);
      if (msg) throw errors.forbidden(gr, name, msg);
    },
  };
}
