// The DaemonSet and StatefulSet controllers of kube-controller-manager, as far as one node needs:
// a DaemonSet runs one pod on the node, a StatefulSet pods `<name>-0 … <name>-(n-1)` in order; both
// replace pods of an older template (RollingUpdate, one at a time) and report status the way
// pkg/controller/daemon and pkg/controller/statefulset compute it. The kubelet stand-in
// (Controllers.runPod) makes the pods Running and Ready, or not (image-pull.ts).
import { podTemplateHash } from './controllers';
import { ObjectApi } from './object-api';
import { UserInfo } from './pipeline';
import { ResourceType } from './resources';
import { at, clone, KubeObject } from './types';

const CONTROLLER_USER: UserInfo = { username: 'system:kube-controller-manager', groups: ['system:authenticated'] };
const KCM = { manager: 'kube-controller-manager', user: CONTROLLER_USER };

function isReady(p: KubeObject): boolean {
  return ((at(p, 'status', 'conditions') as Record<string, unknown>[] | undefined) ?? []).some(
    (c) => c.type === 'Ready' && c.status === 'True',
  );
}

export class WorkloadControllers {
  constructor(
    private readonly api: ObjectApi,
    private readonly type: (group: string, plural: string) => ResourceType,
  ) {}

  private ownedPods(ns: string, owner: KubeObject): KubeObject[] {
    return this.api
      .list(this.type('', 'pods'), ns)
      .items.filter(
        (p) =>
          (p.metadata.ownerReferences ?? []).some((r) => r.uid === owner.metadata.uid && r.controller) &&
          !['Succeeded', 'Failed'].includes(String(at(p, 'status', 'phase'))),
      );
  }

  private podFor(
    owner: KubeObject,
    kind: 'DaemonSet' | 'StatefulSet',
    hash: string,
    name: { generateName: string } | { name: string },
    extraLabels: Record<string, string>,
  ): KubeObject {
    const template = (at(owner, 'spec', 'template') ?? {}) as Record<string, unknown>;
    const meta = (template.metadata ?? {}) as Record<string, unknown>;
    return {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        ...name,
        labels: { ...clone((meta.labels as Record<string, string>) ?? {}), 'controller-revision-hash': hash, ...extraLabels },
        ...(meta.annotations ? { annotations: clone(meta.annotations as Record<string, string>) } : {}),
        ownerReferences: [
          {
            apiVersion: 'apps/v1',
            kind,
            name: owner.metadata.name ?? '',
            uid: owner.metadata.uid ?? '',
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      },
      spec: clone(template.spec as Record<string, unknown>),
    };
  }

  /** One pod per node (this server has one); a pod of an older template is replaced. */
  async syncDaemonSet(ns: string, name: string): Promise<void> {
    const dsType = this.type('apps', 'daemonsets');
    const ds = this.api.tryGet(dsType, ns, name);
    if (!ds || ds.metadata.deletionTimestamp) return;
    const hash = podTemplateHash(at(ds, 'spec', 'template'));
    const generation = String(ds.metadata.generation ?? 1);
    let pods = this.ownedPods(ns, ds).filter((p) => !p.metadata.deletionTimestamp);
    for (const stale of pods.filter((p) => p.metadata.labels?.['controller-revision-hash'] !== hash)) {
      await this.api.delete(this.type('', 'pods'), ns, stale.metadata.name ?? '', {}, KCM);
    }
    pods = pods.filter((p) => p.metadata.labels?.['controller-revision-hash'] === hash);
    if (pods.length === 0) {
      await this.api.create(
        this.type('', 'pods'),
        ns,
        this.podFor(ds, 'DaemonSet', hash, { generateName: `${name}-` }, { 'pod-template-generation': generation }),
        KCM,
      );
      pods = this.ownedPods(ns, ds).filter(
        (p) => !p.metadata.deletionTimestamp && p.metadata.labels?.['controller-revision-hash'] === hash,
      );
    }
    const ready = pods.filter(isReady).length;
    const status: Record<string, unknown> = {
      currentNumberScheduled: pods.length,
      numberMisscheduled: 0,
      desiredNumberScheduled: 1,
      numberReady: ready,
      observedGeneration: ds.metadata.generation,
      updatedNumberScheduled: pods.length,
    };
    // daemon controller: numberAvailable/numberUnavailable are set only when non-zero (omitempty).
    if (ready) status.numberAvailable = ready;
    if (1 - ready > 0) status.numberUnavailable = 1 - ready;
    await this.writeStatus(dsType, ns, ds, status);
  }

  /** Pods `<name>-<ordinal>` created in order, each once the previous one is ready (OrderedReady). */
  async syncStatefulSet(ns: string, name: string): Promise<void> {
    const stsType = this.type('apps', 'statefulsets');
    const sts = this.api.tryGet(stsType, ns, name);
    if (!sts || sts.metadata.deletionTimestamp) return;
    const replicas = Number(at(sts, 'spec', 'replicas') ?? 1);
    const hash = `${name}-${podTemplateHash(at(sts, 'spec', 'template'))}`;
    const podType = this.type('', 'pods');
    const pods = this.ownedPods(ns, sts).filter((p) => !p.metadata.deletionTimestamp);
    const byOrdinal = new Map(pods.map((p) => [Number((p.metadata.name ?? '').slice(name.length + 1)), p]));
    for (const [ordinal, pod] of byOrdinal) if (ordinal >= replicas) await this.api.delete(podType, ns, pod.metadata.name ?? '', {}, KCM);
    for (let ordinal = 0; ordinal < replicas; ordinal += 1) {
      const pod = byOrdinal.get(ordinal);
      if (pod && pod.metadata.labels?.['controller-revision-hash'] !== hash) {
        await this.api.delete(podType, ns, pod.metadata.name ?? '', {}, KCM);
        break;
      }
      if (!pod) {
        const podName = `${name}-${ordinal}`;
        await this.api.create(
          podType,
          ns,
          this.podFor(
            sts,
            'StatefulSet',
            hash,
            { name: podName },
            { 'statefulset.kubernetes.io/pod-name': podName, 'apps.kubernetes.io/pod-index': String(ordinal) },
          ),
          KCM,
        );
        break;
      }
      if (!isReady(pod)) break;
    }
    const current = this.ownedPods(ns, sts).filter((p) => !p.metadata.deletionTimestamp);
    const ready = current.filter(isReady).length;
    const updated = current.filter((p) => p.metadata.labels?.['controller-revision-hash'] === hash).length;
    const status: Record<string, unknown> = {
      observedGeneration: sts.metadata.generation,
      replicas: current.length,
      readyReplicas: ready,
      currentReplicas: updated,
      updatedReplicas: updated,
      currentRevision: hash,
      updateRevision: hash,
      collisionCount: 0,
      availableReplicas: ready,
    };
    await this.writeStatus(stsType, ns, sts, status);
  }

  private async writeStatus(type: ResourceType, ns: string, object: KubeObject, status: Record<string, unknown>): Promise<void> {
    if (JSON.stringify(object.status) === JSON.stringify(status)) return;
    const next = clone(object);
    next.status = status;
    await this.api.update(type, ns, object.metadata.name ?? '', next, { ...KCM, subresource: 'status' });
  }
}
