// Registry of the resource types the server knows: the built-in ones of kube-apiserver v1.32
// (table below copied from its discovery documents in ../shared/k8s-reference) plus CRDs added at run time.
import { createHash } from 'node:crypto';

export interface SubresourceType {
  name: string;
  /** Kind answered by the subresource when it differs from the parent's (e.g. Scale). */
  kind?: string;
  group?: string;
  version?: string;
  verbs: string[];
}

export interface ResourceType {
  group: string;
  version: string;
  kind: string;
  plural: string;
  singular: string;
  namespaced: boolean;
  verbs: string[];
  shortNames?: string[];
  categories?: string[];
  subresources?: SubresourceType[];
  /** false for virtual resources (reviews, bindings, componentstatuses): nothing is stored. */
  persisted?: boolean;
  /** Set for custom resources: the CRD that serves it. */
  crd?: {
    name: string;
    storageVersion: string;
    printerColumns?: PrinterColumn[];
  };
  listKind?: string;
}

export interface PrinterColumn {
  name: string;
  type: string;
  format?: string;
  description?: string;
  priority?: number;
  jsonPath: string;
}

const CRUD = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const GET_PATCH_UPDATE = ['get', 'patch', 'update'];

export const BUILTIN_RESOURCES: ResourceType[] = [
  {
    group: '',
    version: 'v1',
    kind: 'Binding',
    plural: 'bindings',
    singular: 'binding',
    namespaced: true,
    verbs: ['create'],
    persisted: false,
  },
  {
    group: '',
    version: 'v1',
    kind: 'ComponentStatus',
    plural: 'componentstatuses',
    singular: 'componentstatus',
    namespaced: false,
    verbs: ['get', 'list'],
    shortNames: ['cs'],
    persisted: false,
  },
  {
    group: '',
    version: 'v1',
    kind: 'ConfigMap',
    plural: 'configmaps',
    singular: 'configmap',
    namespaced: true,
    verbs: CRUD,
    shortNames: ['cm'],
  },
  {
    group: '',
    version: 'v1',
    kind: 'Endpoints',
    plural: 'endpoints',
    singular: 'endpoints',
    namespaced: true,
    verbs: CRUD,
    shortNames: ['ep'],
  },
  {
    group: '',
    version: 'v1',
    kind: 'Event',
    plural: 'events',
    singular: 'event',
    namespaced: true,
    verbs: CRUD,
    shortNames: ['ev'],
  },
  {
    group: '',
    version: 'v1',
    kind: 'LimitRange',
    plural: 'limitranges',
    singular: 'limitrange',
    namespaced: true,
    verbs: CRUD,
    shortNames: ['limits'],
  },
  {
    group: '',
    version: 'v1',
    kind: 'Namespace',
    plural: 'namespaces',
    singular: 'namespace',
    namespaced: false,
    verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
    shortNames: ['ns'],
    subresources: [
      { name: 'finalize', verbs: ['update'] },
      { name: 'status', verbs: GET_PATCH_UPDATE },
    ],
  },
  {
    group: '',
    version: 'v1',
    kind: 'Node',
    plural: 'nodes',
    singular: 'node',
    namespaced: false,
    verbs: CRUD,
    shortNames: ['no'],
    subresources: [
      {
        name: 'proxy',
        kind: 'NodeProxyOptions',
        verbs: ['create', 'delete', 'get', 'patch', 'update'],
      },
      { name: 'status', verbs: GET_PATCH_UPDATE },
    ],
  },
  {
    group: '',
    version: 'v1',
    kind: 'PersistentVolumeClaim',
    plural: 'persistentvolumeclaims',
    singular: 'persistentvolumeclaim',
    namespaced: true,
    verbs: CRUD,
    shortNames: ['pvc'],
    subresources: [{ name: 'status', verbs: GET_PATCH_UPDATE }],
  },
  {
    group: '',
    version: 'v1',
    kind: 'PersistentVolume',
    plural: 'persistentvolumes',
    singular: 'persistentvolume',
    namespaced: false,
    verbs: CRUD,
    shortNames: ['pv'],
    subresources: [{ name: 'status', verbs: GET_PATCH_UPDATE }],
  },
  {
    group: '',
    version: 'v1',
    kind: 'Pod',
    plural: 'pods',
    singular: 'pod',
    namespaced: true,
    verbs: CRUD,
    shortNames: ['po'],
    categories: ['all'],
    subresources: [
      { name: 'attach', kind: 'PodAttachOptions', verbs: ['create', 'get'] },
      { name: 'binding', kind: 'Binding', verbs: ['create'] },
      { name: 'ephemeralcontainers', verbs: GET_PATCH_UPDATE },
      {
        name: 'eviction',
        kind: 'Eviction',
        group: 'policy',
        version: 'v1',
        verbs: ['create'],
      },
      { name: 'exec', kind: 'PodExecOptions', verbs: ['create', 'get'] },
      { name: 'log', verbs: ['get'] },
      {
        name: 'portforward',
        kind: 'PodPortForwardOptions',
        verbs: ['create', 'get'],
      },
      {
        name: 'proxy',
        kind: 'PodProxyOptions',
        verbs: ['create', 'delete', 'get', 'patch', 'update'],
      },
      { name: 'status', verbs: GET_PATCH_UPDATE },
    ],
  },
  {
    group: '',
    version: 'v1',
    kind: 'PodTemplate',
    plural: 'podtemplates',
    singular: 'podtemplate',
    namespaced: true,
    verbs: CRUD,
  },
  {
    group: '',
    version: 'v1',
    kind: 'ReplicationController',
    plural: 'replicationcontrollers',
    singular: 'replicationcontroller',
    namespaced: true,
    verbs: CRUD,
    shortNames: ['rc'],
    categories: ['all'],
    subresources: [
      {
        name: 'scale',
        kind: 'Scale',
        group: 'autoscaling',
        version: 'v1',
        verbs: GET_PATCH_UPDATE,
      },
      { name: 'status', verbs: GET_PATCH_UPDATE },
    ],
  },
  {
    group: '',
    version: 'v1',
    kind: 'ResourceQuota',
    plural: 'resourcequotas',
    singular: 'resourcequota',
    namespaced: true,
    verbs: CRUD,
    shortNames: ['quota'],
    subresources: [{ name: 'status', verbs: GET_PATCH_UPDATE }],
  },
  {
    group: '',
    version: 'v1',
    kind: 'Secret',
    plural: 'secrets',
    singular: 'secret',
    namespaced: true,
    verbs: CRUD,
  },
  {
    group: '',
    version: 'v1',
    kind: 'ServiceAccount',
    plural: 'serviceaccounts',
    singular: 'serviceaccount',
    namespaced: true,
    verbs: CRUD,
    shortNames: ['sa'],
    subresources: [
      {
        name: 'token',
        kind: 'TokenRequest',
        group: 'authentication.k8s.io',
        version: 'v1',
        verbs: ['create'],
      },
    ],
  },
  {
    group: '',
    version: 'v1',
    kind: 'Service',
    plural: 'services',
    singular: 'service',
    namespaced: true,
    verbs: CRUD,
    shortNames: ['svc'],
    categories: ['all'],
    subresources: [
      {
        name: 'proxy',
        kind: 'ServiceProxyOptions',
        verbs: ['create', 'delete', 'get', 'patch', 'update'],
      },
      { name: 'status', verbs: GET_PATCH_UPDATE },
    ],
  },
  {
    group: 'apiregistration.k8s.io',
    version: 'v1',
    kind: 'APIService',
    plural: 'apiservices',
    singular: 'apiservice',
    namespaced: false,
    verbs: CRUD,
    categories: ['api-extensions'],
    subresources: [{ name: 'status', verbs: GET_PATCH_UPDATE }],
  },
  {
    group: 'apps',
    version: 'v1',
    kind: 'ControllerRevision',
    plural: 'controllerrevisions',
    singular: 'controllerrevision',
    namespaced: true,
    verbs: CRUD,
  },
  {
    group: 'apps',
    version: 'v1',
    kind: 'DaemonSet',
    plural: 'daemonsets',
    singular: 'daemonset',
    namespaced: true,
    verbs: CRUD,
    shortNames: ['ds'],
    categories: ['all'],
    subresources: [{ name: 'status', verbs: GET_PATCH_UPDATE }],
  },
  {
    group: 'apps',
    version: 'v1',
    kind: 'Deployment',
    plural: 'deployments',
    singular: 'deployment',
    namespaced: true,
    verbs: CRUD,
    shortNames: ['deploy'],
    categories: ['all'],
    subresources: [
      {
        name: 'scale',
        kind: 'Scale',
        group: 'autoscaling',
        version: 'v1',
        verbs: GET_PATCH_UPDATE,
      },
      { name: 'status', verbs: GET_PATCH_UPDATE },
    ],
  },
  {
    group: 'apps',
    version: 'v1',
    kind: 'ReplicaSet',
    plural: 'replicasets',
    singular: 'replicaset',
    namespaced: true,
    verbs: CRUD,
    shortNames: ['rs'],
    categories: ['all'],
    subresources: [
      {
        name: 'scale',
        kind: 'Scale',
        group: 'autoscaling',
        version: 'v1',
        verbs: GET_PATCH_UPDATE,
      },
      { name: 'status', verbs: GET_PATCH_UPDATE },
    ],
  },
  {
    group: 'apps',
    version: 'v1',
    kind: 'StatefulSet',
    plural: 'statefulsets',
    singular: 'statefulset',
    namespaced: true,
    verbs: CRUD,
    shortNames: ['sts'],
    categories: ['all'],
    subresources: [
      {
        name: 'scale',
        kind: 'Scale',
        group: 'autoscaling',
        version: 'v1',
        verbs: GET_PATCH_UPDATE,
      },
      { name: 'status', verbs: GET_PATCH_UPDATE },
    ],
  },
  {
    group: 'events.k8s.io',
    version: 'v1',
    kind: 'Event',
    plural: 'events',
    singular: 'event',
    namespaced: true,
    verbs: CRUD,
    shortNames: ['ev'],
  },
  {
    group: 'authentication.k8s.io',
    version: 'v1',
    kind: 'SelfSubjectReview',
    plural: 'selfsubjectreviews',
    singular: 'selfsubjectreview',
    namespaced: false,
    verbs: ['create'],
    persisted: false,
  },
  {
    group: 'authentication.k8s.io',
    version: 'v1',
    kind: 'TokenReview',
    plural: 'tokenreviews',
    singular: 'tokenreview',
    namespaced: false,
    verbs: ['create'],
    persisted: false,
  },
  {
    group: 'authorization.k8s.io',
    version: 'v1',
    kind: 'LocalSubjectAccessReview',
    plural: 'localsubjectaccessreviews',
    singular: 'localsubjectaccessreview',
    namespaced: true,
    verbs: ['create'],
    persisted: false,
  },
  {
    group: 'authorization.k8s.io',
    version: 'v1',
    kind: 'SelfSubjectAccessReview',
    plural: 'selfsubjectaccessreviews',
    singular: 'selfsubjectaccessreview',
    namespaced: false,
    verbs: ['create'],
    persisted: false,
  },
  {
    group: 'authorization.k8s.io',
    version: 'v1',
    kind: 'SelfSubjectRulesReview',
    plural: 'selfsubjectrulesreviews',
    singular: 'selfsubjectrulesreview',
    namespaced: false,
    verbs: ['create'],
    persisted: false,
  },
  {
    group: 'authorization.k8s.io',
    version: 'v1',
    kind: 'SubjectAccessReview',
    plural: 'subjectaccessreviews',
    singular: 'subjectaccessreview',
    namespaced: false,
    verbs: ['create'],
    persisted: false,
  },
  {
    group: 'autoscaling',
    version: 'v2',
    kind: 'HorizontalPodAutoscaler',
    plural: 'horizontalpodautoscalers',
    singular: 'horizontalpodautoscaler',
    namespaced: true,
    verbs: CRUD,
    shortNames: ['hpa'],
    categories: ['all'],
    subresources: [{ name: 'status', verbs: GET_PATCH_UPDATE }],
  },
  {
    group: 'autoscaling',
    version: 'v1',
    kind: 'HorizontalPodAutoscaler',
    plural: 'horizontalpodautoscalers',
    singular: 'horizontalpodautoscaler',
    namespaced: true,
    verbs: CRUD,
    shortNames: ['hpa'],
    categories: ['all'],
    subresources: [{ name: 'status', verbs: GET_PATCH_UPDATE }],
  },
  {
    group: 'batch',
    version: 'v1',
    kind: 'CronJob',
    plural: 'cronjobs',
    singular: 'cronjob',
    namespaced: true,
    verbs: CRUD,
    shortNames: ['cj'],
    categories: ['all'],
    subresources: [{ name: 'status', verbs: GET_PATCH_UPDATE }],
  },
  {
    group: 'batch',
    version: 'v1',
    kind: 'Job',
    plural: 'jobs',
    singular: 'job',
    namespaced: true,
    verbs: CRUD,
    categories: ['all'],
    subresources: [{ name: 'status', verbs: GET_PATCH_UPDATE }],
  },
  {
    group: 'certificates.k8s.io',
    version: 'v1',
    kind: 'CertificateSigningRequest',
    plural: 'certificatesigningrequests',
    singular: 'certificatesigningrequest',
    namespaced: false,
    verbs: CRUD,
    shortNames: ['csr'],
    subresources: [
      { name: 'approval', verbs: GET_PATCH_UPDATE },
      { name: 'status', verbs: GET_PATCH_UPDATE },
    ],
  },
  {
    group: 'networking.k8s.io',
    version: 'v1',
    kind: 'IngressClass',
    plural: 'ingressclasses',
    singular: 'ingressclass',
    namespaced: false,
    verbs: CRUD,
  },
  {
    group: 'networking.k8s.io',
    version: 'v1',
    kind: 'Ingress',
    plural: 'ingresses',
    singular: 'ingress',
    namespaced: true,
    verbs: CRUD,
    shortNames: ['ing'],
    subresources: [{ name: 'status', verbs: GET_PATCH_UPDATE }],
  },
  {
    group: 'networking.k8s.io',
    version: 'v1',
    kind: 'NetworkPolicy',
    plural: 'networkpolicies',
    singular: 'networkpolicy',
    namespaced: true,
    verbs: CRUD,
    shortNames: ['netpol'],
  },
  {
    group: 'policy',
    version: 'v1',
    kind: 'PodDisruptionBudget',
    plural: 'poddisruptionbudgets',
    singular: 'poddisruptionbudget',
    namespaced: true,
    verbs: CRUD,
    shortNames: ['pdb'],
    subresources: [{ name: 'status', verbs: GET_PATCH_UPDATE }],
  },
  {
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    kind: 'ClusterRoleBinding',
    plural: 'clusterrolebindings',
    singular: 'clusterrolebinding',
    namespaced: false,
    verbs: CRUD,
  },
  {
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    kind: 'ClusterRole',
    plural: 'clusterroles',
    singular: 'clusterrole',
    namespaced: false,
    verbs: CRUD,
  },
  {
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    kind: 'RoleBinding',
    plural: 'rolebindings',
    singular: 'rolebinding',
    namespaced: true,
    verbs: CRUD,
  },
  {
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    kind: 'Role',
    plural: 'roles',
    singular: 'role',
    namespaced: true,
    verbs: CRUD,
  },
  {
    group: 'storage.k8s.io',
    version: 'v1',
    kind: 'CSIDriver',
    plural: 'csidrivers',
    singular: 'csidriver',
    namespaced: false,
    verbs: CRUD,
  },
  {
    group: 'storage.k8s.io',
    version: 'v1',
    kind: 'CSINode',
    plural: 'csinodes',
    singular: 'csinode',
    namespaced: false,
    verbs: CRUD,
  },
  {
    group: 'storage.k8s.io',
    version: 'v1',
    kind: 'CSIStorageCapacity',
    plural: 'csistoragecapacities',
    singular: 'csistoragecapacity',
    namespaced: true,
    verbs: CRUD,
  },
  {
    group: 'storage.k8s.io',
    version: 'v1',
    kind: 'StorageClass',
    plural: 'storageclasses',
    singular: 'storageclass',
    namespaced: false,
    verbs: CRUD,
    shortNames: ['sc'],
  },
  {
    group: 'storage.k8s.io',
    version: 'v1',
    kind: 'VolumeAttachment',
    plural: 'volumeattachments',
    singular: 'volumeattachment',
    namespaced: false,
    verbs: CRUD,
    subresources: [{ name: 'status', verbs: GET_PATCH_UPDATE }],
  },
  {
    group: 'admissionregistration.k8s.io',
    version: 'v1',
    kind: 'MutatingWebhookConfiguration',
    plural: 'mutatingwebhookconfigurations',
    singular: 'mutatingwebhookconfiguration',
    namespaced: false,
    verbs: CRUD,
    categories: ['api-extensions'],
  },
  {
    group: 'admissionregistration.k8s.io',
    version: 'v1',
    kind: 'ValidatingAdmissionPolicy',
    plural: 'validatingadmissionpolicies',
    singular: 'validatingadmissionpolicy',
    namespaced: false,
    verbs: CRUD,
    categories: ['api-extensions'],
    subresources: [{ name: 'status', verbs: GET_PATCH_UPDATE }],
  },
  {
    group: 'admissionregistration.k8s.io',
    version: 'v1',
    kind: 'ValidatingAdmissionPolicyBinding',
    plural: 'validatingadmissionpolicybindings',
    singular: 'validatingadmissionpolicybinding',
    namespaced: false,
    verbs: CRUD,
    categories: ['api-extensions'],
  },
  {
    group: 'admissionregistration.k8s.io',
    version: 'v1',
    kind: 'ValidatingWebhookConfiguration',
    plural: 'validatingwebhookconfigurations',
    singular: 'validatingwebhookconfiguration',
    namespaced: false,
    verbs: CRUD,
    categories: ['api-extensions'],
  },
  {
    group: 'apiextensions.k8s.io',
    version: 'v1',
    kind: 'CustomResourceDefinition',
    plural: 'customresourcedefinitions',
    singular: 'customresourcedefinition',
    namespaced: false,
    verbs: CRUD,
    shortNames: ['crd', 'crds'],
    categories: ['api-extensions'],
    subresources: [{ name: 'status', verbs: GET_PATCH_UPDATE }],
  },
  {
    group: 'scheduling.k8s.io',
    version: 'v1',
    kind: 'PriorityClass',
    plural: 'priorityclasses',
    singular: 'priorityclass',
    namespaced: false,
    verbs: CRUD,
    shortNames: ['pc'],
  },
  {
    group: 'coordination.k8s.io',
    version: 'v1',
    kind: 'Lease',
    plural: 'leases',
    singular: 'lease',
    namespaced: true,
    verbs: CRUD,
  },
  {
    group: 'node.k8s.io',
    version: 'v1',
    kind: 'RuntimeClass',
    plural: 'runtimeclasses',
    singular: 'runtimeclass',
    namespaced: false,
    verbs: CRUD,
  },
  {
    group: 'discovery.k8s.io',
    version: 'v1',
    kind: 'EndpointSlice',
    plural: 'endpointslices',
    singular: 'endpointslice',
    namespaced: true,
    verbs: CRUD,
  },
  {
    group: 'flowcontrol.apiserver.k8s.io',
    version: 'v1',
    kind: 'FlowSchema',
    plural: 'flowschemas',
    singular: 'flowschema',
    namespaced: false,
    verbs: CRUD,
    subresources: [{ name: 'status', verbs: GET_PATCH_UPDATE }],
  },
  {
    group: 'flowcontrol.apiserver.k8s.io',
    version: 'v1',
    kind: 'PriorityLevelConfiguration',
    plural: 'prioritylevelconfigurations',
    singular: 'prioritylevelconfiguration',
    namespaced: false,
    verbs: CRUD,
    subresources: [{ name: 'status', verbs: GET_PATCH_UPDATE }],
  },
];

/** kube-apiserver's discovery.StorageVersionHash: base64(sha256("group/version/kind")[:8]). */
export function storageVersionHash(group: string, version: string, kind: string): string {
  return createHash('sha256').update(`${group}/${version}/${kind}`).digest().subarray(0, 8).toString('base64');
}

export function groupVersionString(group: string, version: string): string {
  return group ? `${group}/${version}` : version;
}

export function resourceKey(r: Pick<ResourceType, 'group' | 'plural'>): string {
  return r.group ? `${r.plural}.${r.group}` : r.plural;
}

/** The group/version/resource triples served, kept in registration order (which discovery follows). */
export class ResourceRegistry {
  private readonly types: ResourceType[] = [];
  private readonly listeners = new Set<() => void>();

  constructor(initial: ResourceType[] = BUILTIN_RESOURCES) {
    for (const t of initial) this.types.push({ ...t });
  }

  all(): readonly ResourceType[] {
    return this.types;
  }

  find(group: string, version: string, plural: string): ResourceType | undefined {
    return this.types.find((t) => t.group === group && t.version === version && t.plural === plural);
  }

  /** Any served version of group/plural (storage is shared across versions). */
  findAnyVersion(group: string, plural: string): ResourceType | undefined {
    return this.types.find((t) => t.group === group && t.plural === plural);
  }

  findByKind(apiVersion: string, kind: string): ResourceType | undefined {
    const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
    return this.types.find((t) => t.group === group && t.version === version && t.kind === kind);
  }

  /** Groups in the order kube-apiserver lists them, each with its versions (preferred first). */
  groups(): { name: string; versions: string[] }[] {
    const out: { name: string; versions: string[] }[] = [];
    for (const t of this.types) {
      if (t.group === '') continue;
      let g = out.find((x) => x.name === t.group);
      if (!g) out.push((g = { name: t.group, versions: [] }));
      if (!g.versions.includes(t.version)) g.versions.push(t.version);
    }
    return out;
  }

  inGroupVersion(group: string, version: string): ResourceType[] {
    return this.types.filter((t) => t.group === group && t.version === version);
  }

  add(types: ResourceType[]): void {
    for (const t of types) {
      const i = this.types.findIndex((x) => x.group === t.group && x.version === t.version && x.plural === t.plural);
      if (i >= 0) this.types[i] = t;
      else this.types.push(t);
    }
    this.changed();
  }

  remove(predicate: (t: ResourceType) => boolean): void {
    for (let i = this.types.length - 1; i >= 0; i--) if (predicate(this.types[i])) this.types.splice(i, 1);
    this.changed();
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    for (const l of this.listeners) l();
  }
}
