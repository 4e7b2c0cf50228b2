import { AppsV1Api, KubeConfig, V1DaemonSet, V1Deployment, V1StatefulSet } from '@kubernetes/client-node';
import { COMPONENT_GENERATION_LABEL, COMPONENT_LABEL, ComponentReport, HOTPLUG_KEY_PREFIX, WorkloadReadiness } from '@cube/contracts';
import { SyncStatus } from '../agent/sync-status';
import { isKubernetesObject } from '../reconciler/desired-object';

/**
 * What the heartbeat says of each optional component in the desired state (issue #16, Status):
 * per component, its objects applied or failed (with the API server's message) and the readiness of
 * its workloads as their controllers report it. Workloads are found by the component label.
 */
export class ComponentReports {
  private readonly apps: AppsV1Api;

  constructor(kubeConfig: KubeConfig) {
    this.apps = kubeConfig.makeApiClient(AppsV1Api);
  }

  async report(desired: ReadonlyMap<string, unknown>, sync: SyncStatus): Promise<ComponentReport[]> {
    const reports = new Map<string, ComponentReport>();
    for (const [key, value] of desired) {
      if (!key.startsWith(HOTPLUG_KEY_PREFIX) || !isKubernetesObject(value)) continue;
      const component = value.metadata?.labels?.[COMPONENT_LABEL] ?? key.split('.')[1] ?? '';
      const generation = Number(value.metadata?.labels?.[COMPONENT_GENERATION_LABEL] ?? 0);
      let report = reports.get(component);
      if (!report) {
        report = { component, generation, objects: 0, applied: 0, failed: [], workloads: [] };
        reports.set(component, report);
      }
      // Objects of two generations at once (a change half-received): the component is at the older one.
      report.generation = Math.min(report.generation, generation);
      report.objects += 1;
      const error = sync.error(key);
      if (error) report.failed.push({ key, message: error.message, ...(error.reason ? { reason: error.reason } : {}) });
      else if (sync.isApplied(key, value)) report.applied += 1;
    }
    if (reports.size === 0) return [];
    const selector = COMPONENT_LABEL;
    const [deployments, daemonSets, statefulSets] = await Promise.all([
      this.apps.listDeploymentForAllNamespaces({ labelSelector: selector }),
      this.apps.listDaemonSetForAllNamespaces({ labelSelector: selector }),
      this.apps.listStatefulSetForAllNamespaces({ labelSelector: selector }),
    ]);
    const add = (object: V1Deployment | V1DaemonSet | V1StatefulSet, readiness: WorkloadReadiness) => {
      const report = reports.get(object.metadata?.labels?.[COMPONENT_LABEL] ?? '');
      if (report) report.workloads.push(readiness);
    };
    const current = (object: V1Deployment | V1DaemonSet | V1StatefulSet) =>
      (object.status?.observedGeneration ?? 0) >= (object.metadata?.generation ?? 1);
    const ref = (object: V1Deployment | V1DaemonSet | V1StatefulSet) => ({
      namespace: object.metadata?.namespace ?? '',
      name: object.metadata?.name ?? '',
    });
    // kubectl rollout status's criteria: updated and available replicas for Deployments, scheduled and ready pods for DaemonSets.
    for (const d of deployments.items)
      add(d, {
        kind: 'Deployment',
        ...ref(d),
        desired: d.spec?.replicas ?? 1,
        ready: Math.min(d.status?.readyReplicas ?? 0, d.status?.updatedReplicas ?? 0),
        current: current(d),
      });
    for (const d of daemonSets.items)
      add(d, {
        kind: 'DaemonSet',
        ...ref(d),
        desired: d.status?.desiredNumberScheduled ?? 0,
        ready: Math.min(d.status?.numberReady ?? 0, d.status?.updatedNumberScheduled ?? 0),
        current: current(d),
      });
    for (const s of statefulSets.items)
      add(s, {
        kind: 'StatefulSet',
        ...ref(s),
        desired: s.spec?.replicas ?? 1,
        ready: Math.min(s.status?.readyReplicas ?? 0, s.status?.updatedReplicas ?? 0),
        current: current(s),
      });
    return [...reports.values()].sort((a, b) => a.component.localeCompare(b.component));
  }
}
