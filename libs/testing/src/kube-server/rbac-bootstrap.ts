// The default RBAC policy kube-apiserver ensures at start-up (plugin/pkg/auth/authorizer/rbac/
// bootstrappolicy/policy.go): the user-facing roles (cluster-admin, admin, edit, view and the
// system:aggregate-to-* roles that feed them), discovery and self-review roles, and their bindings.
import { ObjectApi } from './object-api';
import { UserInfo } from './pipeline';
import { PolicyRule, RBAC_GROUP, Subject } from './rbac';
import { KubeObject } from './types';

const BOOTSTRAP_LABELS = { 'kubernetes.io/bootstrapping': 'rbac-defaults' };
const AUTOUPDATE = { 'rbac.authorization.kubernetes.io/autoupdate': 'true' };

const READ = ['get', 'list', 'watch'];
const WRITE = ['create', 'delete', 'deletecollection', 'patch', 'update'];
const ALL_RW = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

const rule = (apiGroups: string[], resources: string[], verbs: string[]): PolicyRule => ({ apiGroups, resources, verbs });
const urls = (nonResourceURLs: string[], verbs: string[]): PolicyRule => ({
  nonResourceURLs,
  verbs,
});

/** The controller that fills aggregated ClusterRoles acts as its own service account, as in kube. */
export const CLUSTERROLE_AGGREGATION_USER: UserInfo = {
  username: 'system:serviceaccount:kube-system:clusterrole-aggregation-controller',
  groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-system', 'system:authenticated'],
};

interface ClusterRoleSpec {
  name: string;
  labels?: Record<string, string>;
  aggregateTo?: string;
  rules?: PolicyRule[];
}

const CLUSTER_ROLES: ClusterRoleSpec[] = [
  {
    name: 'cluster-admin',
    rules: [rule(['*'], ['*'], ['*']), urls(['*'], ['*'])],
  },
  { name: 'admin', aggregateTo: 'admin' },
  {
    name: 'edit',
    aggregateTo: 'edit',
    labels: { 'rbac.authorization.k8s.io/aggregate-to-admin': 'true' },
  },
  {
    name: 'view',
    aggregateTo: 'view',
    labels: { 'rbac.authorization.k8s.io/aggregate-to-edit': 'true' },
  },
  {
    name: 'system:aggregate-to-admin',
    labels: { 'rbac.authorization.k8s.io/aggregate-to-admin': 'true' },
    rules: [
      rule(['authorization.k8s.io'], ['localsubjectaccessreviews'], ['create']),
      rule([RBAC_GROUP], ['rolebindings', 'roles'], ALL_RW),
    ],
  },
  {
    name: 'system:aggregate-to-edit',
    labels: { 'rbac.authorization.k8s.io/aggregate-to-edit': 'true' },
    rules: [
      rule([''], ['pods/attach', 'pods/exec', 'pods/portforward', 'pods/proxy', 'secrets', 'services/proxy'], READ),
      rule([''], ['serviceaccounts'], ['impersonate']),
      rule([''], ['pods', 'pods/attach', 'pods/exec', 'pods/portforward', 'pods/proxy'], WRITE),
      rule([''], ['pods/eviction'], ['create']),
      rule(
        [''],
        [
          'configmaps',
          'events',
          'persistentvolumeclaims',
          'replicationcontrollers',
          'replicationcontrollers/scale',
          'secrets',
          'serviceaccounts',
          'services',
          'services/proxy',
        ],
        WRITE,
      ),
      rule([''], ['serviceaccounts/token'], ['create']),
      rule(
        ['apps'],
        [
          'daemonsets',
          'deployments',
          'deployments/rollback',
          'deployments/scale',
          'replicasets',
          'replicasets/scale',
          'statefulsets',
          'statefulsets/scale',
        ],
        WRITE,
      ),
      rule(['autoscaling'], ['horizontalpodautoscalers'], WRITE),
      rule(['batch'], ['cronjobs', 'jobs'], WRITE),
      rule(
        ['extensions'],
        [
          'daemonsets',
          'deployments',
          'deployments/rollback',
          'deployments/scale',
          'ingresses',
          'networkpolicies',
          'replicasets',
          'replicasets/scale',
          'replicationcontrollers/scale',
        ],
        WRITE,
      ),
      rule(['policy'], ['poddisruptionbudgets'], WRITE),
      rule(['networking.k8s.io'], ['ingresses', 'networkpolicies'], WRITE),
      rule(['coordination.k8s.io'], ['leases'], ALL_RW),
    ],
  },
  {
    name: 'system:aggregate-to-view',
    labels: { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' },
    rules: [
      rule(
        [''],
        [
          'configmaps',
          'endpoints',
          'persistentvolumeclaims',
          'persistentvolumeclaims/status',
          'pods',
          'replicationcontrollers',
          'replicationcontrollers/scale',
          'serviceaccounts',
          'services',
          'services/status',
        ],
        READ,
      ),
      rule(
        [''],
        [
          'bindings',
          'events',
          'limitranges',
          'namespaces/status',
          'pods/log',
          'pods/status',
          'replicationcontrollers/status',
          'resourcequotas',
          'resourcequotas/status',
        ],
        READ,
      ),
      rule([''], ['namespaces'], READ),
      rule(['discovery.k8s.io'], ['endpointslices'], READ),
      rule(
        ['apps'],
        [
          'controllerrevisions',
          'daemonsets',
          'daemonsets/status',
          'deployments',
          'deployments/scale',
          'deployments/status',
          'replicasets',
          'replicasets/scale',
          'replicasets/status',
          'statefulsets',
          'statefulsets/scale',
          'statefulsets/status',
        ],
        READ,
      ),
      rule(['autoscaling'], ['horizontalpodautoscalers', 'horizontalpodautoscalers/status'], READ),
      rule(['batch'], ['cronjobs', 'cronjobs/status', 'jobs', 'jobs/status'], READ),
      rule(
        ['extensions'],
        [
          'daemonsets',
          'daemonsets/status',
          'deployments',
          'deployments/scale',
          'deployments/status',
          'ingresses',
          'ingresses/status',
          'networkpolicies',
          'replicasets',
          'replicasets/scale',
          'replicasets/status',
          'replicationcontrollers/scale',
        ],
        READ,
      ),
      rule(['policy'], ['poddisruptionbudgets', 'poddisruptionbudgets/status'], READ),
      rule(['networking.k8s.io'], ['ingresses', 'ingresses/status', 'networkpolicies'], READ),
    ],
  },
  {
    name: 'system:basic-user',
    rules: [
      rule(['authorization.k8s.io'], ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'], ['create']),
      rule(['authentication.k8s.io'], ['selfsubjectreviews'], ['create']),
    ],
  },
  {
    name: 'system:discovery',
    rules: [
      urls(
        ['/api', '/api/*', '/apis', '/apis/*', '/healthz', '/livez', '/openapi', '/openapi/*', '/readyz', '/version', '/version/'],
        ['get'],
      ),
    ],
  },
  {
    name: 'system:public-info-viewer',
    rules: [urls(['/healthz', '/livez', '/readyz', '/version', '/version/'], ['get'])],
  },
  {
    name: 'system:controller:clusterrole-aggregation-controller',
    rules: [rule([RBAC_GROUP], ['clusterroles'], ['escalate', 'get', 'list', 'patch', 'update', 'watch'])],
  },
];

const group = (name: string): Subject => ({
  kind: 'Group',
  apiGroup: RBAC_GROUP,
  name,
});

const CLUSTER_ROLE_BINDINGS: { name: string; subjects: Subject[] }[] = [
  { name: 'cluster-admin', subjects: [group('system:masters')] },
  { name: 'system:basic-user', subjects: [group('system:authenticated')] },
  { name: 'system:discovery', subjects: [group('system:authenticated')] },
  {
    name: 'system:public-info-viewer',
    subjects: [group('system:authenticated'), group('system:unauthenticated')],
  },
  {
    name: 'system:controller:clusterrole-aggregation-controller',
    subjects: [
      {
        kind: 'ServiceAccount',
        name: 'clusterrole-aggregation-controller',
        namespace: 'kube-system',
      },
    ],
  },
];

function clusterRole(spec: ClusterRoleSpec): KubeObject {
  const o: KubeObject = {
    apiVersion: `${RBAC_GROUP}/v1`,
    kind: 'ClusterRole',
    metadata: {
      name: spec.name,
      labels: { ...BOOTSTRAP_LABELS, ...(spec.labels ?? {}) },
      annotations: { ...AUTOUPDATE },
    },
  };
  if (spec.aggregateTo)
    o.aggregationRule = {
      clusterRoleSelectors: [
        {
          matchLabels: {
            [`rbac.authorization.k8s.io/aggregate-to-${spec.aggregateTo}`]: 'true',
          },
        },
      ],
    };
  if (spec.rules) o.rules = spec.rules;
  return o;
}

/**
 * EnsureRBACPolicy: creates the default ClusterRoles and ClusterRoleBindings that are missing, so a
 * restart from saved state never duplicates them (kube reconciles them on every start).
 */
export async function bootstrapRbacPolicy(api: ObjectApi, user: UserInfo): Promise<void> {
  const roles = api.registry.findAnyVersion(RBAC_GROUP, 'clusterroles');
  const bindings = api.registry.findAnyVersion(RBAC_GROUP, 'clusterrolebindings');
  if (!roles || !bindings) throw new Error('missing rbac.authorization.k8s.io');
  const write = { manager: 'kube-apiserver', user };
  for (const spec of CLUSTER_ROLES)
    if (!api.tryGet(roles, undefined, spec.name)) await api.create(roles, undefined, clusterRole(spec), write);
  for (const b of CLUSTER_ROLE_BINDINGS)
    if (!api.tryGet(bindings, undefined, b.name))
      await api.create(
        bindings,
        undefined,
        {
          apiVersion: `${RBAC_GROUP}/v1`,
          kind: 'ClusterRoleBinding',
          metadata: {
            name: b.name,
            labels: { ...BOOTSTRAP_LABELS },
            annotations: { ...AUTOUPDATE },
          },
          roleRef: { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name: b.name },
          subjects: b.subjects,
        },
        write,
      );
}
