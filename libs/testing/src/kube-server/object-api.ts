// Create/update/delete semantics of k8s.io/apiserver's generic registry store (store.go) plus the
// built-in admission the real server always runs (NamespaceLifecycle): system metadata, generation,
// resourceVersion preconditions, finalizers and deletionTimestamp, no-op updates, managedFields.
import { randomUUID } from 'node:crypto';
import { applyDecodeDefaults, prepareForCreate, randomSuffix, tracksGeneration } from './defaults';
import { trackedContent, updateManagedFields } from './managed-fields';
import { AdmissionPlugin, UserInfo } from './pipeline';
import { groupVersionString, ResourceRegistry, resourceKey, ResourceType } from './resources';
import { checkFieldSelector, FieldRequirement, LabelRequirement, matchesFields, matchesLabels, SelectorError } from './selectors';
import { errors, StatusCause } from './status';
import { ObjectStore } from './store';
import { KubeObject, ManagedFieldsEntry, at, clone, deepEqual, isObject, now } from './types';
import { validateName, validateObject } from './validation';

export interface WriteOptions {
  manager: string;
  user: UserInfo;
  dryRun?: boolean;
  subresource?: string;
  /** Server-side apply computed the managedFields itself. */
  managedFieldsOverride?: ManagedFieldsEntry[];
  /** PUT namespaces/{name}/finalize: the one write that may change spec.finalizers. */
  finalize?: boolean;
  /** Receives admission warnings for the response's Warning headers. */
  warn?: (message: string) => void;
}

export interface DeleteOptions {
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
}

export interface ListOptions {
  labelSelector?: LabelRequirement[];
  fieldSelector?: FieldRequirement[];
  limit?: number;
  continueToken?: string;
  resourceVersion?: string;
  resourceVersionMatch?: string;
}

export interface ListResult {
  items: KubeObject[];
  resourceVersion: string;
  continueToken?: string;
  remainingItemCount?: number;
}

/** Kinds that expose a status subresource keep status out of main-resource writes. */
function hasStatusSubresource(type: ResourceType): boolean {
  return (type.subresources ?? []).some((s) => s.name === 'status');
}

/** Kinds whose DELETE answers with the object rather than a Status (ReturnDeletedObject). */
const RETURNS_DELETED_OBJECT = new Set(['/pods', '/services']);

/** Zero-valued structs the typed empty object already has: they are not "added" by a create. */
function emptyShape(type: ResourceType): Record<string, unknown> {
  const shape: Record<string, unknown> = { metadata: {} };
  if (type.crd) return shape;
  const noSpec = [
    'ConfigMap',
    'Secret',
    'ServiceAccount',
    'Event',
    'Endpoints',
    'Role',
    'ClusterRole',
    'RoleBinding',
    'ClusterRoleBinding',
    'Binding',
  ];
  if (!noSpec.includes(type.kind)) shape.spec = {};
  return shape;
}

/** A built-in type's status is a struct that always exists, so a status write never "adds" it. */
function statusStruct(type: ResourceType, content: Record<string, unknown>, subresource?: string): Record<string, unknown> {
  if (subresource === 'status' && !type.crd && content.status === undefined) return { ...content, status: {} };
  return content;
}

function encodeContinue(rv: number, start: string): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv, start })).toString('base64url');
}

function decodeContinue(token: string): { rv: number; start: string } {
  try {
    const c = JSON.parse(Buffer.from(token, 'base64url').toString()) as {
      v?: string;
      rv?: number;
      start?: string;
    };
    if (c.v !== 'meta.k8s.io/v1' || typeof c.rv !== 'number' || typeof c.start !== 'string') throw new Error('bad');
    return { rv: c.rv, start: c.start };
  } catch {
    throw errors.badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
  }
}

export class ObjectApi {
  constructor(
    readonly store: ObjectStore,
    readonly registry: ResourceRegistry,
    readonly admission: AdmissionPlugin[],
    private readonly allocateClusterIP: () => string,
  ) {}

  private gr(type: ResourceType) {
    return { group: type.group, plural: type.plural };
  }

  private key(type: ResourceType): string {
    return resourceKey(type);
  }

  /** Objects are stored once per group/resource; a read through another version relabels apiVersion. */
  private asVersion(type: ResourceType, o: KubeObject): KubeObject {
    o.apiVersion = groupVersionString(type.group, type.version);
    o.kind = type.kind;
    return o;
  }

  get(type: ResourceType, namespace: string | undefined, name: string): KubeObject {
    const o = this.store.get(this.key(type), type.namespaced ? namespace : undefined, name);
    if (!o) throw errors.notFound(this.gr(type), name);
    return this.asVersion(type, o);
  }

  tryGet(type: ResourceType, namespace: string | undefined, name: string): KubeObject | undefined {
    const o = this.store.get(this.key(type), type.namespaced ? namespace : undefined, name);
    return o && this.asVersion(type, o);
  }

  list(type: ResourceType, namespace: string | undefined, opts: ListOptions = {}): ListResult {
    const ns = type.namespaced ? namespace || undefined : undefined;
    let snapshotRv = this.store.resourceVersion;
    let start = '';
    if (opts.continueToken) {
      const c = decodeContinue(opts.continueToken);
      snapshotRv = c.rv;
      start = c.start;
    } else if (opts.resourceVersion && opts.resourceVersionMatch === 'Exact') {
      snapshotRv = Number(opts.resourceVersion);
    }
    let all: KubeObject[] | undefined;
    if (snapshotRv === this.store.resourceVersion) all = this.store.list(this.key(type), ns);
    else all = this.store.listAt(this.key(type), snapshotRv, ns);
    if (!all) {
      if (opts.continueToken)
        throw errors.expired(
          'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.',
        );
      throw errors.expired(`too old resource version: ${snapshotRv} (${this.store.oldestResourceVersion})`);
    }
    if (opts.fieldSelector) {
      try {
        checkFieldSelector(opts.fieldSelector, type.kind);
      } catch (e) {
        if (e instanceof SelectorError) throw errors.badRequest(e.message);
        throw e;
      }
    }
    // Keys relative to the list prefix, as etcd3's continue token records them.
    const rel = (o: KubeObject) => (ns || !type.namespaced ? (o.metadata.name ?? '') : `${o.metadata.namespace}/${o.metadata.name}`);
    const candidates = all.filter((o) => !start || rel(o) >= start);
    const matches = candidates.filter(
      (o) =>
        (!opts.labelSelector || matchesLabels(opts.labelSelector, o.metadata.labels)) &&
        (!opts.fieldSelector || matchesFields(opts.fieldSelector, o)),
    );
    const result: ListResult = {
      items: matches,
      resourceVersion: String(snapshotRv),
    };
    if (opts.limit && opts.limit > 0 && matches.length > opts.limit) {
      result.items = matches.slice(0, opts.limit);
      const last = result.items[result.items.length - 1];
      result.continueToken = encodeContinue(snapshotRv, `${rel(last)}\u0000`);
      // remainingItemCount is only known when nothing was filtered out.
      if (!opts.labelSelector?.length && !opts.fieldSelector?.length) {
        result.remainingItemCount = candidates.length - candidates.indexOf(last) - 1;
      }
    }
    result.items = result.items.map((o) => this.asVersion(type, o));
    return result;
  }

  private checkNamespace(type: ResourceType, namespace: string, name: string): void {
    if (!type.namespaced) return;
    const ns = this.store.get('namespaces', undefined, namespace);
    if (!ns) throw errors.notFound({ group: '', plural: 'namespaces' }, namespace);
    if (at(ns, 'status', 'phase') === 'Terminating' || ns.metadata.deletionTimestamp) {
      const e = errors.forbidden(
        this.gr(type),
        name,
        `unable to create new content in namespace ${namespace} because it is being terminated`,
      );
      e.status.details = {
        ...e.status.details,
        causes: [
          {
            reason: 'NamespaceTerminating',
            message: `namespace ${namespace} is being terminated`,
            field: 'metadata.namespace',
          },
        ],
      };
      throw e;
    }
  }

  /**
   * The two admission phases of kube-apiserver's handlers (create.go, update.go, delete.go):
   * mutating admission runs on the decoded object before the strategy prepares and validates it;
   * validating admission runs on the final object just before storage.
   */
  private async runAdmission(
    phase: 'mutate' | 'validate',
    op: 'CREATE' | 'UPDATE' | 'DELETE',
    type: ResourceType,
    object: KubeObject | undefined,
    oldObject: KubeObject | undefined,
    opts: WriteOptions,
    deleteOptions?: DeleteOptions,
    /** The name the request carried: a create by generateName is admitted without one. */
    requestName?: string,
  ): Promise<KubeObject | undefined> {
    let obj = object;
    const kind = op === 'CREATE' ? 'CreateOptions' : op === 'UPDATE' ? 'UpdateOptions' : 'DeleteOptions';
    const options: Record<string, unknown> = {
      kind,
      apiVersion: 'meta.k8s.io/v1',
      ...(opts.dryRun ? { dryRun: ['All'] } : {}),
      ...(op === 'DELETE' ? deleteOptions : { fieldManager: opts.manager }),
    };
    const base = {
      operation: op,
      type,
      subresource: opts.subresource ?? '',
      namespace: (object ?? oldObject)?.metadata.namespace ?? '',
      name: requestName ?? (object ?? oldObject)?.metadata.name ?? '',
      user: opts.user,
      dryRun: !!opts.dryRun,
      options,
      warn: opts.warn,
    };
    for (const p of this.admission)
      if (phase === 'mutate' && p.admit) obj = (await p.admit({ ...base, object: obj, oldObject })) ?? obj;
      else if (phase === 'validate' && p.validate) await p.validate({ ...base, object: obj, oldObject });
    return obj;
  }

  private invalidIfAny(type: ResourceType, name: string, causes: StatusCause[]): void {
    if (causes.length) throw errors.invalid(type.group, type.kind, name, causes);
  }

  async create(type: ResourceType, namespace: string | undefined, body: KubeObject, opts: WriteOptions): Promise<KubeObject> {
    const o = clone(body);
    o.metadata = isObject(o.metadata) ? o.metadata : {};
    o.apiVersion = groupVersionString(type.group, type.version);
    o.kind = type.kind;
    if (type.namespaced) {
      if (o.metadata.namespace && namespace && o.metadata.namespace !== namespace)
        throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
      o.metadata.namespace = namespace || o.metadata.namespace;
    } else delete o.metadata.namespace;
    for (const f of [
      'uid',
      'resourceVersion',
      'creationTimestamp',
      'deletionTimestamp',
      'deletionGracePeriodSeconds',
      'generation',
      'managedFields',
      'selfLink',
    ] as const)
      delete o.metadata[f as keyof typeof o.metadata];
    applyDecodeDefaults(type.group, type.kind, o);
    const hasStatus = hasStatusSubresource(type);
    // The handler's field manager sees the request before admission (create.go).
    o.metadata.managedFields =
      opts.managedFieldsOverride ??
      updateManagedFields({
        manager: opts.manager,
        apiVersion: o.apiVersion,
        before: emptyShape(type),
        after: trackedContent(o, undefined, hasStatus),
        previous: undefined,
      });
    // NamespaceLifecycle is the first mutating admission plugin; it skips requests without a namespace.
    if (o.metadata.namespace) this.checkNamespace(type, o.metadata.namespace, o.metadata.name ?? o.metadata.generateName ?? '');
    const mutated = (await this.runAdmission('mutate', 'CREATE', type, o, undefined, opts)) ?? o;
    const managedFields = o.metadata.managedFields;
    const a = clone(mutated);
    a.metadata = isObject(a.metadata) ? a.metadata : {};
    // Mutating admission may not move the object or edit what the field manager recorded.
    a.metadata.managedFields = managedFields;
    if (type.namespaced) a.metadata.namespace = o.metadata.namespace;
    else delete a.metadata.namespace;
    // rest.BeforeCreate: generated name, then the strategy's validation.
    if (!a.metadata.name && a.metadata.generateName) a.metadata.name = `${a.metadata.generateName}${randomSuffix()}`;
    const name = a.metadata.name ?? '';
    if (!name)
      this.invalidIfAny(type, '', [
        {
          reason: 'FieldValueRequired',
          message: 'Required value: name or generateName is required',
          field: 'metadata.name',
        },
      ]);
    if (type.namespaced && !a.metadata.namespace)
      this.invalidIfAny(type, name, [
        {
          reason: 'FieldValueRequired',
          message: 'Required value',
          field: 'metadata.namespace',
        },
      ]);
    this.invalidIfAny(type, name, [...validateName(type.group, type.kind, name), ...validateObject(type.group, type.kind, a)]);
    const key = this.key(type);
    const exists = () => {
      if (this.store.get(key, a.metadata.namespace, name)) throw errors.alreadyExists(this.gr(type), name);
    };
    // Checked before validating admission too, so quota admission does not charge for a duplicate.
    exists();
    prepareForCreate(type.group, type.kind, a);
    if (type.group === '' && type.kind === 'Service') this.allocateServiceIPs(a);
    if (type.crd && hasStatus) delete a.status;
    const m = a.metadata;
    m.uid = randomUUID();
    m.creationTimestamp = now();
    if (tracksGeneration(type.group, type.kind, !!type.crd)) m.generation = 1;
    await this.runAdmission('validate', 'CREATE', type, a, undefined, opts, undefined, mutated.metadata?.name ?? '');
    if (opts.dryRun) {
      delete m.resourceVersion;
      return a;
    }
    exists();
    m.resourceVersion = String(this.store.nextResourceVersion());
    this.store.put(key, reorderMetadata(a), 'ADDED');
    return this.get(type, m.namespace, name);
  }

  private allocateServiceIPs(o: KubeObject): void {
    const spec = (isObject(o.spec) ? o.spec : (o.spec = {})) as Record<string, unknown>;
    if (spec.type === 'ExternalName') return;
    if (spec.clusterIP !== 'None' && !spec.clusterIP) spec.clusterIP = this.allocateClusterIP();
    spec.clusterIPs = [spec.clusterIP];
    spec.ipFamilies = ['IPv4'];
    spec.ipFamilyPolicy = 'SingleStack';
    if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') {
      for (const p of (spec.ports as Record<string, unknown>[] | undefined) ?? [])
        if (!p.nodePort) p.nodePort = 30000 + Math.floor(Math.random() * 2768);
    }
  }

  /**
   * PUT semantics (also the tail of PATCH): preconditions, immutable metadata, the status/main split,
   * generation on spec change, no-op detection, and deletion once the last finalizer is gone.
   */
  async update(type: ResourceType, namespace: string | undefined, name: string, body: KubeObject, opts: WriteOptions): Promise<KubeObject> {
    const ns = type.namespaced ? namespace : undefined;
    const key = this.key(type);
    const old = this.store.get(key, ns, name);
    if (!old) throw errors.notFound(this.gr(type), name);
    const o = clone(body);
    if (!isObject(o.metadata)) o.metadata = {};
    if (o.metadata.name && o.metadata.name !== name)
      throw errors.badRequest(`the name of the object (${o.metadata.name}) does not match the name on the URL (${name})`);
    if (type.namespaced && o.metadata.namespace && o.metadata.namespace !== namespace)
      throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
    if (o.metadata.resourceVersion && o.metadata.resourceVersion !== old.metadata.resourceVersion)
      throw errors.staleResourceVersion(this.gr(type), name);
    o.apiVersion = groupVersionString(type.group, type.version);
    o.kind = type.kind;
    const hasStatus = hasStatusSubresource(type);
    /** The strategy's PrepareForUpdate: the status/main split and the metadata a client may not change. */
    const prepare = (incoming: KubeObject): KubeObject => {
      let next: KubeObject;
      if (opts.subresource === 'status') {
        next = clone(old);
        next.status = incoming.status;
        // A status write may not change metadata except labels/annotations kept as is (status strategy).
      } else {
        next = incoming;
        const m = next.metadata;
        m.name = name;
        if (type.namespaced) m.namespace = namespace;
        m.uid = old.metadata.uid;
        m.creationTimestamp = old.metadata.creationTimestamp;
        if (old.metadata.deletionTimestamp) m.deletionTimestamp = old.metadata.deletionTimestamp;
        else delete m.deletionTimestamp;
        if (old.metadata.deletionGracePeriodSeconds !== undefined) m.deletionGracePeriodSeconds = old.metadata.deletionGracePeriodSeconds;
        if (old.metadata.generation !== undefined) m.generation = old.metadata.generation;
        applyDecodeDefaults(type.group, type.kind, next);
        if (hasStatus && !type.crd) next.status = old.status;
        else if (hasStatus && type.crd) {
          if (old.status === undefined) delete next.status;
          else next.status = old.status;
        }
        if (type.group === '' && type.kind === 'Namespace' && !opts.finalize) next.spec = old.spec;
        if (type.group === '' && type.kind === 'Service') {
          const spec = (next.spec ?? {}) as Record<string, unknown>;
          const oldSpec = (old.spec ?? {}) as Record<string, unknown>;
          for (const f of ['clusterIP', 'clusterIPs', 'ipFamilies', 'ipFamilyPolicy']) if (spec[f] === undefined) spec[f] = oldSpec[f];
        }
      }
      return next;
    };
    let next = prepare(o);
    const spec = (x: KubeObject) => {
      const c: Record<string, unknown> = { ...x };
      delete c.metadata;
      delete c.status;
      delete c.apiVersion;
      delete c.kind;
      return c;
    };
    // The handler's field manager sees the request before admission (update.go transformers).
    const managedFields =
      opts.managedFieldsOverride ??
      updateManagedFields({
        manager: opts.manager,
        apiVersion: next.apiVersion ?? '',
        subresource: opts.subresource,
        before: statusStruct(type, trackedContent(old, opts.subresource, hasStatus), opts.subresource),
        after: trackedContent(next, opts.subresource, hasStatus),
        whole: trackedContent(next, undefined, false),
        previous: old.metadata.managedFields,
      });
    next.metadata.managedFields = managedFields;
    next.metadata.resourceVersion = old.metadata.resourceVersion;
    const mutated = await this.runAdmission('mutate', 'UPDATE', type, next, old, opts);
    if (mutated && mutated !== next) {
      const m = clone(mutated);
      if (!isObject(m.metadata)) m.metadata = {};
      next = prepare(m);
      next.metadata.managedFields = managedFields;
      next.metadata.resourceVersion = old.metadata.resourceVersion;
    }
    if (opts.subresource !== 'status') this.invalidIfAny(type, name, validateObject(type.group, type.kind, next));
    if (next.metadata.generation !== undefined && !deepEqual(spec(next), spec(old)))
      next.metadata.generation = (old.metadata.generation ?? 0) + 1;
    await this.runAdmission('validate', 'UPDATE', type, next, old, opts);
    const admitted = next;
    // A no-op update writes nothing and keeps the resourceVersion (etcd3 store GuaranteedUpdate).
    const comparable = (x: KubeObject) => ({
      ...x,
      metadata: {
        ...x.metadata,
        managedFields: (x.metadata.managedFields ?? []).map((e) => ({
          ...e,
          time: '',
        })),
      },
    });
    if (deepEqual(comparable(reorderMetadata(admitted)), comparable(reorderMetadata(old)))) return this.asVersion(type, old);
    if (opts.dryRun) return admitted;
    if (admitted.metadata.deletionTimestamp && !(admitted.metadata.finalizers ?? []).length && !this.keepsAfterFinalizers(type, admitted)) {
      this.store.remove(key, ns, name);
      return this.asVersion(type, admitted);
    }
    admitted.metadata.resourceVersion = String(this.store.nextResourceVersion());
    this.store.put(key, reorderMetadata(admitted), 'MODIFIED');
    return this.get(type, ns, name);
  }

  /** A terminating namespace stays until its spec.finalizers are emptied through /finalize. */
  private keepsAfterFinalizers(type: ResourceType, o: KubeObject): boolean {
    return type.group === '' && type.kind === 'Namespace' && ((at(o, 'spec', 'finalizers') as string[] | undefined) ?? []).length > 0;
  }

  /**
   * DELETE: preconditions, then either graceful (deletionTimestamp + finalizers, object returned)
   * or immediate removal. Namespaces always go through Terminating.
   */
  async delete(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    options: DeleteOptions,
    opts: WriteOptions,
  ): Promise<{ object: KubeObject; removed: boolean }> {
    const ns = type.namespaced ? namespace : undefined;
    const key = this.key(type);
    const old = this.store.get(key, ns, name);
    if (!old) throw errors.notFound(this.gr(type), name);
    const pre = options.preconditions;
    if (pre?.uid && pre.uid !== old.metadata.uid)
      throw errors.conflict(
        this.gr(type),
        name,
        `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${old.metadata.uid}`,
      );
    if (pre?.resourceVersion && pre.resourceVersion !== old.metadata.resourceVersion)
      throw errors.conflict(
        this.gr(type),
        name,
        `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${old.metadata.resourceVersion}`,
      );
    await this.runAdmission('mutate', 'DELETE', type, undefined, old, opts, options);
    await this.runAdmission('validate', 'DELETE', type, undefined, old, opts, options);
    const finalizers = [...(old.metadata.finalizers ?? [])];
    const policy = options.propagationPolicy;
    if (policy === 'Foreground' && !finalizers.includes('foregroundDeletion')) finalizers.push('foregroundDeletion');
    if (policy === 'Orphan' && !finalizers.includes('orphan')) finalizers.push('orphan');
    const isNamespace = type.group === '' && type.kind === 'Namespace';
    const podOnNode = type.group === '' && type.kind === 'Pod' && !!at(old, 'spec', 'nodeName') && options.gracePeriodSeconds !== 0;
    if (finalizers.length || isNamespace || podOnNode) {
      const next = clone(old);
      if (!next.metadata.deletionTimestamp) {
        next.metadata.deletionTimestamp = now();
        next.metadata.deletionGracePeriodSeconds = podOnNode
          ? (options.gracePeriodSeconds ?? Number(at(old, 'spec', 'terminationGracePeriodSeconds') ?? 30))
          : 0;
      }
      if (finalizers.length) next.metadata.finalizers = finalizers;
      if (isNamespace)
        next.status = {
          ...(isObject(next.status) ? next.status : {}),
          phase: 'Terminating',
        };
      if (opts.dryRun) return { object: this.asVersion(type, next), removed: false };
      if (!deepEqual(next, old)) {
        next.metadata.resourceVersion = String(this.store.nextResourceVersion());
        this.store.put(key, reorderMetadata(next), 'MODIFIED');
      }
      return { object: this.asVersion(type, next), removed: false };
    }
    if (opts.dryRun) return { object: this.asVersion(type, old), removed: true };
    const removed = this.store.remove(key, ns, name) as KubeObject;
    return { object: this.asVersion(type, removed), removed: true };
  }

  returnsDeletedObject(type: ResourceType): boolean {
    return RETURNS_DELETED_OBJECT.has(`${type.group}/${type.plural}`) || !!type.crd;
  }
}

const METADATA_ORDER = [
  'name',
  'generateName',
  'namespace',
  'selfLink',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'labels',
  'annotations',
  'ownerReferences',
  'finalizers',
  'managedFields',
];

/** Field order of ObjectMeta as Go serializes it, so responses read like the real server's. */
export function reorderMetadata(o: KubeObject): KubeObject {
  const m: Record<string, unknown> = {};
  const src = o.metadata as Record<string, unknown>;
  for (const k of METADATA_ORDER) if (src[k] !== undefined) m[k] = src[k];
  for (const [k, v] of Object.entries(src)) if (!(k in m) && v !== undefined) m[k] = v;
  const out: KubeObject = {
    kind: o.kind,
    apiVersion: o.apiVersion,
    metadata: m,
  } as KubeObject;
  for (const [k, v] of Object.entries(o)) if (!(k in out)) out[k] = v;
  return out;
}
