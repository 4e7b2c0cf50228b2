// Minimal but real stand-ins for kube-controller-manager, kube-scheduler and the kubelet, acting
// through the same ObjectApi as clients: namespace bootstrap (default ServiceAccount,
// kube-root-ca.crt) and deletion, ownerReference garbage collection, Deployment → ReplicaSet → Pod,
// scheduling and Running pods, ResourceQuota status.used. Work is queued and coalesced per key.
import { createHash } from 'node:crypto';
import { syncClusterRoleAggregation } from './clusterrole-aggregation';
import { ObjectApi } from './object-api';
import { UserInfo } from './pipeline';
import { formatQuantity, isBinaryQuantity, parseQuantity } from './quantity';
import { quotaScopesMatch } from './quota-admission';
import { resourceKey, ResourceType } from './resources';
import { ApiError } from './status';
import { StoreEvent } from './store';
import { at, clone, KubeObject, now, OwnerReference } from './types';
import { imagePullFailedStatus, unpullableImage } from './image-pull';
import { WorkloadControllers } from './workload-controllers';

const CONTROLLER_USER: UserInfo = {
  username: 'system:kube-controller-manager',
  groups: ['system:authenticated'],
};
const KCM = { manager: 'kube-controller-manager', user: CONTROLLER_USER };

export const ROOT_CA_DESCRIPTION =
  'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.';

type Job = () => Promise<void>;

/** SafeEncodeString of k8s.io/apimachinery/pkg/util/rand: no vowels, no ambiguous characters. */
function safeEncode(n: number): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  let s = '';
  for (const d of String(n)) s += alphabet[Number(d) % alphabet.length];
  return s;
}

/** controller.ComputeHash stand-in: FNV-style stable hash of the pod template, safe-encoded. */
export function podTemplateHash(template: unknown): string {
  const h = createHash('sha256').update(JSON.stringify(template)).digest().readUInt32BE(0);
  return safeEncode(h);
}

export class Controllers {
  private readonly queue = new Map<string, Job>();
  private scheduled = false;
  private running = false;
  private stopped = false;
  private unsubscribe: () => void = () => undefined;
  private podIp = 1;
  private idleWaiters: (() => void)[] = [];
  private readonly workloads: WorkloadControllers;

  constructor(
    private readonly api: ObjectApi,
    private readonly opts: { caCert: string; nodeName: string },
  ) {
    this.workloads = new WorkloadControllers(api, (group, plural) => this.type(group, plural));
  }

  start(): void {
    this.unsubscribe = this.api.store.subscribe((e) => this.onEvent(e));
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe();
    this.queue.clear();
  }

  /** Resolves once queued work has drained (for deterministic tests and bootstrap). */
  idle(): Promise<void> {
    if (!this.queue.size && !this.running) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private type(group: string, plural: string): ResourceType {
    const t = this.api.registry.findAnyVersion(group, plural);
    if (!t) throw new Error(`unknown resource ${plural}.${group}`);
    return t;
  }

  private enqueue(key: string, job: Job): void {
    if (this.stopped) return;
    this.queue.set(key, job);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => void this.drain());
    }
  }

  private async drain(): Promise<void> {
    this.scheduled = false;
    if (this.running) return;
    this.running = true;
    try {
      while (this.queue.size && !this.stopped) {
        const [key, job] = this.queue.entries().next().value as [string, Job];
        this.queue.delete(key);
        try {
          await job();
        } catch (e) {
          // A conflict or a vanished object means newer events will bring this key back.
          if (!(e instanceof ApiError)) throw e;
        }
      }
    } finally {
      this.running = false;
      if (!this.queue.size) for (const w of this.idleWaiters.splice(0)) w();
    }
  }

  private onEvent(e: StoreEvent): void {
    const o = e.object;
    const ns = o.metadata.namespace;
    const name = o.metadata.name ?? '';
    switch (e.resource) {
      case 'clusterroles.rbac.authorization.k8s.io':
        this.enqueue('clusterrole-aggregation', () => syncClusterRoleAggregation(this.api));
        break;
      case 'namespaces':
        if (e.type === 'ADDED') this.enqueue(`ns-setup/${name}`, () => this.setupNamespace(name));
        if (o.metadata.deletionTimestamp) this.enqueue(`ns-delete/${name}`, () => this.finishNamespace(name));
        break;
      case 'deployments.apps':
        if (e.type !== 'DELETED') this.enqueue(`deploy/${ns}/${name}`, () => this.syncDeployment(ns ?? '', name));
        break;
      case 'replicasets.apps':
        if (e.type !== 'DELETED') this.enqueue(`rs/${ns}/${name}`, () => this.syncReplicaSet(ns ?? '', name));
        this.enqueueOwner(o, 'Deployment', (n) => this.syncDeployment(ns ?? '', n));
        break;
      case 'daemonsets.apps':
        if (e.type !== 'DELETED') this.enqueue(`ds/${ns}/${name}`, () => this.workloads.syncDaemonSet(ns ?? '', name));
        break;
      case 'statefulsets.apps':
        if (e.type !== 'DELETED') this.enqueue(`sts/${ns}/${name}`, () => this.workloads.syncStatefulSet(ns ?? '', name));
        break;
      case 'pods':
        if (e.type !== 'DELETED') this.enqueue(`pod/${ns}/${name}`, () => this.runPod(ns ?? '', name));
        this.enqueueOwner(o, 'ReplicaSet', (n) => this.syncReplicaSet(ns ?? '', n));
        this.enqueueOwner(o, 'DaemonSet', (n) => this.workloads.syncDaemonSet(ns ?? '', n));
        this.enqueueOwner(o, 'StatefulSet', (n) => this.workloads.syncStatefulSet(ns ?? '', n));
        break;
      case 'resourcequotas':
        if (e.type !== 'DELETED') this.enqueue(`quota/${ns}/${name}`, () => this.syncQuota(ns ?? '', name));
        break;
    }
    if (ns && e.resource !== 'resourcequotas' && e.resource !== 'events') this.enqueue(`quota-ns/${ns}`, () => this.syncQuotas(ns));
    if (ns && e.type === 'DELETED') this.enqueue(`ns-delete/${ns}`, () => this.finishNamespace(ns));
    // Garbage collector: dependents of deleted or deleting owners.
    if (e.type === 'DELETED' || o.metadata.deletionTimestamp) this.enqueue(`gc/${o.metadata.uid}`, () => this.collect(e));
  }

  private enqueueOwner(o: KubeObject, kind: string, sync: (name: string) => Promise<void>): void {
    const ref = (o.metadata.ownerReferences ?? []).find((r) => r.controller && r.kind === kind);
    if (ref) this.enqueue(`${kind}/${o.metadata.namespace}/${ref.name}`, () => sync(ref.name));
  }

  /** core/v1 Events as the controllers' EventRecorders write them (what `kubectl describe` lists). */
  private async recordEvent(
    involved: KubeObject,
    type: 'Normal' | 'Warning',
    reason: string,
    message: string,
    component: string,
  ): Promise<void> {
    const ns = involved.metadata.namespace ?? 'default';
    const ts = now();
    try {
      await this.api.create(
        this.type('', 'events'),
        ns,
        {
          apiVersion: 'v1',
          kind: 'Event',
          metadata: {
            name: `${involved.metadata.name}.${createHash('sha256').update(`${reason}${message}${ts}${Math.random()}`).digest('hex').slice(0, 16)}`,
          },
          involvedObject: {
            kind: involved.kind,
            namespace: ns,
            name: involved.metadata.name,
            uid: involved.metadata.uid,
            apiVersion: involved.apiVersion,
            resourceVersion: involved.metadata.resourceVersion,
          },
          reason,
          message,
          source: component === 'kubelet' ? { component, host: this.opts.nodeName } : { component },
          firstTimestamp: ts,
          lastTimestamp: ts,
          count: 1,
          type,
          eventTime: null,
          reportingComponent: component,
          reportingInstance: component === 'kubelet' ? this.opts.nodeName : '',
        },
        { manager: component, user: CONTROLLER_USER },
      );
    } catch (e) {
      // Events are best effort, as with client-go's recorder (e.g. the namespace is terminating).
      if (!(e instanceof ApiError)) throw e;
    }
  }

  // --- namespaces -------------------------------------------------------------------------------

  /** What serviceaccounts-controller and root-ca-cert-publisher put in every new namespace. */
  private async setupNamespace(name: string): Promise<void> {
    const ns = this.api.tryGet(this.type('', 'namespaces'), undefined, name);
    if (!ns || ns.metadata.deletionTimestamp) return;
    const sa = this.type('', 'serviceaccounts');
    if (!this.api.tryGet(sa, name, 'default'))
      await this.api.create(
        sa,
        name,
        {
          apiVersion: 'v1',
          kind: 'ServiceAccount',
          metadata: { name: 'default' },
        },
        KCM,
      );
    const cm = this.type('', 'configmaps');
    if (!this.api.tryGet(cm, name, 'kube-root-ca.crt'))
      await this.api.create(
        cm,
        name,
        {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: {
            name: 'kube-root-ca.crt',
            annotations: { 'kubernetes.io/description': ROOT_CA_DESCRIPTION },
          },
          data: { 'ca.crt': this.opts.caCert },
        },
        KCM,
      );
  }

  /** Namespace controller: delete everything in a terminating namespace, then finalize it. */
  private async finishNamespace(name: string): Promise<void> {
    const nsType = this.type('', 'namespaces');
    const ns = this.api.tryGet(nsType, undefined, name);
    if (!ns || !ns.metadata.deletionTimestamp) return;
    let remaining = 0;
    for (const t of this.namespacedTypes()) {
      for (const o of this.api.list(t, name).items) {
        remaining++;
        if (!o.metadata.deletionTimestamp)
          await this.api.delete(t, name, o.metadata.name ?? '', { propagationPolicy: 'Background', gracePeriodSeconds: 0 }, KCM);
        else if (t.kind === 'Pod') await this.removePod(name, o.metadata.name ?? '');
      }
    }
    if (remaining > 0) return;
    const finalizers = (at(ns, 'spec', 'finalizers') as string[] | undefined) ?? [];
    if (finalizers.includes('kubernetes')) {
      const next = clone(ns);
      next.spec = {
        ...(next.spec as object),
        finalizers: finalizers.filter((f) => f !== 'kubernetes'),
      };
      await this.api.update(nsType, undefined, name, next, {
        ...KCM,
        finalize: true,
      });
    }
  }

  private namespacedTypes(): ResourceType[] {
    const seen = new Set<string>();
    return this.api.registry.all().filter((t) => {
      if (!t.namespaced || t.persisted === false || !t.verbs.includes('delete')) return false;
      const k = resourceKey(t);
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
  }

  // --- garbage collector ------------------------------------------------------------------------

  private async collect(e: StoreEvent): Promise<void> {
    const owner = e.object;
    const uid = owner.metadata.uid;
    const ownerType = this.api.registry.all().find((t) => resourceKey(t) === e.resource);
    const dependents: { type: ResourceType; o: KubeObject }[] = [];
    const types = owner.metadata.namespace ? this.namespacedTypes() : this.api.registry.all().filter((t) => t.persisted !== false);
    for (const t of types) {
      const items = t.namespaced ? this.api.list(t, owner.metadata.namespace ?? undefined).items : this.api.list(t, undefined).items;
      for (const o of items) if ((o.metadata.ownerReferences ?? []).some((r) => r.uid === uid)) dependents.push({ type: t, o });
    }
    const finalizers = owner.metadata.finalizers ?? [];
    if (e.type === 'DELETED') {
      // Background propagation: dependents whose owner is gone are deleted.
      for (const d of dependents) {
        const left = (d.o.metadata.ownerReferences ?? []).filter((r) => r.uid !== uid);
        const others = left.filter((r) => this.ownerExists(r, d.o.metadata.namespace));
        if (others.length) continue;
        if (!d.o.metadata.deletionTimestamp)
          await this.api.delete(d.type, d.o.metadata.namespace, d.o.metadata.name ?? '', { propagationPolicy: 'Background' }, KCM);
      }
      return;
    }
    if (!ownerType) return;
    if (finalizers.includes('orphan')) {
      for (const d of dependents) {
        const next = clone(d.o);
        next.metadata.ownerReferences = (next.metadata.ownerReferences ?? []).filter((r) => r.uid !== uid);
        if (!next.metadata.ownerReferences.length) delete next.metadata.ownerReferences;
        await this.api.update(d.type, d.o.metadata.namespace, d.o.metadata.name ?? '', next, KCM);
      }
      await this.dropFinalizer(ownerType, owner, 'orphan');
    } else if (finalizers.includes('foregroundDeletion')) {
      for (const d of dependents)
        if (!d.o.metadata.deletionTimestamp)
          await this.api.delete(d.type, d.o.metadata.namespace, d.o.metadata.name ?? '', { propagationPolicy: 'Foreground' }, KCM);
      if (!dependents.length) await this.dropFinalizer(ownerType, owner, 'foregroundDeletion');
    }
    // A dependent going away may unblock a foreground-deleting owner.
    for (const r of owner.metadata.ownerReferences ?? []) {
      const t = this.api.registry.findByKind(r.apiVersion, r.kind);
      const o = t && this.api.tryGet(t, owner.metadata.namespace, r.name);
      if (t && o && (o.metadata.finalizers ?? []).includes('foregroundDeletion'))
        this.enqueue(`gc/${o.metadata.uid}`, () =>
          this.collect({
            type: 'MODIFIED',
            resource: resourceKey(t),
            object: o,
            resourceVersion: 0,
          }),
        );
    }
  }

  private ownerExists(r: OwnerReference, namespace: string | undefined): boolean {
    const t = this.api.registry.findByKind(r.apiVersion, r.kind);
    if (!t) return false;
    const o = this.api.tryGet(t, namespace, r.name);
    return !!o && o.metadata.uid === r.uid;
  }

  private async dropFinalizer(type: ResourceType, owner: KubeObject, finalizer: string): Promise<void> {
    const cur = this.api.tryGet(type, owner.metadata.namespace, owner.metadata.name ?? '');
    if (!cur) return;
    const next = clone(cur);
    next.metadata.finalizers = (next.metadata.finalizers ?? []).filter((f) => f !== finalizer);
    await this.api.update(type, cur.metadata.namespace, cur.metadata.name ?? '', next, KCM);
  }

  // --- deployments and replicasets ------------------------------------------------------------

  private async syncDeployment(ns: string, name: string): Promise<void> {
    const dType = this.type('apps', 'deployments');
    const rsType = this.type('apps', 'replicasets');
    const d = this.api.tryGet(dType, ns, name);
    if (!d || d.metadata.deletionTimestamp) return;
    const template = clone(at(d, 'spec', 'template') as Record<string, unknown>);
    const hash = podTemplateHash(template);
    const owned = this.api
      .list(rsType, ns)
      .items.filter((rs) => (rs.metadata.ownerReferences ?? []).some((r) => r.uid === d.metadata.uid && r.controller));
    const replicas = Number(at(d, 'spec', 'replicas') ?? 1);
    let current = owned.find((rs) => rs.metadata.labels?.['pod-template-hash'] === hash);
    const revision = Math.max(0, ...owned.map((rs) => Number(rs.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? 0)));
    if (!current) {
      const meta = (template.metadata ?? {}) as Record<string, unknown>;
      const labels = {
        ...((meta.labels as Record<string, string>) ?? {}),
        'pod-template-hash': hash,
      };
      template.metadata = { ...meta, labels };
      const selector = clone((at(d, 'spec', 'selector') ?? {}) as Record<string, unknown>);
      selector.matchLabels = {
        ...((selector.matchLabels as Record<string, string>) ?? {}),
        'pod-template-hash': hash,
      };
      current = await this.api.create(
        rsType,
        ns,
        {
          apiVersion: 'apps/v1',
          kind: 'ReplicaSet',
          metadata: {
            name: `${name}-${hash}`,
            labels,
            annotations: {
              'deployment.kubernetes.io/desired-replicas': String(replicas),
              'deployment.kubernetes.io/max-replicas': String(replicas + 1),
              'deployment.kubernetes.io/revision': String(revision + 1),
            },
            ownerReferences: [
              {
                apiVersion: 'apps/v1',
                kind: 'Deployment',
                name,
                uid: d.metadata.uid ?? '',
                controller: true,
                blockOwnerDeletion: true,
              },
            ],
          },
          spec: {
            replicas,
            minReadySeconds: at(d, 'spec', 'minReadySeconds') ?? 0,
            selector,
            template,
          },
        },
        KCM,
      );
      await this.recordEvent(
        d,
        'Normal',
        'ScalingReplicaSet',
        `Scaled up replica set ${current.metadata.name} from 0 to ${replicas}`,
        'deployment-controller',
      );
    } else if (Number(at(current, 'spec', 'replicas')) !== replicas) {
      const from = Number(at(current, 'spec', 'replicas'));
      await this.recordEvent(
        d,
        'Normal',
        'ScalingReplicaSet',
        `Scaled ${replicas > from ? 'up' : 'down'} replica set ${current.metadata.name} from ${from} to ${replicas}`,
        'deployment-controller',
      );
      const next = clone(current);
      next.spec = { ...(next.spec as object), replicas };
      next.metadata.annotations = {
        ...(next.metadata.annotations ?? {}),
        'deployment.kubernetes.io/desired-replicas': String(replicas),
        'deployment.kubernetes.io/max-replicas': String(replicas + 1),
      };
      current = await this.api.update(rsType, ns, current.metadata.name ?? '', next, KCM);
    }
    for (const rs of owned) {
      if (rs.metadata.name === current.metadata.name || Number(at(rs, 'spec', 'replicas')) === 0) continue;
      await this.recordEvent(
        d,
        'Normal',
        'ScalingReplicaSet',
        `Scaled down replica set ${rs.metadata.name} from ${Number(at(rs, 'spec', 'replicas'))} to 0`,
        'deployment-controller',
      );
      const next = clone(rs);
      next.spec = { ...(next.spec as object), replicas: 0 };
      await this.api.update(rsType, ns, rs.metadata.name ?? '', next, KCM);
    }
    const all = this.api.list(rsType, ns).items.filter((rs) => (rs.metadata.ownerReferences ?? []).some((r) => r.uid === d.metadata.uid));
    const sum = (f: string) => all.reduce((n, rs) => n + Number(at(rs, 'status', f) ?? 0), 0);
    const updated = Number(at(current, 'status', 'replicas') ?? 0);
    const available = sum('availableReplicas');
    const total = sum('replicas');
    const ts = now();
    const cond = (type: string, status: string, reason: string, message: string, old?: Record<string, unknown>) => ({
      type,
      status,
      lastUpdateTime: old?.status === status && old?.reason === reason ? old.lastUpdateTime : ts,
      lastTransitionTime: old?.status === status ? old.lastTransitionTime : ts,
      reason,
      message,
    });
    const oldConds = (at(d, 'status', 'conditions') as Record<string, unknown>[] | undefined) ?? [];
    const done = updated === replicas && total === replicas && available === replicas;
    const status: Record<string, unknown> = {
      observedGeneration: d.metadata.generation,
      replicas: total,
      updatedReplicas: updated,
    };
    if (sum('readyReplicas')) status.readyReplicas = sum('readyReplicas');
    if (available) status.availableReplicas = available;
    if (total - available > 0) status.unavailableReplicas = total - available;
    const minAvailable = available >= replicas - Math.floor(replicas * 0.25);
    status.conditions = [
      cond(
        'Available',
        minAvailable ? 'True' : 'False',
        minAvailable ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable',
        minAvailable ? 'Deployment has minimum availability.' : 'Deployment does not have minimum availability.',
        oldConds.find((c) => c.type === 'Available'),
      ),
      cond(
        'Progressing',
        'True',
        done ? 'NewReplicaSetAvailable' : 'ReplicaSetUpdated',
        done
          ? `ReplicaSet "${current.metadata.name}" has successfully progressed.`
          : `ReplicaSet "${current.metadata.name}" is progressing.`,
        oldConds.find((c) => c.type === 'Progressing'),
      ),
    ];
    const next = clone(d);
    next.metadata.annotations = {
      ...(next.metadata.annotations ?? {}),
      'deployment.kubernetes.io/revision': current.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? '1',
    };
    if (JSON.stringify(next.metadata.annotations) !== JSON.stringify(d.metadata.annotations))
      await this.api.update(dType, ns, name, next, KCM);
    const fresh = this.api.tryGet(dType, ns, name);
    if (!fresh) return;
    const withStatus = clone(fresh);
    withStatus.status = status;
    await this.api.update(dType, ns, name, withStatus, {
      ...KCM,
      subresource: 'status',
    });
  }

  private async syncReplicaSet(ns: string, name: string): Promise<void> {
    const rsType = this.type('apps', 'replicasets');
    const podType = this.type('', 'pods');
    const rs = this.api.tryGet(rsType, ns, name);
    if (!rs || rs.metadata.deletionTimestamp) return;
    const want = Number(at(rs, 'spec', 'replicas') ?? 1);
    const pods = this.api
      .list(podType, ns)
      .items.filter(
        (p) =>
          (p.metadata.ownerReferences ?? []).some((r) => r.uid === rs.metadata.uid && r.controller) &&
          !p.metadata.deletionTimestamp &&
          !['Succeeded', 'Failed'].includes(String(at(p, 'status', 'phase'))),
      );
    const template = (at(rs, 'spec', 'template') ?? {}) as Record<string, unknown>;
    for (let i = pods.length; i < want; i++) {
      const meta = (template.metadata ?? {}) as Record<string, unknown>;
      const pod = await this.api.create(
        podType,
        ns,
        {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: {
            generateName: `${name}-`,
            labels: clone((meta.labels as Record<string, string>) ?? {}),
            ...(meta.annotations
              ? {
                  annotations: clone(meta.annotations as Record<string, string>),
                }
              : {}),
            ownerReferences: [
              {
                apiVersion: 'apps/v1',
                kind: 'ReplicaSet',
                name,
                uid: rs.metadata.uid ?? '',
                controller: true,
                blockOwnerDeletion: true,
              },
            ],
          },
          spec: clone(template.spec as Record<string, unknown>),
        },
        KCM,
      );
      await this.recordEvent(rs, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata.name}`, 'replicaset-controller');
    }
    if (pods.length > want) {
      // Prefer deleting pods that are not ready, then the newest (controller.ActivePods ordering).
      const victims = [...pods].sort(
        (a, b) =>
          Number(isReady(a)) - Number(isReady(b)) ||
          String(b.metadata.creationTimestamp).localeCompare(String(a.metadata.creationTimestamp)),
      );
      for (const p of victims.slice(0, pods.length - want)) {
        await this.api.delete(podType, ns, p.metadata.name ?? '', {}, KCM);
        await this.recordEvent(rs, 'Normal', 'SuccessfulDelete', `Deleted pod: ${p.metadata.name}`, 'replicaset-controller');
      }
    }
    const current = this.api
      .list(podType, ns)
      .items.filter((p) => (p.metadata.ownerReferences ?? []).some((r) => r.uid === rs.metadata.uid) && !p.metadata.deletionTimestamp);
    const ready = current.filter(isReady).length;
    const status: Record<string, unknown> = {
      replicas: current.length,
      fullyLabeledReplicas: current.length,
    };
    if (ready) {
      status.readyReplicas = ready;
      status.availableReplicas = ready;
    }
    status.observedGeneration = rs.metadata.generation;
    if (current.length === 0) delete status.fullyLabeledReplicas;
    const next = clone(rs);
    next.status = status;
    await this.api.update(rsType, ns, name, next, {
      ...KCM,
      subresource: 'status',
    });
  }

  // --- scheduler and kubelet ------------------------------------------------------------------

  /** Binds pending pods to the node, then reports them Running and Ready, as the kubelet would. */
  private async runPod(ns: string, name: string): Promise<void> {
    const podType = this.type('', 'pods');
    const pod = this.api.tryGet(podType, ns, name);
    if (!pod) return;
    if (pod.metadata.deletionTimestamp) {
      if (!(pod.metadata.finalizers ?? []).length) await this.removePod(ns, name);
      return;
    }
    if (!at(pod, 'spec', 'nodeName')) {
      const next = clone(pod);
      next.spec = { ...(next.spec as object), nodeName: this.opts.nodeName };
      const bound = await this.api.update(podType, ns, name, next, {
        manager: 'kube-scheduler',
        user: { username: 'system:kube-scheduler', groups: [] },
      });
      const withCond = clone(bound);
      withCond.status = {
        ...(withCond.status as object),
        conditions: [
          {
            type: 'PodScheduled',
            status: 'True',
            lastProbeTime: null,
            lastTransitionTime: now(),
          },
        ],
      };
      await this.api.update(podType, ns, name, withCond, {
        manager: 'kube-scheduler',
        user: { username: 'system:kube-scheduler', groups: [] },
        subresource: 'status',
      });
      await this.recordEvent(
        bound,
        'Normal',
        'Scheduled',
        `Successfully assigned ${ns}/${name} to ${this.opts.nodeName}`,
        'default-scheduler',
      );
      return;
    }
    if (at(pod, 'status', 'phase') !== 'Pending') return;
    const unpullable = unpullableImage(pod);
    if (unpullable) {
      // The kubelet keeps retrying the pull; the pod stays Pending and not ready (image-pull.ts).
      if (at(pod, 'status', 'containerStatuses')) return;
      const failed = clone(pod);
      failed.status = imagePullFailedStatus(pod, unpullable);
      await this.api.update(podType, ns, name, failed, {
        manager: 'kubelet',
        user: { username: `system:node:${this.opts.nodeName}`, groups: ['system:nodes'] },
        subresource: 'status',
      });
      return;
    }
    const ts = now();
    const ip = `10.244.0.${(this.podIp++ % 250) + 2}`;
    const containers = (at(pod, 'spec', 'containers') as Record<string, unknown>[]) ?? [];
    const next = clone(pod);
    next.status = {
      phase: 'Running',
      conditions: [
        {
          type: 'PodReadyToStartContainers',
          status: 'True',
          lastProbeTime: null,
          lastTransitionTime: ts,
        },
        {
          type: 'Initialized',
          status: 'True',
          lastProbeTime: null,
          lastTransitionTime: ts,
        },
        {
          type: 'Ready',
          status: 'True',
          lastProbeTime: null,
          lastTransitionTime: ts,
        },
        {
          type: 'ContainersReady',
          status: 'True',
          lastProbeTime: null,
          lastTransitionTime: ts,
        },
        {
          type: 'PodScheduled',
          status: 'True',
          lastProbeTime: null,
          lastTransitionTime: String(at(pod, 'metadata', 'creationTimestamp') ?? ts),
        },
      ],
      hostIP: '172.18.0.2',
      hostIPs: [{ ip: '172.18.0.2' }],
      podIP: ip,
      podIPs: [{ ip }],
      startTime: ts,
      containerStatuses: containers.map((c) => ({
        name: c.name,
        state: { running: { startedAt: ts } },
        lastState: {},
        ready: true,
        restartCount: 0,
        image: qualifyImage(String(c.image ?? '')),
        imageID: `${qualifyImage(String(c.image ?? ''))}@sha256:${createHash('sha256').update(String(c.image)).digest('hex')}`,
        containerID: `containerd://${createHash('sha256')
          .update(`${ns}/${name}/${String(c.name)}`)
          .digest('hex')}`,
        started: true,
      })),
      qosClass: at(pod, 'status', 'qosClass'),
    };
    for (const c of containers) {
      await this.recordEvent(pod, 'Normal', 'Pulled', `Container image "${String(c.image)}" already present on machine`, 'kubelet');
      await this.recordEvent(pod, 'Normal', 'Created', `Created container: ${String(c.name)}`, 'kubelet');
      await this.recordEvent(pod, 'Normal', 'Started', `Started container ${String(c.name)}`, 'kubelet');
    }
    await this.api.update(podType, ns, name, next, {
      manager: 'kubelet',
      user: {
        username: `system:node:${this.opts.nodeName}`,
        groups: ['system:nodes'],
      },
      subresource: 'status',
    });
  }

  /** The kubelet's final delete once a pod's containers have stopped (grace period elapsed at once). */
  private async removePod(ns: string, name: string): Promise<void> {
    const podType = this.type('', 'pods');
    const pod = this.api.tryGet(podType, ns, name);
    if (!pod || (pod.metadata.finalizers ?? []).length) return;
    this.api.store.remove(resourceKey(podType), ns, name);
  }

  // --- resource quota -------------------------------------------------------------------------

  private async syncQuotas(ns: string): Promise<void> {
    const t = this.type('', 'resourcequotas');
    for (const q of this.api.list(t, ns).items) await this.syncQuota(ns, q.metadata.name ?? '');
  }

  /** resourcequota controller: status.hard mirrors spec.hard, status.used counts the namespace. */
  private async syncQuota(ns: string, name: string): Promise<void> {
    const t = this.type('', 'resourcequotas');
    const q = this.api.tryGet(t, ns, name);
    if (!q || q.metadata.deletionTimestamp) return;
    const hard = (at(q, 'spec', 'hard') ?? {}) as Record<string, string>;
    const used: Record<string, string> = {};
    const pods = this.api
      .list(this.type('', 'pods'), ns)
      .items.filter(
        (p) =>
          !['Succeeded', 'Failed'].includes(String(at(p, 'status', 'phase'))) &&
          !p.metadata.deletionTimestamp &&
          quotaScopesMatch(this.type('', 'pods'), p, q),
      );
    const sumPods = (section: 'requests' | 'limits', res: string) =>
      pods.reduce(
        (n, p) =>
          n +
          ((at(p, 'spec', 'containers') as Record<string, unknown>[]) ?? []).reduce(
            (m, c) => m + parseQuantity(at(c, 'resources', section, res) as string | undefined),
            0,
          ),
        0,
      );
    const counts: Record<string, [string, string]> = {
      pods: ['', 'pods'],
      services: ['', 'services'],
      secrets: ['', 'secrets'],
      configmaps: ['', 'configmaps'],
      persistentvolumeclaims: ['', 'persistentvolumeclaims'],
      replicationcontrollers: ['', 'replicationcontrollers'],
      resourcequotas: ['', 'resourcequotas'],
    };
    for (const key of Object.keys(hard)) {
      const binary = isBinaryQuantity(hard[key]) || key.endsWith('memory') || key.endsWith('storage');
      if (key === 'pods') used[key] = String(pods.length);
      else if (counts[key]) used[key] = String(this.api.list(this.type(...counts[key]), ns).items.length);
      else if (key.startsWith('count/')) {
        const [plural, ...group] = key.slice(6).split('.');
        const rt = this.api.registry.findAnyVersion(group.join('.'), plural);
        used[key] = String(rt ? this.api.list(rt, ns).items.length : 0);
      } else if (/^(requests|limits)\.(cpu|memory|ephemeral-storage)$/.test(key) || /^(cpu|memory)$/.test(key)) {
        const [section, res] = key.includes('.')
          ? (key.split('.') as ['requests' | 'limits', string])
          : (['requests', key] as ['requests', string]);
        used[key] = formatQuantity(sumPods(section, res), binary);
      } else used[key] = '0';
    }
    const status = { hard: { ...hard }, used };
    if (JSON.stringify(q.status) === JSON.stringify(status)) return;
    const next = clone(q);
    next.status = status;
    await this.api.update(t, ns, name, next, { ...KCM, subresource: 'status' });
  }
}

function isReady(p: KubeObject): boolean {
  const conds = (at(p, 'status', 'conditions') as Record<string, unknown>[] | undefined) ?? [];
  return conds.some((c) => c.type === 'Ready' && c.status === 'True');
}

/** Image references as the container runtime reports them (docker.io/library/nginx:latest). */
function qualifyImage(image: string): string {
  let ref = image;
  if (!/[:@]/.test(ref.split('/').pop() ?? '')) ref = `${ref}:latest`;
  const first = ref.split('/')[0];
  if (!ref.includes('/')) return `docker.io/library/${ref}`;
  if (!first.includes('.') && !first.includes(':') && first !== 'localhost') return `docker.io/${ref}`;
  return ref;
}
