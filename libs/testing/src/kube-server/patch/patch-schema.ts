// The little bit of the Kubernetes API schema the patch algorithms need: which fields are Go maps,
// and how lists merge. Each entry mirrors the Go struct tags in k8s.io/api (v1.32):
//   `patchStrategy:"merge"` + `patchMergeKey:"x"` -> strategic merge patch merges list items by x;
//   `patchStrategy:"merge"` on a list of scalars -> strategic merge patch unions the values;
//   `patchStrategy:"retainKeys"` -> $retainKeys is honoured;
//   `+listType` / `+listMapKey` -> server-side apply list semantics. Without +listType, the OpenAPI ->
//   structured-merge-diff conversion (k8s.io/kube-openapi pkg/schemaconv) derives it from the patch
//   strategy: merge with a key is an associative list, merge without one a set, anything else atomic.
import { isJsonObject, type JsonObject, type JsonValue } from './json-value';

// Fields not listed behave as plain struct fields (maps merge key by key, lists are atomic/replaced),
// which is right for every k8s.io/api field without those tags.

export interface FieldSchema {
  /** Named struct type of the value, or of the items when the value is a list (a key of TYPES). */
  type?: string;
  /** The value is a Go map (map[string]T): its keys are not struct fields. */
  map?: true;
  /** patchStrategy:"merge" */
  merge?: true;
  /** patchMergeKey */
  mergeKey?: string;
  /** patchStrategy includes "retainKeys" */
  retainKeys?: true;
  /** +listType, when the struct sets it explicitly */
  listType?: 'atomic' | 'set' | 'map';
  /** +listMapKey(s), when they are not just [patchMergeKey] */
  listMapKeys?: string[];
}

export type StructSchema = Record<string, FieldSchema>;

const conditionsByType: FieldSchema = { merge: true, mergeKey: 'type' };
const metadata: FieldSchema = { type: 'ObjectMeta' };
const selector: FieldSchema = { type: 'LabelSelector' };
const podTemplate: FieldSchema = { type: 'PodTemplateSpec' };

const TYPES: Record<string, StructSchema> = {
  // k8s.io/apimachinery/pkg/apis/meta/v1 types.go
  ObjectMeta: {
    labels: { map: true },
    annotations: { map: true },
    finalizers: { merge: true, listType: 'set' },
    ownerReferences: {
      merge: true,
      mergeKey: 'uid',
      listType: 'map',
      listMapKeys: ['uid'],
    },
  },
  LabelSelector: { matchLabels: { map: true } },

  // k8s.io/api/core/v1 types.go
  Pod: { metadata, spec: { type: 'PodSpec' }, status: { type: 'PodStatus' } },
  PodTemplate: { metadata, template: podTemplate },
  PodTemplateSpec: { metadata, spec: { type: 'PodSpec' } },
  PodSpec: {
    volumes: {
      merge: true,
      mergeKey: 'name',
      retainKeys: true,
      listType: 'map',
      listMapKeys: ['name'],
    },
    initContainers: {
      type: 'Container',
      merge: true,
      mergeKey: 'name',
      listType: 'map',
      listMapKeys: ['name'],
    },
    containers: {
      type: 'Container',
      merge: true,
      mergeKey: 'name',
      listType: 'map',
      listMapKeys: ['name'],
    },
    ephemeralContainers: {
      type: 'Container',
      merge: true,
      mergeKey: 'name',
      listType: 'map',
      listMapKeys: ['name'],
    },
    imagePullSecrets: { merge: true, mergeKey: 'name' },
    hostAliases: {
      merge: true,
      mergeKey: 'ip',
      listType: 'map',
      listMapKeys: ['ip'],
    },
    topologySpreadConstraints: {
      merge: true,
      mergeKey: 'topologyKey',
      listType: 'map',
      listMapKeys: ['topologyKey', 'whenUnsatisfiable'],
    },
    resourceClaims: {
      merge: true,
      mergeKey: 'name',
      retainKeys: true,
      listType: 'map',
      listMapKeys: ['name'],
    },
    schedulingGates: {
      merge: true,
      mergeKey: 'name',
      listType: 'map',
      listMapKeys: ['name'],
    },
    nodeSelector: { map: true },
    overhead: { map: true },
    // Toleration and PodReadinessGate lists carry no patch tags: replaced by SMP, atomic for SSA.
    tolerations: { listType: 'atomic' },
    readinessGates: { listType: 'atomic' },
  },
  // Container and EphemeralContainerCommon share these fields.
  Container: {
    ports: {
      merge: true,
      mergeKey: 'containerPort',
      listType: 'map',
      listMapKeys: ['containerPort', 'protocol'],
    },
    env: {
      merge: true,
      mergeKey: 'name',
      listType: 'map',
      listMapKeys: ['name'],
    },
    volumeMounts: {
      merge: true,
      mergeKey: 'mountPath',
      listType: 'map',
      listMapKeys: ['mountPath'],
    },
    volumeDevices: {
      merge: true,
      mergeKey: 'devicePath',
      listType: 'map',
      listMapKeys: ['devicePath'],
    },
    resources: { type: 'ResourceRequirements' },
    resizePolicy: { listType: 'atomic' },
  },
  ResourceRequirements: {
    limits: { map: true },
    requests: { map: true },
    claims: { listType: 'map', listMapKeys: ['name'] },
  },
  PodStatus: {
    conditions: conditionsByType,
    podIPs: { merge: true, mergeKey: 'ip' },
    hostIPs: { merge: true, mergeKey: 'ip', listType: 'atomic' },
  },
  ReplicationController: {
    metadata,
    spec: { type: 'ReplicationControllerSpec' },
    status: { type: 'ConditionedStatus' },
  },
  ReplicationControllerSpec: { selector: { map: true }, template: podTemplate },
  Service: {
    metadata,
    spec: { type: 'ServiceSpec' },
    status: { type: 'ServiceStatus' },
  },
  ServiceSpec: {
    ports: {
      merge: true,
      mergeKey: 'port',
      listType: 'map',
      listMapKeys: ['port', 'protocol'],
    },
    selector: { map: true },
  },
  ServiceStatus: {
    conditions: {
      merge: true,
      mergeKey: 'type',
      listType: 'map',
      listMapKeys: ['type'],
    },
  },
  ConfigMap: { metadata, data: { map: true }, binaryData: { map: true } },
  Secret: { metadata, data: { map: true }, stringData: { map: true } },
  ServiceAccount: { metadata, secrets: { merge: true, mergeKey: 'name' } },
  Namespace: { metadata, status: { type: 'ConditionedStatus' } },
  Node: { metadata, status: { type: 'NodeStatus' } },
  NodeStatus: {
    conditions: conditionsByType,
    addresses: { merge: true, mergeKey: 'type' },
    capacity: { map: true },
    allocatable: { map: true },
  },
  PersistentVolumeClaim: {
    metadata,
    spec: { type: 'PersistentVolumeClaimSpec' },
    status: { type: 'PVCStatus' },
  },
  PersistentVolumeClaimSpec: {
    selector,
    resources: { type: 'ResourceRequirements' },
  },
  PVCStatus: { conditions: conditionsByType, capacity: { map: true } },
  ResourceQuota: {
    metadata,
    spec: { type: 'ResourceQuotaSpec' },
    status: { type: 'ResourceQuotaStatus' },
  },
  ResourceQuotaSpec: { hard: { map: true } },
  ResourceQuotaStatus: { hard: { map: true }, used: { map: true } },
  // Status structs whose only tagged field is `conditions` merged by type.
  ConditionedStatus: { conditions: conditionsByType },

  // k8s.io/api/apps/v1 types.go
  Deployment: {
    metadata,
    spec: { type: 'DeploymentSpec' },
    status: { type: 'ConditionedStatus' },
  },
  DeploymentSpec: {
    selector,
    template: podTemplate,
    strategy: { retainKeys: true },
  },
  ReplicaSet: {
    metadata,
    spec: { type: 'WorkloadSpec' },
    status: { type: 'ConditionedStatus' },
  },
  StatefulSet: {
    metadata,
    spec: { type: 'StatefulSetSpec' },
    status: { type: 'ConditionedStatus' },
  },
  StatefulSetSpec: {
    selector,
    template: podTemplate,
    volumeClaimTemplates: { listType: 'atomic' },
  },
  DaemonSet: {
    metadata,
    spec: { type: 'WorkloadSpec' },
    status: { type: 'ConditionedStatus' },
  },
  // ReplicaSetSpec and DaemonSetSpec: a selector and a pod template.
  WorkloadSpec: { selector, template: podTemplate },

  // k8s.io/api/batch/v1 types.go (JobStatus.Conditions is merged by SMP but +listType=atomic for SSA)
  Job: {
    metadata,
    spec: { type: 'WorkloadSpec' },
    status: { type: 'JobStatus' },
  },
  JobStatus: {
    conditions: { merge: true, mergeKey: 'type', listType: 'atomic' },
  },
  // k8s.io/api/admissionregistration/v1 types.go: webhooks and matchConditions are
  // `patchStrategy:"merge" patchMergeKey:"name"` +listType=map +listMapKey=name.
  WebhookConfiguration: {
    metadata,
    webhooks: {
      type: 'Webhook',
      merge: true,
      mergeKey: 'name',
      listType: 'map',
      listMapKeys: ['name'],
    },
  },
  Webhook: {
    matchConditions: {
      merge: true,
      mergeKey: 'name',
      listType: 'map',
      listMapKeys: ['name'],
    },
  },
  CronJob: { metadata, spec: { type: 'CronJobSpec' } },
  CronJobSpec: { jobTemplate: { type: 'JobTemplateSpec' } },
  JobTemplateSpec: { metadata, spec: { type: 'WorkloadSpec' } },
};

/** Kinds with a schema above, by `group/Kind` ("" is the core group). */
const KIND_TYPES: Record<string, string> = {
  '/Pod': 'Pod',
  '/PodTemplate': 'PodTemplate',
  '/ReplicationController': 'ReplicationController',
  '/Service': 'Service',
  '/ConfigMap': 'ConfigMap',
  '/Secret': 'Secret',
  '/ServiceAccount': 'ServiceAccount',
  '/Namespace': 'Namespace',
  '/Node': 'Node',
  '/PersistentVolumeClaim': 'PersistentVolumeClaim',
  '/ResourceQuota': 'ResourceQuota',
  'apps/Deployment': 'Deployment',
  'apps/ReplicaSet': 'ReplicaSet',
  'apps/StatefulSet': 'StatefulSet',
  'apps/DaemonSet': 'DaemonSet',
  'batch/Job': 'Job',
  'batch/CronJob': 'CronJob',
  'admissionregistration.k8s.io/ValidatingWebhookConfiguration': 'WebhookConfiguration',
  'admissionregistration.k8s.io/MutatingWebhookConfiguration': 'WebhookConfiguration',
};

/**
 * API groups served by kube-apiserver's own Go types. Any other group is a custom resource (CRD or
 * aggregated), decoded as Unstructured, for which strategic merge patch is not offered.
 */
const BUILT_IN_GROUPS = new Set([
  '',
  'admissionregistration.k8s.io',
  'apiextensions.k8s.io',
  'apiregistration.k8s.io',
  'apps',
  'authentication.k8s.io',
  'authorization.k8s.io',
  'autoscaling',
  'batch',
  'certificates.k8s.io',
  'coordination.k8s.io',
  'discovery.k8s.io',
  'events.k8s.io',
  'flowcontrol.apiserver.k8s.io',
  'internal.apiserver.k8s.io',
  'networking.k8s.io',
  'node.k8s.io',
  'policy',
  'rbac.authorization.k8s.io',
  'resource.k8s.io',
  'scheduling.k8s.io',
  'storage.k8s.io',
  'storagemigration.k8s.io',
]);

export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

export function isBuiltInGroup(group: string): boolean {
  return BUILT_IN_GROUPS.has(group);
}

/**
 * Root schema of a kind: the table entry, or just ObjectMeta for a built-in kind the table does not
 * detail, or undefined for a custom resource (nothing known beyond ObjectMeta).
 */
export function rootSchema(gvk: GroupVersionKind): StructSchema | undefined {
  const typeName = KIND_TYPES[`${gvk.group}/${gvk.kind}`];
  if (typeName) return TYPES[typeName];
  return isBuiltInGroup(gvk.group) ? { metadata } : undefined;
}

/** Schema used for a custom resource by server-side apply: ObjectMeta rules, the rest untyped. */
export const CUSTOM_RESOURCE_SCHEMA: StructSchema = { metadata };

export function fieldOf(schema: StructSchema | undefined, key: string): FieldSchema | undefined {
  return schema ? schema[key] : undefined;
}

/** Struct schema of a field's value (or of its list items). */
export function structOf(field: FieldSchema | undefined): StructSchema | undefined {
  return field?.type ? TYPES[field.type] : undefined;
}

export type ListSemantics = { kind: 'atomic' } | { kind: 'set' } | { kind: 'map'; keys: string[] };

/** Server-side apply list semantics (see the derivation rule at the top of this file). */
export function listSemantics(field: FieldSchema | undefined): ListSemantics {
  if (!field) return { kind: 'atomic' };
  const keys = field.listMapKeys ?? (field.mergeKey ? [field.mergeKey] : undefined);
  const listType = field.listType ?? (field.merge ? (keys ? 'map' : 'set') : 'atomic');
  if (listType === 'map' && keys) return { kind: 'map', keys };
  if (listType === 'set') return { kind: 'set' };
  return { kind: 'atomic' };
}

/**
 * Fields a write to the main resource never owns, from each registry strategy's GetResetFields
 * (strategy.go files under kubernetes pkg/registry): `status` for every built-in kind with a status subresource. The field
 * manager filters them out of what Update and Apply record (structured-merge-diff IgnoreFilter).
 */
const STATUS_SUBRESOURCE_KINDS = new Set([
  '/Pod',
  '/ReplicationController',
  '/Service',
  '/Namespace',
  '/Node',
  '/PersistentVolume',
  '/PersistentVolumeClaim',
  '/ResourceQuota',
  'apps/Deployment',
  'apps/ReplicaSet',
  'apps/StatefulSet',
  'apps/DaemonSet',
  'batch/Job',
  'batch/CronJob',
  'autoscaling/HorizontalPodAutoscaler',
  'networking.k8s.io/Ingress',
  'policy/PodDisruptionBudget',
  'apiextensions.k8s.io/CustomResourceDefinition',
  'apiregistration.k8s.io/APIService',
  'certificates.k8s.io/CertificateSigningRequest',
]);

/**
 * Fields the Go struct of a type always serializes, with their zero value: non-omitempty fields and
 * nested structs (structured-merge-diff's reflect converter never omits a struct). The field manager
 * compares typed objects, so on create the "before" object is this zero object, not `{}`; a struct that
 * is always present is never reported as added itself (no "." for f:spec in a Pod's managedFields).
 * `{ $type }` is a nested struct with its own zero fields. Only the kinds in TYPES are described.
 */
type ZeroValue = JsonZero | { $type: string };
type JsonZero = null | string | number | Record<string, never>;
const ZERO_FIELDS: Record<string, Record<string, ZeroValue>> = {
  ObjectMeta: { creationTimestamp: null },
  PodTemplateSpec: {
    metadata: { $type: 'ObjectMeta' },
    spec: { $type: 'PodSpec' },
  },
  PodSpec: { containers: null },
  Container: { name: '', resources: {} },
  Pod: {
    metadata: { $type: 'ObjectMeta' },
    spec: { $type: 'PodSpec' },
    status: {},
  },
  PodTemplate: {
    metadata: { $type: 'ObjectMeta' },
    template: { $type: 'PodTemplateSpec' },
  },
  Service: {
    metadata: { $type: 'ObjectMeta' },
    spec: {},
    status: { $type: 'ServiceStatus' },
  },
  ServiceStatus: { loadBalancer: {} },
  ConfigMap: { metadata: { $type: 'ObjectMeta' } },
  Secret: { metadata: { $type: 'ObjectMeta' } },
  ServiceAccount: { metadata: { $type: 'ObjectMeta' } },
  Namespace: { metadata: { $type: 'ObjectMeta' }, spec: {}, status: {} },
  PersistentVolumeClaim: {
    metadata: { $type: 'ObjectMeta' },
    spec: { $type: 'PersistentVolumeClaimSpec' },
    status: {},
  },
  PersistentVolumeClaimSpec: { resources: {} },
  ResourceQuota: { metadata: { $type: 'ObjectMeta' }, spec: {}, status: {} },
  Deployment: {
    metadata: { $type: 'ObjectMeta' },
    spec: { $type: 'DeploymentSpec' },
    status: {},
  },
  DeploymentSpec: {
    selector: null,
    template: { $type: 'PodTemplateSpec' },
    strategy: {},
  },
  ReplicaSet: {
    metadata: { $type: 'ObjectMeta' },
    spec: { $type: 'WorkloadSpec' },
    status: {},
  },
  DaemonSet: {
    metadata: { $type: 'ObjectMeta' },
    spec: { $type: 'DaemonSetSpec' },
    status: {},
  },
  DaemonSetSpec: {
    selector: null,
    template: { $type: 'PodTemplateSpec' },
    updateStrategy: {},
  },
  StatefulSet: {
    metadata: { $type: 'ObjectMeta' },
    spec: { $type: 'StatefulSetSpec' },
    status: {},
  },
  StatefulSetSpec: {
    selector: null,
    template: { $type: 'PodTemplateSpec' },
    updateStrategy: {},
  },
  WorkloadSpec: { selector: null, template: { $type: 'PodTemplateSpec' } },
  Job: {
    metadata: { $type: 'ObjectMeta' },
    spec: { $type: 'JobSpec' },
    status: {},
  },
  JobSpec: { template: { $type: 'PodTemplateSpec' } },
  CronJob: {
    metadata: { $type: 'ObjectMeta' },
    spec: { $type: 'CronJobSpec' },
    status: {},
  },
  CronJobSpec: { schedule: '', jobTemplate: { $type: 'JobTemplateSpec' } },
  JobTemplateSpec: {
    metadata: { $type: 'ObjectMeta' },
    spec: { $type: 'JobSpec' },
  },
};

function zeroOf(value: ZeroValue): JsonValue {
  if (value !== null && typeof value === 'object' && '$type' in value) return zeroObject(value.$type as string);
  return value === null || typeof value !== 'object' ? value : {};
}

function zeroObject(typeName: string): JsonObject {
  const out: JsonObject = {};
  for (const [field, zero] of Object.entries(ZERO_FIELDS[typeName] ?? {})) out[field] = zeroOf(zero);
  return out;
}

/** Adds the always-serialized zero fields to a copy of `obj` (typed-object view), for the field manager. */
export function withZeroFields(obj: JsonObject, gvk: GroupVersionKind): JsonObject {
  const typeName = KIND_TYPES[`${gvk.group}/${gvk.kind}`];
  return typeName ? fillZeros(obj, typeName) : obj;
}

function fillZeros(obj: JsonObject, typeName: string): JsonObject {
  const out: JsonObject = { ...obj };
  const zeros = ZERO_FIELDS[typeName] ?? {};
  for (const [field, zero] of Object.entries(zeros)) {
    if (!(field in out)) out[field] = zeroOf(zero);
  }
  for (const [field, value] of Object.entries(out)) {
    const zero = zeros[field];
    const nestedType =
      zero !== null && typeof zero === 'object' && '$type' in zero ? (zero.$type as string) : TYPES[typeName]?.[field]?.type;
    if (!nestedType) continue;
    if (isJsonObject(value)) out[field] = fillZeros(value, nestedType);
    else if (Array.isArray(value)) out[field] = value.map((item) => (isJsonObject(item) ? fillZeros(item, nestedType) : item));
  }
  return out;
}

export function defaultResetFields(gvk: GroupVersionKind): string[][] {
  return STATUS_SUBRESOURCE_KINDS.has(`${gvk.group}/${gvk.kind}`) ? [['status']] : [];
}

/**
 * Defaults of list-map key fields, applied by the apiserver's defaulting before apply compares items
 * (ContainerPort.protocol and ServicePort.protocol default to TCP).
 */
export const LIST_KEY_DEFAULTS: Record<string, string> = { protocol: 'TCP' };
