// RBAC authorization as kube-apiserver runs it with --authorization-mode=RBAC: the privileged-group
// authorizer for system:masters first, then rules resolved from Roles, ClusterRoles, RoleBindings
// and ClusterRoleBindings (plugin/pkg/auth/authorizer/rbac/rbac.go, pkg/registry/rbac/validation/rule.go).
import { ObjectApi } from './object-api';
import { AuthorizationAttributes, AuthorizationDecision, Authorizer, RequestInfo, UserInfo } from './pipeline';
import { resourceKey, ResourceType } from './resources';
import { ObjectStore } from './store';
import { ApiError, errors } from './status';
import { KubeObject } from './types';

export const RBAC_GROUP = 'rbac.authorization.k8s.io';
/** user.SystemPrivilegedGroup: allowed everything, whatever the bindings say. */
export const SYSTEM_MASTERS = 'system:masters';
export const SERVICE_ACCOUNT_PREFIX = 'system:serviceaccount:';

export interface PolicyRule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

export interface Subject {
  kind: string;
  apiGroup?: string;
  name: string;
  namespace?: string;
}

export interface RoleRef {
  apiGroup: string;
  kind: string;
  name: string;
}

export type { AuthorizationAttributes } from './pipeline';

/** A full RequestInfo for attributes built by hand (impersonation, reviews, bind/escalate checks). */
export function requestInfoOf(a: Partial<AuthorizationAttributes>): RequestInfo {
  return {
    isResourceRequest: a.isResourceRequest ?? true,
    path: a.path ?? '',
    verb: a.verb ?? '',
    apiPrefix: '',
    apiGroup: a.apiGroup ?? '',
    apiVersion: '',
    namespace: a.namespace ?? '',
    resource: a.resource ?? '',
    subresource: a.subresource ?? '',
    name: a.name ?? '',
    parts: [],
  };
}

const has = (set: string[] | undefined, v: string) => (set ?? []).includes(v);

/** rbacv1helpers.RuleAllows: verbs, groups, resources (with `*` and `*` + `/subresource`), names, URLs. */
export function ruleAllows(a: AuthorizationAttributes, rule: PolicyRule): boolean {
  const verb = has(rule.verbs, '*') || has(rule.verbs, a.verb);
  if (!verb) return false;
  if (!a.isResourceRequest)
    return (rule.nonResourceURLs ?? []).some(
      (u) => u === '*' || u === a.path || (u.endsWith('*') && a.path.startsWith(u.replace(/\*+$/, ''))),
    );
  const combined = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const group = has(rule.apiGroups, '*') || has(rule.apiGroups, a.apiGroup);
  const resource = (rule.resources ?? []).some((r) => r === '*' || r === combined || (!!a.subresource && r === `*/${a.subresource}`));
  const name = !(rule.resourceNames ?? []).length || has(rule.resourceNames, a.name);
  return group && resource && name;
}

/** serviceaccount.SplitUsername: `system:serviceaccount:<ns>:<name>` with valid names. */
export function splitServiceAccountUsername(username: string): { namespace: string; name: string } | undefined {
  if (!username.startsWith(SERVICE_ACCOUNT_PREFIX)) return undefined;
  const parts = username.slice(SERVICE_ACCOUNT_PREFIX.length).split(':');
  if (parts.length !== 2) return undefined;
  const [namespace, name] = parts;
  const dns1123Label = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
  const dns1123Subdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
  if (namespace.length > 63 || !dns1123Label.test(namespace)) return undefined;
  if (name.length > 253 || !dns1123Subdomain.test(name)) return undefined;
  return { namespace, name };
}

function appliesToUser(user: UserInfo, s: Subject, namespace: string): boolean {
  switch (s.kind) {
    case 'User':
      return user.username === s.name;
    case 'Group':
      return user.groups.includes(s.name);
    case 'ServiceAccount': {
      const ns = s.namespace || namespace;
      return !!ns && user.username === `${SERVICE_ACCOUNT_PREFIX}${ns}:${s.name}`;
    }
    default:
      return false;
  }
}

function describeSubject(s: Subject, bindingNamespace: string): string {
  if (s.kind === 'ServiceAccount') return `${s.kind} "${s.name}/${s.namespace || bindingNamespace}"`;
  return `${s.kind} "${s.name}"`;
}

/** utilerrors.NewAggregate(errs).Error(): one message as is, several deduplicated in brackets. */
export function aggregateMessage(messages: string[]): string {
  const unique = [...new Set(messages)];
  return unique.length === 1 ? unique[0] : `[${unique.join(', ')}]`;
}

/** A binding as the resolver reads it; `order` is its place in etcd key order. */
interface IndexedBinding {
  name: string;
  subjects: Subject[];
  roleRef: RoleRef;
  order: number;
}

/** Bindings of one scope (cluster-wide, or one namespace's RoleBindings) and who they name. */
interface BindingScope {
  bySubject: Map<string, IndexedBinding[]>;
}

/**
 * The key a subject matches a user by: exactly the comparisons of appliesToUser, so a lookup by the
 * user's name and groups finds every binding that can apply (and a kind that never applies, none).
 */
function subjectKey(s: Subject, bindingNamespace: string): string | undefined {
  switch (s.kind) {
    case 'User':
      return `u:${s.name}`;
    case 'Group':
      return `g:${s.name}`;
    case 'ServiceAccount': {
      const ns = s.namespace || bindingNamespace;
      return ns ? `u:${SERVICE_ACCOUNT_PREFIX}${ns}:${s.name}` : undefined;
    }
    default:
      return undefined;
  }
}

function scopeOf(bindings: KubeObject[], bindingNamespace: string): BindingScope {
  const bySubject = new Map<string, IndexedBinding[]>();
  bindings.forEach((b, order) => {
    const subjects = (b.subjects as Subject[] | null | undefined) ?? [];
    const indexed: IndexedBinding = deepFreeze({ name: b.metadata.name ?? '', subjects, roleRef: b.roleRef as RoleRef, order });
    const keys = new Set<string>();
    for (const s of subjects) {
      const key = subjectKey(s, bindingNamespace);
      if (key !== undefined) keys.add(key);
    }
    for (const key of keys) {
      const list = bySubject.get(key);
      if (list) list.push(indexed);
      else bySubject.set(key, [indexed]);
    }
  });
  return { bySubject };
}

/** The bindings of a scope that name the user, one of its groups or (as a service account) it, in key order. */
function candidatesIn(scope: BindingScope, user: UserInfo): IndexedBinding[] {
  const found: IndexedBinding[] = [...(scope.bySubject.get(`u:${user.username}`) ?? [])];
  for (const group of user.groups) found.push(...(scope.bySubject.get(`g:${group}`) ?? []));
  if (found.length < 2) return found;
  const unique = [...new Set(found)];
  return unique.sort((a, b) => a.order - b.order);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as object)) deepFreeze(v);
  }
  return value;
}

/**
 * What the authorizer reads of the RBAC objects, indexed once instead of listed (and copied) on
 * every request: bindings by subject per scope, and roles' rules by name. A write of any Role,
 * ClusterRole, RoleBinding or ClusterRoleBinding drops it; the next authorization rebuilds it from
 * the store, so decisions are the ones a full scan makes. One per store, shared by every resolver.
 */
class RbacIndex {
  private static readonly byStore = new WeakMap<ObjectStore, RbacIndex>();
  private cluster: BindingScope | undefined;
  private readonly namespaced = new Map<string, BindingScope>();
  /** Rules of a role by `<kind>/<namespace>/<name>`; null when the role does not exist. */
  private readonly roles = new Map<string, readonly PolicyRule[] | null>();

  static of(api: ObjectApi): RbacIndex {
    let index = RbacIndex.byStore.get(api.store);
    if (!index) {
      index = new RbacIndex(api);
      RbacIndex.byStore.set(api.store, index);
    }
    return index;
  }

  private constructor(private readonly api: ObjectApi) {
    const watched = new Set(
      ['roles', 'clusterroles', 'rolebindings', 'clusterrolebindings'].map((plural) => resourceKey(this.type(plural))),
    );
    api.store.subscribe((e) => {
      if (watched.has(e.resource)) this.invalidate();
    });
  }

  type(plural: string): ResourceType {
    const t = this.api.registry.findAnyVersion(RBAC_GROUP, plural);
    if (!t) throw new Error(`missing ${plural}.${RBAC_GROUP}`);
    return t;
  }

  private invalidate(): void {
    this.cluster = undefined;
    this.namespaced.clear();
    this.roles.clear();
  }

  clusterBindingsFor(user: UserInfo): IndexedBinding[] {
    this.cluster ??= scopeOf(this.api.list(this.type('clusterrolebindings'), undefined).items, '');
    return candidatesIn(this.cluster, user);
  }

  roleBindingsFor(user: UserInfo, namespace: string): IndexedBinding[] {
    let scope = this.namespaced.get(namespace);
    if (!scope) {
      scope = scopeOf(this.api.list(this.type('rolebindings'), namespace).items, namespace);
      this.namespaced.set(namespace, scope);
    }
    return candidatesIn(scope, user);
  }

  /** The rules of a Role (in `namespace`) or ClusterRole, frozen; null when it does not exist. */
  rulesOf(plural: 'roles' | 'clusterroles', namespace: string | undefined, name: string): readonly PolicyRule[] | null {
    const key = `${plural}/${namespace ?? ''}/${name}`;
    const cached = this.roles.get(key);
    if (cached !== undefined) return cached;
    const role = this.api.tryGet(this.type(plural), namespace, name);
    const rules = role ? deepFreeze((role.rules as PolicyRule[] | null | undefined) ?? []) : null;
    this.roles.set(key, rules);
    return rules;
  }
}

type RuleVisitor = (source: string | undefined, rule: PolicyRule | undefined, error: string | undefined) => boolean;

/**
 * DefaultRuleResolver over the server's store. Role lookups fail like the component that reads
 * them: the authorizer's listers say `clusterrole.rbac.authorization.k8s.io "x" not found`, the
 * registry (escalation checks) `clusterroles.rbac.authorization.k8s.io "x" not found`.
 */
export class RbacRuleResolver {
  private readonly index: RbacIndex;

  constructor(
    api: ObjectApi,
    private readonly notFoundStyle: 'lister' | 'registry' = 'lister',
  ) {
    this.index = RbacIndex.of(api);
  }

  /** GetRoleReferenceRules: the rules of a binding's role (frozen); throws ApiError when it cannot resolve. */
  getRoleReferenceRules(ref: RoleRef, bindingNamespace: string): PolicyRule[] {
    const plural = ref.kind === 'Role' ? 'roles' : ref.kind === 'ClusterRole' ? 'clusterroles' : undefined;
    if (!plural) throw errors.internal(`unsupported role reference kind: "${ref.kind}"`);
    const rules = this.index.rulesOf(plural, plural === 'roles' ? bindingNamespace : undefined, ref.name);
    if (!rules) {
      const resource = this.notFoundStyle === 'lister' ? plural.replace(/s$/, '') : plural;
      throw errors.notFound({ group: RBAC_GROUP, plural: resource }, ref.name);
    }
    return rules as PolicyRule[];
  }

  private rulesOfRef(ref: RoleRef, bindingNamespace: string): { rules: PolicyRule[] } | { error: string } {
    try {
      return { rules: this.getRoleReferenceRules(ref, bindingNamespace) };
    } catch (e) {
      if (e instanceof ApiError)
        return {
          error: e.code === 500 ? `unsupported role reference kind: "${ref.kind}"` : e.message,
        };
      throw e;
    }
  }

  /**
   * VisitRulesFor: cluster-wide bindings first, then the namespace's RoleBindings, each in key order.
   * Only the bindings naming the user or one of its groups are visited (the index finds them); the
   * others could not apply.
   */
  visitRulesFor(user: UserInfo, namespace: string, visit: RuleVisitor): void {
    for (const b of this.index.clusterBindingsFor(user)) {
      const subject = b.subjects.find((s) => appliesToUser(user, s, ''));
      if (!subject) continue;
      const ref = b.roleRef;
      const r = this.rulesOfRef(ref, '');
      if ('error' in r) {
        if (!visit(undefined, undefined, r.error)) return;
        continue;
      }
      const source = `ClusterRoleBinding "${b.name}" of ${ref.kind} "${ref.name}" to ${describeSubject(subject, '')}`;
      for (const rule of r.rules) if (!visit(source, rule, undefined)) return;
    }
    if (!namespace) return;
    for (const b of this.index.roleBindingsFor(user, namespace)) {
      const subject = b.subjects.find((s) => appliesToUser(user, s, namespace));
      if (!subject) continue;
      const ref = b.roleRef;
      const r = this.rulesOfRef(ref, namespace);
      if ('error' in r) {
        if (!visit(undefined, undefined, r.error)) return;
        continue;
      }
      const source = `RoleBinding "${b.name}/${namespace}" of ${ref.kind} "${ref.name}" to ${describeSubject(subject, namespace)}`;
      for (const rule of r.rules) if (!visit(source, rule, undefined)) return;
    }
  }

  /** RulesFor: every rule that applies, plus the resolution errors met on the way. */
  rulesFor(user: UserInfo, namespace: string): { rules: PolicyRule[]; errors: string[] } {
    const rules: PolicyRule[] = [];
    const errs: string[] = [];
    this.visitRulesFor(user, namespace, (_s, rule, err) => {
      if (rule) rules.push(rule);
      if (err) errs.push(err);
      return true;
    });
    return { rules, errors: errs };
  }
}

/** RBACAuthorizer.Authorize: allowed with "RBAC: allowed by ..." or no opinion with the resolution errors. */
export function authorizeWithRules(resolver: RbacRuleResolver, user: UserInfo, a: AuthorizationAttributes): AuthorizationDecision {
  let reason: string | undefined;
  const errs: string[] = [];
  resolver.visitRulesFor(user, a.namespace, (source, rule, err) => {
    if (rule && ruleAllows(a, rule)) {
      reason = `RBAC: allowed by ${source ?? ''}`;
      return false;
    }
    if (err) errs.push(err);
    return true;
  });
  if (reason !== undefined) return { allowed: true, reason };
  return errs.length ? { allowed: false, reason: `RBAC: ${aggregateMessage(errs)}` } : { allowed: false };
}

/**
 * The authorizer chain of `--authorization-mode=RBAC`: system:masters is allowed by the privileged
 * group authorizer (with no reason), everyone else by RBAC rules.
 */
export function rbacAuthorizer(api: ObjectApi): Authorizer {
  const resolver = new RbacRuleResolver(api, 'lister');
  return async (user, info) => {
    if (user.groups.includes(SYSTEM_MASTERS)) return { allowed: true };
    return authorizeWithRules(resolver, user, info);
  };
}
