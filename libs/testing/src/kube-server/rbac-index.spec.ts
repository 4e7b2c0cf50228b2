// The RBAC authorizer reads bindings through a subject index that writes invalidate. These specs hold
// it to the full scan kube-apiserver's rule resolver does (every binding, in key order, every time):
// same decisions, same reasons, same rules, before and after writes of roles and bindings.
import { UserInfo } from './pipeline';
import {
  aggregateMessage,
  authorizeWithRules,
  AuthorizationAttributes,
  PolicyRule,
  RbacRuleResolver,
  requestInfoOf,
  RoleRef,
  ruleAllows,
  Subject,
} from './rbac';
import { KubeServer, startKubeServer } from './server';
import { KubeObject } from './types';

const RBAC = 'rbac.authorization.k8s.io';
const ADMIN = { manager: 'spec', user: { username: 'kubernetes-admin', groups: ['system:masters'] } };
const NAMESPACES = ['team-a', 'team-b', 'team-c'];
const USERS = ['alice', 'bob', 'carol', 'system:serviceaccount:team-a:robot', 'system:serviceaccount:team-b:robot'];
const GROUPS = ['devs', 'ops', 'auditors'];
const VERBS = ['get', 'list', 'create', 'delete', 'impersonate'];
const RESOURCES: [string, string][] = [
  ['', 'pods'],
  ['', 'configmaps'],
  ['apps', 'deployments'],
  ['', 'users'],
  ['', 'groups'],
];

/** A deterministic generator, so a failure can be replayed. */
function lcg(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

describe('RBAC subject index', () => {
  let server: KubeServer;
  const random = lcg(20261126);
  const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)] as T;

  const t = (plural: string) => {
    const r = server.registry.findAnyVersion(RBAC, plural);
    if (!r) throw new Error(plural);
    return r;
  };

  const randomSubject = (): Subject => {
    const kind = pick(['User', 'User', 'Group', 'ServiceAccount', 'Other']);
    if (kind === 'Group') return { kind, apiGroup: RBAC, name: pick(GROUPS) };
    if (kind === 'ServiceAccount') return random() < 0.5 ? { kind, name: 'robot', namespace: pick(NAMESPACES) } : { kind, name: 'robot' };
    if (kind === 'Other') return { kind, name: pick(USERS) };
    return { kind, apiGroup: RBAC, name: pick(USERS) };
  };
  const randomRules = (): PolicyRule[] =>
    Array.from({ length: 1 + Math.floor(random() * 2) }, () => {
      const [group, resource] = pick(RESOURCES);
      return { verbs: [pick(VERBS)], apiGroups: [group], resources: [resource] };
    });

  /** The full scan: every binding listed from the store in key order, roles read one by one. */
  function scan(user: UserInfo, a: AuthorizationAttributes): { allowed: boolean; reason?: string; rules: PolicyRule[]; errors: string[] } {
    const applies = (s: Subject, namespace: string) =>
      s.kind === 'User'
        ? s.name === user.username
        : s.kind === 'Group'
          ? user.groups.includes(s.name)
          : s.kind === 'ServiceAccount' &&
            !!(s.namespace || namespace) &&
            user.username === `system:serviceaccount:${s.namespace || namespace}:${s.name}`;
    const describe = (s: Subject, namespace: string) =>
      s.kind === 'ServiceAccount' ? `${s.kind} "${s.name}/${s.namespace || namespace}"` : `${s.kind} "${s.name}"`;
    const rules: PolicyRule[] = [];
    const errors: string[] = [];
    let reason: string | undefined;
    const visit = (bindings: KubeObject[], namespace: string, what: (b: KubeObject) => string) => {
      for (const b of bindings) {
        const subject = ((b.subjects as Subject[] | undefined) ?? []).find((s) => applies(s, namespace));
        if (!subject) continue;
        const ref = b.roleRef as RoleRef;
        const role = server.api.tryGet(
          t(ref.kind === 'Role' ? 'roles' : 'clusterroles'),
          ref.kind === 'Role' ? namespace : undefined,
          ref.name,
        );
        if (!role) {
          errors.push(`${ref.kind.toLowerCase()}.${RBAC} "${ref.name}" not found`);
          continue;
        }
        for (const rule of (role.rules as PolicyRule[] | undefined) ?? []) {
          rules.push(rule);
          if (reason === undefined && ruleAllows(a, rule))
            reason = `RBAC: allowed by ${what(b)} of ${ref.kind} "${ref.name}" to ${describe(subject, namespace)}`;
        }
      }
    };
    visit(server.api.list(t('clusterrolebindings'), undefined).items, '', (b) => `ClusterRoleBinding "${b.metadata.name}"`);
    if (a.namespace)
      visit(server.api.list(t('rolebindings'), a.namespace).items, a.namespace, (b) => `RoleBinding "${b.metadata.name}/${a.namespace}"`);
    return { allowed: reason !== undefined, reason, rules, errors };
  }

  /** Every user × groups × verb × resource × namespace: the indexed resolver answers as the scan does. */
  function expectSameAnswers(): number {
    let allowed = 0;
    const resolver = new RbacRuleResolver(server.api);
    for (const username of USERS)
      for (const groups of [['system:authenticated'], ['devs', 'system:authenticated'], ['ops', 'auditors', 'system:authenticated']])
        for (const verb of VERBS)
          for (const [apiGroup, resource] of RESOURCES)
            for (const namespace of ['', ...NAMESPACES]) {
              const user = { username, groups };
              const a = requestInfoOf({ verb, apiGroup, resource, namespace });
              const expected = scan(user, a);
              const decision = authorizeWithRules(resolver, user, a);
              if (expected.allowed) {
                allowed++;
                expect(decision).toEqual({ allowed: true, reason: expected.reason });
              } else {
                // The authorizer stops at the first allowing rule, so errors are compared only when none allowed.
                expect(decision).toEqual(
                  expected.errors.length ? { allowed: false, reason: `RBAC: ${aggregateMessage(expected.errors)}` } : { allowed: false },
                );
              }
              const listed = resolver.rulesFor(user, namespace);
              expect(listed).toEqual({ rules: expected.rules, errors: expected.errors });
            }
    return allowed;
  }

  beforeAll(async () => {
    server = await startKubeServer({ name: 'rbac-index-spec' });
    for (const name of NAMESPACES)
      await server.api.create(
        server.registry.findAnyVersion('', 'namespaces') ?? t('roles'),
        undefined,
        { metadata: { name } } as unknown as KubeObject,
        ADMIN,
      );
    for (let i = 0; i < 6; i++)
      await server.api.create(
        t('clusterroles'),
        undefined,
        { metadata: { name: `cr-${i}` }, rules: randomRules() } as unknown as KubeObject,
        ADMIN,
      );
    for (const ns of NAMESPACES)
      for (let i = 0; i < 3; i++)
        await server.api.create(t('roles'), ns, { metadata: { name: `r-${i}` }, rules: randomRules() } as unknown as KubeObject, ADMIN);
    const roleRef = (namespaced: boolean): RoleRef =>
      namespaced && random() < 0.5
        ? { apiGroup: RBAC, kind: 'Role', name: `r-${Math.floor(random() * 4)}` }
        : { apiGroup: RBAC, kind: 'ClusterRole', name: `cr-${Math.floor(random() * 7)}` };
    for (let i = 0; i < 12; i++)
      await server.api.create(
        t('clusterrolebindings'),
        undefined,
        { metadata: { name: `crb-${i}` }, roleRef: roleRef(false), subjects: [randomSubject(), randomSubject()] } as unknown as KubeObject,
        ADMIN,
      );
    for (const ns of NAMESPACES)
      for (let i = 0; i < 6; i++)
        await server.api.create(
          t('rolebindings'),
          ns,
          { metadata: { name: `rb-${i}` }, roleRef: roleRef(true), subjects: [randomSubject(), randomSubject()] } as unknown as KubeObject,
          ADMIN,
        );
    await server.settled();
  });
  afterAll(() => server.stop());

  it('decides, explains and lists rules as a full scan of every binding does', () => {
    // Some requests are allowed and some refused, or the comparison would prove little.
    expect(expectSameAnswers()).toBeGreaterThan(0);
  });

  it('sees each write of a binding or role at once', async () => {
    const resolver = new RbacRuleResolver(server.api);
    const alice = { username: 'alice', groups: ['system:authenticated'] };
    const getSecrets = requestInfoOf({ verb: 'get', resource: 'secrets', namespace: 'team-b' });
    expect(authorizeWithRules(resolver, alice, getSecrets).allowed).toBe(false);

    // A new binding to a role that does not exist yet: refused with the resolution error.
    await server.api.create(
      t('rolebindings'),
      'team-b',
      {
        metadata: { name: 'alice-secrets' },
        roleRef: { apiGroup: RBAC, kind: 'Role', name: 'secrets' },
        subjects: [{ kind: 'User', apiGroup: RBAC, name: 'alice' }],
      } as unknown as KubeObject,
      ADMIN,
    );
    expect(authorizeWithRules(resolver, alice, getSecrets)).toEqual(
      expect.objectContaining({ allowed: false, reason: expect.stringContaining('"secrets" not found') }),
    );

    // The role appears: allowed by the binding.
    await server.api.create(
      t('roles'),
      'team-b',
      { metadata: { name: 'secrets' }, rules: [{ verbs: ['get'], apiGroups: [''], resources: ['secrets'] }] } as unknown as KubeObject,
      ADMIN,
    );
    expect(authorizeWithRules(resolver, alice, getSecrets)).toEqual({
      allowed: true,
      reason: 'RBAC: allowed by RoleBinding "alice-secrets/team-b" of Role "secrets" to User "alice"',
    });

    // The role changes: no longer allowed.
    const role = server.api.get(t('roles'), 'team-b', 'secrets');
    await server.api.update(
      t('roles'),
      'team-b',
      'secrets',
      { ...role, rules: [{ verbs: ['list'], apiGroups: [''], resources: ['secrets'] }] } as KubeObject,
      ADMIN,
    );
    expect(authorizeWithRules(resolver, alice, getSecrets).allowed).toBe(false);

    // Subjects change, bindings go: the scan and the index still agree everywhere.
    const binding = server.api.get(t('clusterrolebindings'), undefined, 'crb-3');
    await server.api.update(
      t('clusterrolebindings'),
      undefined,
      'crb-3',
      {
        ...binding,
        subjects: [
          { kind: 'Group', apiGroup: RBAC, name: 'ops' },
          { kind: 'ServiceAccount', name: 'robot', namespace: 'team-b' },
        ],
      } as KubeObject,
      ADMIN,
    );
    await server.api.delete(t('rolebindings'), 'team-a', 'rb-2', {}, ADMIN);
    await server.api.delete(t('clusterroles'), undefined, 'cr-1', {}, ADMIN);
    expectSameAnswers();
  });
});
