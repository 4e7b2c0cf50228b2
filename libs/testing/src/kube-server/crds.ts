// CustomResourceDefinitions served dynamically, as apiextensions-apiserver does: every served
// version of an established CRD becomes a resource (discovery updated), status reports
// NamesAccepted/Established, and deleting the CRD deletes its custom resources.
import { ObjectApi } from './object-api';
import { UserInfo } from './pipeline';
import { PrinterColumn, resourceKey, ResourceType, SubresourceType } from './resources';
import { StoreEvent } from './store';
import { at, clone, isObject, KubeObject, now } from './types';

const CRUD = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const CRD_USER: UserInfo = {
  username: 'system:apiserver',
  groups: ['system:masters'],
};

/** version.CompareKubeAwareVersionStrings: GA before beta before alpha, higher numbers first. */
export function compareKubeVersions(a: string, b: string): number {
  const parse = (v: string) => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return [0, 0, 0, v] as const;
    return [Number(m[1]), m[2] === 'alpha' ? 1 : m[2] === 'beta' ? 2 : 3, Number(m[3] ?? 0), v] as const;
  };
  const x = parse(a);
  const y = parse(b);
  if (x[0] === 0 && y[0] === 0) return a < b ? -1 : 1;
  if (x[0] === 0) return 1;
  if (y[0] === 0) return -1;
  if (x[1] !== y[1]) return y[1] - x[1];
  if (x[0] !== y[0]) return y[0] - x[0];
  return y[2] - x[2];
}

interface CrdVersion {
  name: string;
  served?: boolean;
  storage?: boolean;
  subresources?: { status?: object; scale?: object };
  additionalPrinterColumns?: PrinterColumn[];
}

export function crdResourceTypes(crd: KubeObject): ResourceType[] {
  const spec = (crd.spec ?? {}) as Record<string, unknown>;
  const names = (spec.names ?? {}) as Record<string, unknown>;
  const versions = ((spec.versions as CrdVersion[] | undefined) ?? []).filter((v) => v.served !== false);
  const storage = versions.find((v) => v.storage)?.name ?? versions[0]?.name ?? '';
  return [...versions]
    .sort((a, b) => compareKubeVersions(a.name, b.name))
    .map((v) => {
      const subresources: SubresourceType[] = [];
      if (v.subresources?.scale)
        subresources.push({
          name: 'scale',
          kind: 'Scale',
          group: 'autoscaling',
          version: 'v1',
          verbs: ['get', 'patch', 'update'],
        });
      if (v.subresources?.status)
        subresources.push({
          name: 'status',
          verbs: ['get', 'patch', 'update'],
        });
      const t: ResourceType = {
        group: String(spec.group),
        version: v.name,
        kind: String(names.kind),
        plural: String(names.plural),
        singular: String(names.singular ?? String(names.kind).toLowerCase()),
        namespaced: spec.scope !== 'Cluster',
        verbs: CRUD,
        listKind: String(names.listKind ?? `${String(names.kind)}List`),
        crd: {
          name: crd.metadata.name ?? '',
          storageVersion: storage,
          printerColumns: v.additionalPrinterColumns,
        },
      };
      if (Array.isArray(names.shortNames)) t.shortNames = names.shortNames as string[];
      if (Array.isArray(names.categories)) t.categories = names.categories as string[];
      if (subresources.length) t.subresources = subresources;
      return t;
    });
}

export class CrdController {
  private unsubscribe: () => void = () => undefined;

  constructor(private readonly api: ObjectApi) {}

  /** Registers the CRDs already stored (state file) and follows changes. */
  start(): void {
    const crdType = this.crdType();
    for (const crd of this.api.list(crdType, undefined).items) this.register(crd);
    this.unsubscribe = this.api.store.subscribe((e) => this.onEvent(e));
  }

  stop(): void {
    this.unsubscribe();
  }

  private crdType(): ResourceType {
    const t = this.api.registry.findAnyVersion('apiextensions.k8s.io', 'customresourcedefinitions');
    if (!t) throw new Error('customresourcedefinitions not registered');
    return t;
  }

  private register(crd: KubeObject): void {
    const name = crd.metadata.name;
    this.api.registry.remove((t) => t.crd?.name === name);
    if (!crd.metadata.deletionTimestamp) this.api.registry.add(crdResourceTypes(crd));
  }

  private onEvent(e: StoreEvent): void {
    if (e.resource !== 'customresourcedefinitions.apiextensions.k8s.io') return;
    if (e.type === 'DELETED') {
      const types = this.api.registry.all().filter((t) => t.crd?.name === e.object.metadata.name);
      for (const t of types.slice(0, 1)) {
        // Custom resources go with their definition (the customresourcecleanup finalizer's work).
        for (const o of this.api.list(t, undefined).items)
          this.api.store.remove(resourceKey(t), o.metadata.namespace, o.metadata.name ?? '');
        this.api.store.dropResource(resourceKey(t));
      }
      this.api.registry.remove((t) => t.crd?.name === e.object.metadata.name);
      return;
    }
    this.register(e.object);
    if (!isEstablished(e.object)) setImmediate(() => void this.establish(e.object.metadata.name ?? ''));
  }

  private async establish(name: string): Promise<void> {
    const t = this.crdType();
    const crd = this.api.tryGet(t, undefined, name);
    if (!crd || isEstablished(crd)) return;
    const names = clone((at(crd, 'spec', 'names') ?? {}) as Record<string, unknown>);
    if (!names.singular) names.singular = String(names.kind).toLowerCase();
    if (!names.listKind) names.listKind = `${String(names.kind)}List`;
    const versions = (at(crd, 'spec', 'versions') as CrdVersion[] | undefined) ?? [];
    const ts = now();
    const next = clone(crd);
    next.status = {
      conditions: [
        {
          type: 'NamesAccepted',
          status: 'True',
          lastTransitionTime: ts,
          reason: 'NoConflicts',
          message: 'no conflicts found',
        },
        {
          type: 'Established',
          status: 'True',
          lastTransitionTime: ts,
          reason: 'InitialNamesAccepted',
          message: 'the initial names have been accepted',
        },
      ],
      acceptedNames: names,
      storedVersions: [versions.find((v) => v.storage)?.name ?? versions[0]?.name],
    };
    try {
      await this.api.update(t, undefined, name, next, {
        manager: 'kube-apiserver',
        user: CRD_USER,
        subresource: 'status',
      });
    } catch {
      setImmediate(() => void this.establish(name));
    }
  }
}

function isEstablished(crd: KubeObject): boolean {
  const conds = at(crd, 'status', 'conditions');
  return Array.isArray(conds) && conds.some((c) => isObject(c) && c.type === 'Established' && c.status === 'True');
}
