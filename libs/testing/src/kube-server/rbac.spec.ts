// RBAC authorization, impersonation, reviews, aggregation and escalation prevention, through the
// authorizer directly and over HTTPS with users of a test authenticator.
import { Authenticator, bearerTokenAuthenticator, UserInfo } from './pipeline';
import { PolicyRule, rbacAuthorizer, requestInfoOf, ruleAllows } from './rbac';
import { uncoveredRules } from './rbac-escalation';
import { KubeServer, startKubeServer } from './server';
import { rawRequest, RawResponse } from './testing/http-client';
import { KubeObject } from './types';

const ADMIN = {
  manager: 'spec',
  user: { username: 'kubernetes-admin', groups: ['system:masters'] },
};
const RBAC = 'rbac.authorization.k8s.io';
const user = (username: string, ...groups: string[]): UserInfo => ({
  username,
  groups: [...groups, 'system:authenticated'],
});
const BOB = user('bob');

describe('RBAC rule matching', () => {
  const attrs = requestInfoOf;
  it('matches verbs, groups and resources with wildcards', () => {
    const r: PolicyRule = { verbs: ['*'], apiGroups: ['*'], resources: ['*'] };
    expect(ruleAllows(attrs({ verb: 'delete', apiGroup: 'apps', resource: 'deployments' }), r)).toBe(true);
    const pods: PolicyRule = {
      verbs: ['get'],
      apiGroups: [''],
      resources: ['pods'],
    };
    expect(ruleAllows(attrs({ verb: 'get', resource: 'pods' }), pods)).toBe(true);
    expect(ruleAllows(attrs({ verb: 'list', resource: 'pods' }), pods)).toBe(false);
    expect(ruleAllows(attrs({ verb: 'get', apiGroup: 'apps', resource: 'pods' }), pods)).toBe(false);
  });

  it('matches subresources exactly or through */subresource', () => {
    const log: PolicyRule = {
      verbs: ['get'],
      apiGroups: [''],
      resources: ['pods/log'],
    };
    expect(ruleAllows(attrs({ verb: 'get', resource: 'pods', subresource: 'log' }), log)).toBe(true);
    expect(ruleAllows(attrs({ verb: 'get', resource: 'pods' }), log)).toBe(false);
    const scale: PolicyRule = {
      verbs: ['update'],
      apiGroups: ['*'],
      resources: ['*/scale'],
    };
    expect(
      ruleAllows(
        attrs({
          verb: 'update',
          apiGroup: 'apps',
          resource: 'deployments',
          subresource: 'scale',
        }),
        scale,
      ),
    ).toBe(true);
    expect(ruleAllows(attrs({ verb: 'update', apiGroup: 'apps', resource: 'deployments' }), scale)).toBe(false);
  });

  it('restricts to resourceNames when the rule has some', () => {
    const r: PolicyRule = {
      verbs: ['get'],
      apiGroups: [''],
      resources: ['configmaps'],
      resourceNames: ['app'],
    };
    expect(ruleAllows(attrs({ verb: 'get', resource: 'configmaps', name: 'app' }), r)).toBe(true);
    expect(ruleAllows(attrs({ verb: 'get', resource: 'configmaps', name: 'other' }), r)).toBe(false);
    expect(
      ruleAllows(attrs({ verb: 'list', resource: 'configmaps' }), {
        ...r,
        verbs: ['list'],
      }),
    ).toBe(false);
  });

  it('matches non-resource URLs exactly or by a trailing *', () => {
    const r: PolicyRule = {
      verbs: ['get'],
      nonResourceURLs: ['/healthz', '/apis/*'],
    };
    const path = (p: string) => attrs({ isResourceRequest: false, verb: 'get', path: p });
    expect(ruleAllows(path('/healthz'), r)).toBe(true);
    expect(ruleAllows(path('/healthz/etcd'), r)).toBe(false);
    expect(ruleAllows(path('/apis/apps/v1'), r)).toBe(true);
    expect(ruleAllows(attrs({ verb: 'get', resource: 'apis' }), r)).toBe(false);
  });

  it('breaks rules down to find what an owner does not hold', () => {
    const owner: PolicyRule[] = [
      {
        verbs: ['get', 'list'],
        apiGroups: [''],
        resources: ['pods', '*/status'],
      },
    ];
    expect(
      uncoveredRules(owner, [
        {
          verbs: ['get', 'delete'],
          apiGroups: [''],
          resources: ['pods', 'services/status'],
        },
      ]),
    ).toEqual([
      { verbs: ['delete'], apiGroups: [''], resources: ['pods'] },
      { verbs: ['delete'], apiGroups: [''], resources: ['services/status'] },
    ]);
  });
});

describe('RBAC against the test server', () => {
  let server: KubeServer;
  const tokens = new Map<string, UserInfo>([
    ['bob-token', BOB],
    ['carol-token', user('carol')],
  ]);
  const fromTokens = bearerTokenAuthenticator(tokens);
  const authenticator: Authenticator = async (req) => fromTokens(req);

  const t = (group: string, plural: string) => {
    const r = server.registry.findAnyVersion(group, plural);
    if (!r) throw new Error(plural);
    return r;
  };
  const create = (group: string, plural: string, ns: string | undefined, o: Record<string, unknown>) =>
    server.api.create(t(group, plural), ns, o as unknown as KubeObject, ADMIN);
  const bind = (ns: string, name: string, role: { kind: string; name: string }, subjects: Record<string, unknown>[]) =>
    create(RBAC, 'rolebindings', ns, {
      metadata: { name },
      roleRef: { apiGroup: RBAC, ...role },
      subjects,
    });
  const clusterRole = (name: string, rules: PolicyRule[], labels?: Record<string, string>) =>
    create(RBAC, 'clusterroles', undefined, {
      metadata: { name, labels },
      rules,
    });
  const clusterBind = (name: string, role: string, subjects: Record<string, unknown>[]) =>
    create(RBAC, 'clusterrolebindings', undefined, {
      metadata: { name },
      roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: role },
      subjects,
    });
  const User = (name: string) => ({ kind: 'User', apiGroup: RBAC, name });

  function as(
    token: string | undefined,
    path: string,
    init: {
      method?: string;
      body?: unknown;
      headers?: Record<string, string>;
    } = {},
  ): Promise<RawResponse> {
    return rawRequest(server, {
      path,
      method: init.method,
      token: token ?? server.adminToken,
      headers: { 'Content-Type': 'application/json', ...(init.headers ?? {}) },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
  }
  const message = (r: RawResponse) => (r.json() as { message: string }).message;

  beforeAll(async () => {
    server = await startKubeServer({
      name: 'rbac-spec',
      authenticator: async (req) => {
        const h = req.headers.authorization ?? '';
        if (h === `Bearer ${server.adminToken}`)
          return {
            username: 'kubernetes-admin',
            groups: ['system:masters', 'system:authenticated'],
          };
        return authenticator(req);
      },
    });
    for (const name of ['team-a', 'team-b']) await create('', 'namespaces', undefined, { metadata: { name } });
    await server.settled();
  });
  afterAll(() => server.stop());

  it('bootstraps the default roles with their labels and aggregated rules', async () => {
    const view = server.api.get(t(RBAC, 'clusterroles'), undefined, 'view');
    expect(view.metadata.labels).toEqual({
      'kubernetes.io/bootstrapping': 'rbac-defaults',
      'rbac.authorization.k8s.io/aggregate-to-edit': 'true',
    });
    expect(view.metadata.annotations).toEqual({
      'rbac.authorization.kubernetes.io/autoupdate': 'true',
    });
    const can = (role: string, verb: string, group: string, resource: string) => {
      const rules = (server.api.get(t(RBAC, 'clusterroles'), undefined, role).rules ?? []) as PolicyRule[];
      return rules.some((r) => ruleAllows(requestInfoOf({ verb, apiGroup: group, resource, namespace: 'x' }), r));
    };
    expect(can('admin', 'create', RBAC, 'roles')).toBe(true);
    expect(can('admin', 'delete', 'apps', 'deployments')).toBe(true);
    expect(can('edit', 'create', '', 'pods')).toBe(true);
    expect(can('edit', 'create', RBAC, 'rolebindings')).toBe(false);
    expect(can('view', 'list', '', 'pods')).toBe(true);
    expect(can('view', 'get', '', 'secrets')).toBe(false);
    const bindings = server.api.list(t(RBAC, 'clusterrolebindings'), undefined).items.map((b) => b.metadata.name);
    expect(bindings).toEqual(
      expect.arrayContaining(['cluster-admin', 'system:basic-user', 'system:discovery', 'system:public-info-viewer']),
    );
  });

  it('keeps a restart from a state file free of duplicates', async () => {
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'rbac-state-'));
    const stateFile = join(dir, 'state.json');
    const first = await startKubeServer({ name: 'rbac-state', stateFile });
    const count = (s: KubeServer) =>
      s.api.list(s.registry.findAnyVersion(RBAC, 'clusterroles') as NonNullable<ReturnType<typeof s.registry.findAnyVersion>>, undefined)
        .items.length;
    const before = count(first);
    await first.stop();
    const second = await startKubeServer({ name: 'rbac-state', stateFile });
    expect(count(second)).toBe(before);
    await second.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('authorizes ServiceAccount subjects, defaulting their namespace to the binding', async () => {
    await create(RBAC, 'roles', 'team-a', {
      metadata: { name: 'cm-reader' },
      rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list'] }],
    });
    await bind('team-a', 'builder-reads', { kind: 'Role', name: 'cm-reader' }, [{ kind: 'ServiceAccount', name: 'builder' }]);
    const authorize = rbacAuthorizer(server.api);
    const sa = user('system:serviceaccount:team-a:builder', 'system:serviceaccounts', 'system:serviceaccounts:team-a');
    const list = (u: UserInfo, namespace: string) => authorize(u, requestInfoOf({ verb: 'list', resource: 'configmaps', namespace }));
    expect(await list(sa, 'team-a')).toEqual({
      allowed: true,
      reason: 'RBAC: allowed by RoleBinding "builder-reads/team-a" of Role "cm-reader" to ServiceAccount "builder/team-a"',
    });
    expect(await list(sa, 'team-b')).toEqual({ allowed: false });
    expect(await list(user('system:serviceaccount:team-b:builder'), 'team-a')).toEqual({ allowed: false });
  });

  it('allows system:masters everything with no reason, and reports bindings to missing roles', async () => {
    const authorize = rbacAuthorizer(server.api);
    expect(await authorize({ username: 'root', groups: ['system:masters'] }, requestInfoOf({ verb: 'delete', resource: 'nodes' }))).toEqual(
      { allowed: true },
    );
    await bind('team-b', 'dangling', { kind: 'ClusterRole', name: 'no-such-role' }, [User('erin')]);
    expect(await authorize(user('erin'), requestInfoOf({ verb: 'get', resource: 'pods', namespace: 'team-b' }))).toEqual({
      allowed: false,
      reason: 'RBAC: clusterrole.rbac.authorization.k8s.io "no-such-role" not found',
    });
  });

  it('refuses impersonation without the impersonate verb, then allows it for one user only', async () => {
    const refused = await as('bob-token', '/api/v1/namespaces/team-a/pods', {
      headers: { 'Impersonate-User': 'alice' },
    });
    expect(refused.status).toBe(403);
    expect(refused.json()).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'users "alice" is forbidden: User "bob" cannot impersonate resource "users" in API group "" at the cluster scope',
      reason: 'Forbidden',
      details: { name: 'alice', kind: 'users' },
      code: 403,
    });
    await clusterRole('impersonate-alice', [
      {
        apiGroups: [''],
        resources: ['users'],
        verbs: ['impersonate'],
        resourceNames: ['alice'],
      },
    ]);
    await clusterBind('bob-impersonates-alice', 'impersonate-alice', [User('bob')]);
    const review = await as('bob-token', '/apis/authentication.k8s.io/v1/selfsubjectreviews', {
      method: 'POST',
      body: {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'SelfSubjectReview',
      },
      headers: { 'Impersonate-User': 'alice' },
    });
    expect(review.status).toBe(201);
    expect((review.json() as { status: unknown }).status).toEqual({
      userInfo: { username: 'alice', groups: ['system:authenticated'] },
    });
    const carol = await as('bob-token', '/api/v1/namespaces/team-a/pods', {
      headers: { 'Impersonate-User': 'carol' },
    });
    expect(carol.status).toBe(403);
    expect(message(carol)).toBe(
      'users "carol" is forbidden: User "bob" cannot impersonate resource "users" in API group "" at the cluster scope',
    );
    // Groups need their own grant.
    const group = await as('bob-token', '/api/v1/namespaces/team-a/pods', {
      headers: { 'Impersonate-User': 'alice', 'Impersonate-Group': 'devs' },
    });
    expect(message(group)).toBe(
      'groups "devs" is forbidden: User "bob" cannot impersonate resource "groups" in API group "" at the cluster scope',
    );
  });

  it('checks service accounts, extras and uids on their own resources', async () => {
    const sa = await as('carol-token', '/api/v1/namespaces/team-a/pods', {
      headers: { 'Impersonate-User': 'system:serviceaccount:team-a:builder' },
    });
    expect(message(sa)).toBe(
      'serviceaccounts "builder" is forbidden: User "carol" cannot impersonate resource "serviceaccounts" in API group "" in the namespace "team-a"',
    );
    await clusterRole('impersonate-anyone', [
      {
        apiGroups: [''],
        resources: ['users', 'groups'],
        verbs: ['impersonate'],
      },
    ]);
    await clusterBind('carol-impersonates', 'impersonate-anyone', [User('carol')]);
    const extra = await as('carol-token', '/api/v1/namespaces/team-a/pods', {
      headers: {
        'Impersonate-User': 'alice',
        'Impersonate-Extra-Scopes': 'view',
      },
    });
    expect(message(extra)).toBe(
      'userextras.authentication.k8s.io "view" is forbidden: User "carol" cannot impersonate resource "userextras/scopes" in API group "authentication.k8s.io" at the cluster scope',
    );
    const uid = await as('carol-token', '/api/v1/namespaces/team-a/pods', {
      headers: { 'Impersonate-User': 'alice', 'Impersonate-Uid': 'u-1' },
    });
    expect(message(uid)).toBe(
      'uids.authentication.k8s.io "u-1" is forbidden: User "carol" cannot impersonate resource "uids" in API group "authentication.k8s.io" at the cluster scope',
    );
    // Impersonate-Group headers are the whole group list; system:authenticated is added.
    const review = await as('carol-token', '/apis/authentication.k8s.io/v1/selfsubjectreviews', {
      method: 'POST',
      body: {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'SelfSubjectReview',
      },
      headers: { 'Impersonate-User': 'alice', 'Impersonate-Group': 'devs' },
    });
    expect((review.json() as { status: unknown }).status).toEqual({
      userInfo: { username: 'alice', groups: ['devs', 'system:authenticated'] },
    });
  });

  it('answers groups without a user with the real internal error', async () => {
    const r = await as(undefined, '/api/v1/pods', {
      headers: { 'Impersonate-Group': 'devs' },
    });
    expect(r.status).toBe(500);
    expect(message(r)).toBe('Internal Server Error: "/api/v1/pods": requested [{Group  devs    }] without impersonating a user');
  });

  it('authorizes non-resource URLs', async () => {
    const anonymousGroups = {
      'Impersonate-User': 'frank',
      'Impersonate-Group': 'system:unauthenticated',
    };
    const refused = await as(undefined, '/openapi/v2', {
      headers: anonymousGroups,
    });
    expect(refused.status).toBe(403);
    expect(refused.json()).toMatchObject({
      message: 'forbidden: User "frank" cannot get path "/openapi/v2"',
      details: {},
    });
    await clusterRole('openapi-reader', [{ nonResourceURLs: ['/openapi/*'], verbs: ['get'] }]);
    await clusterBind('frank-reads-openapi', 'openapi-reader', [User('frank')]);
    expect((await as(undefined, '/openapi/v2', { headers: anonymousGroups })).status).toBe(200);
    expect((await as(undefined, '/api', { headers: anonymousGroups })).status).toBe(403);
  });

  it('answers SubjectAccessReview, LocalSubjectAccessReview and SelfSubjectRulesReview', async () => {
    await bind('team-a', 'grace-view', { kind: 'ClusterRole', name: 'view' }, [{ kind: 'Group', apiGroup: RBAC, name: 'viewers' }]);
    const sar = (kind: string, path: string, spec: Record<string, unknown>) =>
      as(undefined, path, {
        method: 'POST',
        body: { apiVersion: 'authorization.k8s.io/v1', kind, spec },
      });
    const byGroup = await sar('SubjectAccessReview', '/apis/authorization.k8s.io/v1/subjectaccessreviews', {
      user: 'grace',
      groups: ['viewers'],
      resourceAttributes: {
        namespace: 'team-a',
        verb: 'list',
        resource: 'pods',
      },
    });
    expect((byGroup.json() as { status: unknown }).status).toEqual({
      allowed: true,
      reason: 'RBAC: allowed by RoleBinding "grace-view/team-a" of ClusterRole "view" to Group "viewers"',
    });
    const noOne = await sar('SubjectAccessReview', '/apis/authorization.k8s.io/v1/subjectaccessreviews', {
      resourceAttributes: { verb: 'list', resource: 'pods' },
    });
    expect(noOne.status).toBe(422);
    const local = await sar('LocalSubjectAccessReview', '/apis/authorization.k8s.io/v1/namespaces/team-a/localsubjectaccessreviews', {
      user: 'grace',
      resourceAttributes: {
        namespace: 'team-b',
        verb: 'list',
        resource: 'pods',
      },
    });
    expect(local.status).toBe(400);
    expect(message(local)).toBe('spec.resourceAttributes.namespace must match namespace: team-a');
    const rules = await as(undefined, '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews', {
      method: 'POST',
      body: {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SelfSubjectRulesReview',
        spec: { namespace: 'team-a' },
      },
      headers: {
        'Impersonate-User': 'grace',
        'Impersonate-Group': 'viewers',
      },
    });
    expect(rules.status).toBe(201);
    const status = (
      rules.json() as {
        status: {
          resourceRules: PolicyRule[];
          nonResourceRules: PolicyRule[];
          incomplete: boolean;
        };
      }
    ).status;
    expect(status.incomplete).toBe(false);
    expect(status.resourceRules).toContainEqual(
      expect.objectContaining({
        verbs: ['get', 'list', 'watch'],
        resources: expect.arrayContaining(['pods']),
      }),
    );
    expect(status.resourceRules).toContainEqual({
      verbs: ['create'],
      apiGroups: ['authorization.k8s.io'],
      resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'],
    });
    expect(status.nonResourceRules).toContainEqual(
      expect.objectContaining({
        nonResourceURLs: expect.arrayContaining(['/api', '/apis/*']),
      }),
    );
  });

  it('extends view with a ClusterRole labelled aggregate-to-view, and edit and admin with it', async () => {
    const widgets: PolicyRule = {
      apiGroups: ['example.com'],
      resources: ['widgets'],
      verbs: ['get', 'list', 'watch'],
    };
    await clusterRole('widget-viewer', [widgets], {
      'rbac.authorization.k8s.io/aggregate-to-view': 'true',
    });
    await server.settled();
    for (const name of ['view', 'edit', 'admin'])
      expect(server.api.get(t(RBAC, 'clusterroles'), undefined, name).rules).toContainEqual(widgets);
    const view = server.api.get(t(RBAC, 'clusterroles'), undefined, 'view');
    expect(view.metadata.managedFields?.map((m) => [m.manager, m.operation])).toContainEqual([
      'clusterrole-aggregation-controller',
      'Apply',
    ]);
  });

  describe('escalation prevention', () => {
    beforeAll(async () => {
      await bind('team-a', 'bob-admin', { kind: 'ClusterRole', name: 'admin' }, [User('bob')]);
    });
    const post = (path: string, body: Record<string, unknown>) => as('bob-token', path, { method: 'POST', body });
    const roles = '/apis/rbac.authorization.k8s.io/v1/namespaces/team-a/roles';
    const bindings = '/apis/rbac.authorization.k8s.io/v1/namespaces/team-a/rolebindings';

    it('allows a Role within what the user holds and refuses one beyond it', async () => {
      const ok = await post(roles, {
        apiVersion: `${RBAC}/v1`,
        kind: 'Role',
        metadata: { name: 'pod-reader' },
        rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }],
      });
      expect(ok.status).toBe(201);
      const refused = await post(roles, {
        apiVersion: `${RBAC}/v1`,
        kind: 'Role',
        metadata: { name: 'too-much' },
        rules: [
          { apiGroups: [''], resources: ['pods'], verbs: ['get'] },
          { apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list'] },
          {
            apiGroups: ['apps'],
            resources: ['deployments'],
            verbs: ['get'],
            resourceNames: ['web'],
          },
          { apiGroups: [''], resources: ['resourcequotas'], verbs: ['create'] },
        ],
      });
      expect(refused.status).toBe(403);
      expect(refused.json()).toEqual({
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message:
          'roles.rbac.authorization.k8s.io "too-much" is forbidden: user "bob" (groups=["system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n' +
          '{APIGroups:[""], Resources:["nodes"], Verbs:["get" "list"]}\n' +
          '{APIGroups:[""], Resources:["resourcequotas"], Verbs:["create"]}',
        reason: 'Forbidden',
        details: { name: 'too-much', group: RBAC, kind: 'roles' },
        code: 403,
      });
    });

    it('allows any Role with the escalate verb', async () => {
      await create(RBAC, 'roles', 'team-a', {
        metadata: { name: 'escalator' },
        rules: [{ apiGroups: [RBAC], resources: ['roles'], verbs: ['escalate'] }],
      });
      await bind('team-a', 'bob-escalates', { kind: 'Role', name: 'escalator' }, [User('bob')]);
      const ok = await post(roles, {
        apiVersion: `${RBAC}/v1`,
        kind: 'Role',
        metadata: { name: 'node-ish' },
        rules: [{ apiGroups: [''], resources: ['nodes'], verbs: ['get'] }],
      });
      expect(ok.status).toBe(201);
    });

    it('refuses binding a role the user does not hold, unless bind is granted for that role', async () => {
      const binding = (name: string, role: string) => ({
        apiVersion: `${RBAC}/v1`,
        kind: 'RoleBinding',
        metadata: { name },
        roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: role },
        subjects: [User('dan')],
      });
      expect((await post(bindings, binding('dan-view', 'view'))).status).toBe(201);
      const refused = await post(bindings, binding('dan-admin', 'cluster-admin'));
      expect(refused.status).toBe(403);
      expect(message(refused)).toBe(
        'rolebindings.rbac.authorization.k8s.io "dan-admin" is forbidden: user "bob" (groups=["system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n' +
          '{APIGroups:["*"], Resources:["*"], Verbs:["*"]}\n' +
          '{NonResourceURLs:["*"], Verbs:["*"]}',
      );
      await clusterRole('bind-cluster-admin', [
        {
          apiGroups: [RBAC],
          resources: ['clusterroles'],
          verbs: ['bind'],
          resourceNames: ['cluster-admin'],
        },
      ]);
      await bind('team-a', 'bob-binds', { kind: 'ClusterRole', name: 'bind-cluster-admin' }, [User('bob')]);
      expect((await post(bindings, binding('dan-admin', 'cluster-admin'))).status).toBe(201);
      await clusterRole('node-lister', [{ apiGroups: [''], resources: ['nodes'], verbs: ['list'] }]);
      expect((await post(bindings, binding('dan-nodes', 'node-lister'))).status).toBe(403);
      const missing = await post(bindings, binding('dan-ghost', 'ghost'));
      expect(missing.status).toBe(404);
      expect(message(missing)).toBe('clusterroles.rbac.authorization.k8s.io "ghost" not found');
    });

    it('requires cluster-admin powers for an aggregationRule', async () => {
      await clusterRole('clusterrole-writer', [{ apiGroups: [RBAC], resources: ['clusterroles'], verbs: ['create'] }]);
      await clusterBind('carol-writes-clusterroles', 'clusterrole-writer', [User('carol')]);
      const r = await as('carol-token', '/apis/rbac.authorization.k8s.io/v1/clusterroles', {
        method: 'POST',
        body: {
          apiVersion: `${RBAC}/v1`,
          kind: 'ClusterRole',
          metadata: { name: 'gatherer' },
          aggregationRule: {
            clusterRoleSelectors: [{ matchLabels: { x: 'y' } }],
          },
        },
      });
      expect(r.status).toBe(403);
      expect(message(r)).toBe(
        'clusterroles.rbac.authorization.k8s.io "gatherer" is forbidden: must have cluster-admin privileges to use the aggregationRule',
      );
    });
  });
});
