// meta.k8s.io/v1 Table rendering, the server-side printing `kubectl get` relies on. Columns and
// cells follow kube-apiserver's pkg/printers/internalversion/printers.go; kinds without a printer
// get the default convertor's Name/Created At, custom resources their additionalPrinterColumns.
import { PrinterColumn, ResourceType } from './resources';
import { at, isObject, KubeObject } from './types';

export interface ColumnDefinition {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

type Cell = string | number | boolean | null;

const NAME_DESC =
  'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names';
const AGE_DESC =
  'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata';
const CONFIGMAP_DATA_DESC =
  "Data contains the configuration data. Each key must consist of alphanumeric characters, '-', '_' or '.'. Values with non-UTF-8 byte sequences must use the BinaryData field. The keys stored in Data must not overlap with the keys in the BinaryData field, this is enforced during validation process.";

function col(name: string, description = '', priority = 0, type = 'string', format = ''): ColumnDefinition {
  return { name, type, format, description, priority };
}
const NAME = col('Name', NAME_DESC, 0, 'string', 'name');
const AGE = col('Age', AGE_DESC);

/** duration.HumanDuration from k8s.io/apimachinery. */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) return hours % 24 === 0 ? `${hours / 24}d` : `${Math.floor(hours / 24)}d${hours % 24}h`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const days = Math.floor(hours / 24) % 365;
    return days === 0 ? `${Math.floor(hours / 24 / 365)}y` : `${Math.floor(hours / 24 / 365)}y${days}d`;
  }
  return `${Math.floor(hours / 24 / 365)}y`;
}

function age(o: KubeObject): string {
  const ts = o.metadata.creationTimestamp;
  return ts ? humanDuration(Date.now() - Date.parse(ts)) : '<unknown>';
}

function num(v: unknown): number {
  return typeof v === 'number' ? v : 0;
}

function containersOf(spec: unknown): Record<string, unknown>[] {
  const c = at(spec, 'containers');
  return Array.isArray(c) ? (c as Record<string, unknown>[]) : [];
}

function selectorString(sel: unknown): string {
  if (!isObject(sel)) return '<none>';
  const parts: string[] = [];
  const ml = sel.matchLabels;
  if (isObject(ml)) for (const [k, v] of Object.entries(ml)) parts.push(`${k}=${String(v)}`);
  const me = sel.matchExpressions;
  if (Array.isArray(me))
    for (const e of me) {
      const op = String(at(e, 'operator'));
      const key = String(at(e, 'key'));
      const values = (at(e, 'values') as string[] | undefined) ?? [];
      if (op === 'In') parts.push(`${key} in (${values.join(',')})`);
      else if (op === 'NotIn') parts.push(`${key} notin (${values.join(',')})`);
      else if (op === 'Exists') parts.push(key);
      else if (op === 'DoesNotExist') parts.push(`!${key}`);
    }
  return parts.length ? parts.sort().join(',') : '<none>';
}

function mapSelector(sel: unknown): string {
  if (!isObject(sel) || Object.keys(sel).length === 0) return '<none>';
  return Object.entries(sel)
    .map(([k, v]) => `${k}=${String(v)}`)
    .sort()
    .join(',');
}

function podStatus(o: KubeObject): {
  ready: string;
  status: string;
  restarts: string;
} {
  const containers = containersOf(o.spec);
  const statuses = (at(o, 'status', 'containerStatuses') as Record<string, unknown>[] | undefined) ?? [];
  const ready = statuses.filter((s) => s.ready === true).length;
  const restarts = statuses.reduce((n, s) => n + num(s.restartCount), 0);
  let status = String(at(o, 'status', 'reason') ?? at(o, 'status', 'phase') ?? 'Pending');
  for (const s of statuses) {
    const waiting = at(s, 'state', 'waiting', 'reason');
    const terminated = at(s, 'state', 'terminated', 'reason');
    if (typeof waiting === 'string' && waiting) status = waiting;
    else if (typeof terminated === 'string' && terminated) status = terminated;
  }
  if (o.metadata.deletionTimestamp) status = 'Terminating';
  return {
    ready: `${ready}/${containers.length}`,
    status,
    restarts: String(restarts),
  };
}

interface Printer {
  columns: ColumnDefinition[];
  cells: (o: KubeObject) => Cell[];
}

const wideWorkload = [col('Containers', '', 1), col('Images', '', 1), col('Selector', '', 1)];
function workloadWide(o: KubeObject): Cell[] {
  const cs = containersOf(at(o, 'spec', 'template', 'spec'));
  return [cs.map((c) => String(c.name)).join(','), cs.map((c) => String(c.image)).join(','), selectorString(at(o, 'spec', 'selector'))];
}

function ports(o: KubeObject): string {
  const ps = (at(o, 'spec', 'ports') as Record<string, unknown>[] | undefined) ?? [];
  if (!ps.length) return '<none>';
  return ps.map((p) => (p.nodePort ? `${p.port}:${p.nodePort}/${p.protocol}` : `${p.port}/${p.protocol}`)).join(',');
}

const PRINTERS: Record<string, Printer> = {
  '/Pod': {
    columns: [
      NAME,
      col('Ready', 'The aggregate readiness state of this pod for accepting traffic.'),
      col('Status', 'The aggregate status of the containers in this pod.'),
      col(
        'Restarts',
        'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.',
      ),
      AGE,
      col('IP', 'IP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.', 1),
      col('Node', 'NodeName is a request to schedule this pod onto a specific node.', 1),
      col('Nominated Node', 'nominatedNodeName is set when this pod preempts other pods on the node.', 1),
      col('Readiness Gates', 'If specified, all readiness gates will be evaluated for pod readiness.', 1),
    ],
    cells: (o) => {
      const s = podStatus(o);
      return [
        o.metadata.name ?? '',
        s.ready,
        s.status,
        s.restarts,
        age(o),
        String(at(o, 'status', 'podIP') ?? '<none>'),
        String(at(o, 'spec', 'nodeName') ?? '<none>'),
        String(at(o, 'status', 'nominatedNodeName') ?? '<none>'),
        '<none>',
      ];
    },
  },
  '/Namespace': {
    columns: [NAME, col('Status', 'The status of the namespace'), AGE],
    cells: (o) => [o.metadata.name ?? '', String(at(o, 'status', 'phase') ?? ''), age(o)],
  },
  '/ConfigMap': {
    columns: [NAME, col('Data', CONFIGMAP_DATA_DESC), AGE],
    cells: (o) => [
      o.metadata.name ?? '',
      Object.keys((o.data as object) ?? {}).length + Object.keys((o.binaryData as object) ?? {}).length,
      age(o),
    ],
  },
  '/Secret': {
    columns: [
      NAME,
      col('Type', 'Used to facilitate programmatic handling of secret data.'),
      col('Data', 'Data contains the secret data.'),
      AGE,
    ],
    cells: (o) => [o.metadata.name ?? '', String(o.type ?? ''), Object.keys((o.data as object) ?? {}).length, age(o)],
  },
  '/Service': {
    columns: [
      NAME,
      col('Type', 'type determines how the Service is exposed.'),
      col('Cluster-IP', 'clusterIP is the IP address of the service.'),
      col('External-IP', 'externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.'),
      col('Port(s)', 'The list of ports that are exposed by this service.'),
      AGE,
      col('Selector', 'Route service traffic to pods with label keys and values matching this selector.', 1),
    ],
    cells: (o) => {
      const type = String(at(o, 'spec', 'type') ?? 'ClusterIP');
      const ext = (at(o, 'spec', 'externalIPs') as string[] | undefined) ?? [];
      const external = type === 'LoadBalancer' ? ext.join(',') || '<pending>' : ext.join(',') || '<none>';
      return [
        o.metadata.name ?? '',
        type,
        String(at(o, 'spec', 'clusterIP') ?? '<none>'),
        external,
        ports(o),
        age(o),
        mapSelector(at(o, 'spec', 'selector')),
      ];
    },
  },
  '/ServiceAccount': {
    columns: [
      NAME,
      col(
        'Secrets',
        'Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use.',
      ),
      AGE,
    ],
    cells: (o) => [o.metadata.name ?? '', ((o.secrets as unknown[]) ?? []).length, age(o)],
  },
  '/Endpoints': {
    columns: [NAME, col('Endpoints', 'Endpoints of this service'), AGE],
    cells: (o) => {
      const eps: string[] = [];
      for (const s of (o.subsets as Record<string, unknown>[]) ?? [])
        for (const a of (s.addresses as Record<string, unknown>[]) ?? [])
          for (const p of (s.ports as Record<string, unknown>[]) ?? []) eps.push(`${a.ip}:${p.port}`);
      return [o.metadata.name ?? '', eps.join(',') || '<none>', age(o)];
    },
  },
  '/Event': {
    columns: [
      col('Last Seen', 'Time when this Event was last observed.'),
      col('Type', 'Type of this event (Normal, Warning), new types could be added in the future.'),
      col('Reason', 'This should be a short, machine understandable string that gives the reason for this event being generated.'),
      col('Object', 'The object that this event is about.'),
      col('Subobject', 'Subobject', 1),
      col('Source', 'The component reporting this event.', 1),
      col('Message', 'A human-readable description of the status of this operation.'),
      col('First Seen', 'The time at which the event was first recorded.', 1),
      col('Count', 'The number of times this event has occurred.', 1),
      col('Name', NAME_DESC, 1, 'string', 'name'),
    ],
    cells: (o) => {
      const last = String(o.lastTimestamp ?? o.eventTime ?? o.metadata.creationTimestamp ?? '');
      const first = String(o.firstTimestamp ?? o.eventTime ?? o.metadata.creationTimestamp ?? '');
      const io = o.involvedObject as Record<string, unknown> | undefined;
      return [
        humanDuration(Date.now() - Date.parse(last)),
        String(o.type ?? ''),
        String(o.reason ?? ''),
        `${String(io?.kind ?? '').toLowerCase()}/${String(io?.name ?? '')}`,
        String(io?.fieldPath ?? ''),
        String(at(o, 'source', 'component') ?? o.reportingComponent ?? ''),
        String(o.message ?? ''),
        humanDuration(Date.now() - Date.parse(first)),
        num(o.count) || 1,
        o.metadata.name ?? '',
      ];
    },
  },
  '/Node': {
    columns: [
      NAME,
      col('Status', 'The status of the node'),
      col('Roles', 'The roles of the node'),
      AGE,
      col('Version', 'Kubelet Version reported by the node.'),
      col('Internal-IP', 'List of addresses reachable to the node.', 1),
      col('External-IP', 'List of addresses reachable to the node.', 1),
      col('OS-Image', 'OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).', 1),
      col('Kernel-Version', "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).", 1),
      col('Container-Runtime', 'ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).', 1),
    ],
    cells: (o) => {
      const ready = ((at(o, 'status', 'conditions') as Record<string, unknown>[]) ?? []).find((c) => c.type === 'Ready');
      const roles = Object.keys(o.metadata.labels ?? {})
        .filter((l) => l.startsWith('node-role.kubernetes.io/'))
        .map((l) => l.split('/')[1]);
      const addr = (t: string) =>
        ((at(o, 'status', 'addresses') as Record<string, unknown>[]) ?? []).find((a) => a.type === t)?.address ?? '<none>';
      return [
        o.metadata.name ?? '',
        ready?.status === 'True' ? 'Ready' : 'NotReady',
        roles.join(',') || '<none>',
        age(o),
        String(at(o, 'status', 'nodeInfo', 'kubeletVersion') ?? ''),
        String(addr('InternalIP')),
        String(addr('ExternalIP')),
        String(at(o, 'status', 'nodeInfo', 'osImage') ?? '<unknown>'),
        String(at(o, 'status', 'nodeInfo', 'kernelVersion') ?? '<unknown>'),
        String(at(o, 'status', 'nodeInfo', 'containerRuntimeVersion') ?? '<unknown>'),
      ];
    },
  },
  '/ResourceQuota': {
    columns: [
      NAME,
      AGE,
      col('Request', 'Request represents a minimum amount of cpu/memory that a container may consume.'),
      col('Limit', 'Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.'),
    ],
    cells: (o) => {
      const hard = (at(o, 'status', 'hard') ?? at(o, 'spec', 'hard') ?? {}) as Record<string, string>;
      const used = (at(o, 'status', 'used') ?? {}) as Record<string, string>;
      const req: string[] = [];
      const lim: string[] = [];
      for (const k of Object.keys(hard).sort()) (k.startsWith('limits.') ? lim : req).push(`${k}: ${used[k] ?? '0'}/${hard[k]}`);
      return [o.metadata.name ?? '', age(o), req.join(', '), lim.join(', ')];
    },
  },
  '/PersistentVolumeClaim': {
    columns: [
      NAME,
      col('Status'),
      col('Volume'),
      col('Capacity'),
      col('Access Modes'),
      col('StorageClass'),
      col('VolumeAttributesClass'),
      AGE,
      col('VolumeMode', '', 1),
    ],
    cells: (o) => [
      o.metadata.name ?? '',
      String(at(o, 'status', 'phase') ?? ''),
      String(at(o, 'spec', 'volumeName') ?? ''),
      String(at(o, 'status', 'capacity', 'storage') ?? ''),
      '',
      String(at(o, 'spec', 'storageClassName') ?? ''),
      '<unset>',
      age(o),
      String(at(o, 'spec', 'volumeMode') ?? ''),
    ],
  },
  'apps/Deployment': {
    columns: [
      NAME,
      col('Ready', 'Number of the pod with ready state'),
      col('Up-to-date', 'Total number of non-terminated pods targeted by this deployment that have the desired template spec.'),
      col('Available', 'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.'),
      AGE,
      ...wideWorkload,
    ],
    cells: (o) => [
      o.metadata.name ?? '',
      `${num(at(o, 'status', 'readyReplicas'))}/${num(at(o, 'spec', 'replicas'))}`,
      num(at(o, 'status', 'updatedReplicas')),
      num(at(o, 'status', 'availableReplicas')),
      age(o),
      ...workloadWide(o),
    ],
  },
  'apps/ReplicaSet': {
    columns: [
      NAME,
      col('Desired', 'Replicas is the number of desired replicas.'),
      col('Current', 'Replicas is the most recently observed number of replicas.'),
      col('Ready', 'The number of ready replicas for this replica set.'),
      AGE,
      ...wideWorkload,
    ],
    cells: (o) => [
      o.metadata.name ?? '',
      num(at(o, 'spec', 'replicas')),
      num(at(o, 'status', 'replicas')),
      num(at(o, 'status', 'readyReplicas')),
      age(o),
      ...workloadWide(o),
    ],
  },
  'apps/StatefulSet': {
    columns: [NAME, col('Ready', 'Number of the pod with ready state'), AGE, col('Containers', '', 1), col('Images', '', 1)],
    cells: (o) => [
      o.metadata.name ?? '',
      `${num(at(o, 'status', 'readyReplicas'))}/${num(at(o, 'spec', 'replicas'))}`,
      age(o),
      ...workloadWide(o).slice(0, 2),
    ],
  },
  'apps/DaemonSet': {
    columns: [
      NAME,
      col('Desired'),
      col('Current'),
      col('Ready'),
      col('Up-to-date'),
      col('Available'),
      col('Node Selector'),
      AGE,
      ...wideWorkload,
    ],
    cells: (o) => [
      o.metadata.name ?? '',
      num(at(o, 'status', 'desiredNumberScheduled')),
      num(at(o, 'status', 'currentNumberScheduled')),
      num(at(o, 'status', 'numberReady')),
      num(at(o, 'status', 'updatedNumberScheduled')),
      num(at(o, 'status', 'numberAvailable')),
      mapSelector(at(o, 'spec', 'template', 'spec', 'nodeSelector')),
      age(o),
      ...workloadWide(o),
    ],
  },
  'batch/Job': {
    columns: [NAME, col('Status'), col('Completions'), col('Duration'), AGE, ...wideWorkload],
    cells: (o) => {
      const conds = (at(o, 'status', 'conditions') as Record<string, unknown>[]) ?? [];
      const done = conds.find((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
      return [
        o.metadata.name ?? '',
        done ? String(done.type) : 'Running',
        `${num(at(o, 'status', 'succeeded'))}/${num(at(o, 'spec', 'completions')) || 1}`,
        '',
        age(o),
        ...workloadWide(o),
      ];
    },
  },
  'batch/CronJob': {
    columns: [
      NAME,
      col('Schedule'),
      col('Timezone'),
      col('Suspend'),
      col('Active'),
      col('Last Schedule'),
      AGE,
      col('Containers', '', 1),
      col('Images', '', 1),
      col('Selector', '', 1),
    ],
    cells: (o) => {
      const cs = containersOf(at(o, 'spec', 'jobTemplate', 'spec', 'template', 'spec'));
      return [
        o.metadata.name ?? '',
        String(at(o, 'spec', 'schedule') ?? ''),
        String(at(o, 'spec', 'timeZone') ?? '<none>'),
        Boolean(at(o, 'spec', 'suspend')),
        ((at(o, 'status', 'active') as unknown[]) ?? []).length,
        '<none>',
        age(o),
        cs.map((c) => String(c.name)).join(','),
        cs.map((c) => String(c.image)).join(','),
        selectorString(at(o, 'spec', 'jobTemplate', 'spec', 'selector')),
      ];
    },
  },
};

const bindingPrinter: Printer = {
  columns: [
    NAME,
    col('Role', 'RoleRef is the reference to the role.'),
    AGE,
    col('Users', '', 1),
    col('Groups', '', 1),
    col('ServiceAccounts', '', 1),
  ],
  cells: (o) => {
    const subjects = (o.subjects as Record<string, unknown>[]) ?? [];
    const of = (k: string) =>
      subjects
        .filter((s) => s.kind === k)
        .map((s) => (k === 'ServiceAccount' ? `${s.namespace}/${s.name}` : String(s.name)))
        .join(', ');
    return [
      o.metadata.name ?? '',
      `${at(o, 'roleRef', 'kind')}/${at(o, 'roleRef', 'name')}`,
      age(o),
      of('User'),
      of('Group'),
      of('ServiceAccount'),
    ];
  },
};
PRINTERS['rbac.authorization.k8s.io/RoleBinding'] = bindingPrinter;
PRINTERS['rbac.authorization.k8s.io/ClusterRoleBinding'] = bindingPrinter;

/** rest.NewDefaultTableConvertor: Name and Created At. */
const DEFAULT_PRINTER: Printer = {
  columns: [NAME, col('Created At', AGE_DESC, 0, 'date')],
  cells: (o) => [o.metadata.name ?? '', o.metadata.creationTimestamp ?? null],
};

function jsonPathValue(o: KubeObject, path: string): Cell {
  const parts = path.replace(/^\./, '').split('.').filter(Boolean);
  const v = at(o, ...parts);
  if (v === undefined || v === null) return null;
  if (typeof v === 'object') return JSON.stringify(v);
  return v as Cell;
}

/** Custom resources: additionalPrinterColumns (dates rendered as ages), else Name and Age. */
function crdPrinter(columns: PrinterColumn[] | undefined): Printer {
  const cols = columns?.length
    ? columns
    : [
        {
          name: 'Age',
          type: 'date',
          jsonPath: '.metadata.creationTimestamp',
          description: AGE_DESC,
        },
      ];
  return {
    columns: [NAME, ...cols.map((c) => col(c.name, c.description ?? '', c.priority ?? 0, c.type, c.format ?? ''))],
    cells: (o) => [
      o.metadata.name ?? '',
      ...cols.map((c) => {
        const v = jsonPathValue(o, c.jsonPath);
        return c.type === 'date' && typeof v === 'string' ? humanDuration(Date.now() - Date.parse(v)) : v;
      }),
    ],
  };
}

export type IncludeObject = 'None' | 'Metadata' | 'Object';

export function renderTable(
  type: ResourceType,
  objects: KubeObject[],
  opts: {
    includeObject: IncludeObject;
    noHeaders?: boolean;
    listMeta?: Record<string, unknown>;
  },
) {
  const printer = type.crd ? crdPrinter(type.crd.printerColumns) : (PRINTERS[`${type.group}/${type.kind}`] ?? DEFAULT_PRINTER);
  const rows = objects.map((o) => {
    const row: Record<string, unknown> = { cells: printer.cells(o) };
    if (opts.includeObject === 'Object') row.object = o;
    else if (opts.includeObject === 'Metadata')
      row.object = {
        kind: 'PartialObjectMetadata',
        apiVersion: 'meta.k8s.io/v1',
        metadata: o.metadata,
      };
    return row;
  });
  const table: Record<string, unknown> = {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: opts.listMeta ?? {},
  };
  if (!opts.noHeaders) table.columnDefinitions = printer.columns;
  table.rows = rows;
  return table;
}

/** Does the Accept header ask for a Table (as=Table;g=meta.k8s.io;v=v1 or v1beta1)? */
export function wantsTable(accept: string | undefined): boolean {
  if (!accept) return false;
  return accept.split(',').some((part) => {
    const params = part.split(';').map((p) => p.trim());
    return params.includes('as=Table') && params.includes('g=meta.k8s.io');
  });
}
