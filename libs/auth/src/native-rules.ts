/**
 * The Kubernetes RBAC rules of the ClusterRole each Cube role becomes in a member cluster.
 * They follow the aggregated `view`/`edit`/`admin`/`cluster-admin` ClusterRoles of Kubernetes
 * (plugin/pkg/auth/authorizer/rbac/bootstrappolicy/policy.go), flattened because Warden owns
 * these objects and a flat list is easier to diff and to audit than an aggregation.
 */
export interface NativePolicyRule {
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
  verbs: string[];
}

const READ = ['get', 'list', 'watch'];
/** Kubernetes' `edit` grants writes separately from the reads it aggregates from `view`. */
const WRITE = ['create', 'delete', 'deletecollection', 'patch', 'update'];

/**
 * `view`: read-only on non-escalating namespaced resources. Secrets are left out on purpose, as in
 * Kubernetes: reading a service account token Secret would let a viewer act as that account.
 * The cluster-scoped reads (nodes, persistentvolumes, storageclasses) only take effect through a
 * ClusterRoleBinding, i.e. for a platform-scope viewer; in a namespace RoleBinding they are inert.
 */
export const VIEWER_NATIVE_RULES: readonly NativePolicyRule[] = [
  {
    apiGroups: [''],
    resources: [
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
    verbs: READ,
  },
  {
    apiGroups: [''],
    resources: [
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
    verbs: READ,
  },
  // Reading namespaces in a namespace RoleBinding means reading *this* namespace (as in `view`).
  { apiGroups: [''], resources: ['namespaces'], verbs: READ },
  {
    apiGroups: ['discovery.k8s.io'],
    resources: ['endpointslices'],
    verbs: READ,
  },
  {
    apiGroups: ['apps'],
    resources: [
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
    verbs: READ,
  },
  {
    apiGroups: ['autoscaling'],
    resources: ['horizontalpodautoscalers', 'horizontalpodautoscalers/status'],
    verbs: READ,
  },
  {
    apiGroups: ['batch'],
    resources: ['cronjobs', 'cronjobs/status', 'jobs', 'jobs/status'],
    verbs: READ,
  },
  {
    apiGroups: ['policy'],
    resources: ['poddisruptionbudgets', 'poddisruptionbudgets/status'],
    verbs: READ,
  },
  {
    apiGroups: ['networking.k8s.io'],
    resources: ['ingresses', 'ingresses/status', 'networkpolicies'],
    verbs: READ,
  },
  { apiGroups: [''], resources: ['nodes', 'persistentvolumes'], verbs: READ },
  { apiGroups: ['storage.k8s.io'], resources: ['storageclasses'], verbs: READ },
];

/**
 * `edit` on top of `view`: every user-level action in a namespace, including secrets and pod
 * exec/attach/port-forward, but not quota, limits or RBAC, which control the namespace itself.
 */
export const MEMBER_NATIVE_RULES: readonly NativePolicyRule[] = [
  ...VIEWER_NATIVE_RULES,
  {
    apiGroups: [''],
    resources: ['pods/attach', 'pods/exec', 'pods/portforward', 'pods/proxy', 'secrets', 'services/proxy'],
    verbs: READ,
  },
  {
    apiGroups: [''],
    resources: [
      'configmaps',
      'events',
      'persistentvolumeclaims',
      'pods',
      'pods/attach',
      'pods/exec',
      'pods/portforward',
      'pods/proxy',
      'replicationcontrollers',
      'replicationcontrollers/scale',
      'secrets',
      'serviceaccounts',
      'services',
      'services/proxy',
    ],
    verbs: WRITE,
  },
  { apiGroups: [''], resources: ['serviceaccounts/token'], verbs: ['create'] },
  { apiGroups: [''], resources: ['serviceaccounts'], verbs: ['impersonate'] },
  {
    apiGroups: ['apps'],
    resources: [
      'daemonsets',
      'deployments',
      'deployments/rollback',
      'deployments/scale',
      'replicasets',
      'replicasets/scale',
      'statefulsets',
      'statefulsets/scale',
    ],
    verbs: WRITE,
  },
  {
    apiGroups: ['autoscaling'],
    resources: ['horizontalpodautoscalers'],
    verbs: WRITE,
  },
  { apiGroups: ['batch'], resources: ['cronjobs', 'jobs'], verbs: WRITE },
  { apiGroups: ['policy'], resources: ['poddisruptionbudgets'], verbs: WRITE },
  {
    apiGroups: ['networking.k8s.io'],
    resources: ['ingresses', 'networkpolicies'],
    verbs: WRITE,
  },
];

/**
 * `admin` on top of `edit`: may grant access inside the namespace. Kubernetes' own escalation
 * check still stops them binding rules they do not hold. ResourceQuota stays read-only: Cube owns
 * quota and Warden's webhook enforces it.
 */
export const ADMIN_NATIVE_RULES: readonly NativePolicyRule[] = [
  ...MEMBER_NATIVE_RULES,
  {
    apiGroups: ['authorization.k8s.io'],
    resources: ['localsubjectaccessreviews'],
    verbs: ['create'],
  },
  {
    apiGroups: ['rbac.authorization.k8s.io'],
    resources: ['rolebindings', 'roles'],
    verbs: [...READ, ...WRITE],
  },
];

/** `cluster-admin`: everything, including non-resource URLs. Bound only through a ClusterRoleBinding. */
export const PLATFORM_ADMIN_NATIVE_RULES: readonly NativePolicyRule[] = [
  { apiGroups: ['*'], resources: ['*'], verbs: ['*'] },
  { nonResourceURLs: ['*'], verbs: ['*'] },
];
