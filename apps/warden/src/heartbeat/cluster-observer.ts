import { CoreV1Api, KubeConfig, VersionApi } from '@kubernetes/client-node';
import { NamespaceQuotaUsage } from '@cube/contracts';
import { sumResourceLists } from '@cube/kube';

export interface ClusterObservation {
  kubernetesVersion: string;
  nodes: number;
  capacity: Record<string, string>;
  quotas: NamespaceQuotaUsage[];
}

/** Reads what a heartbeat reports from the member kube-apiserver: version, nodes, allocatable, quotas. */
export class ClusterObserver {
  private readonly core: CoreV1Api;
  private readonly version: VersionApi;

  constructor(kubeConfig: KubeConfig) {
    this.core = kubeConfig.makeApiClient(CoreV1Api);
    this.version = kubeConfig.makeApiClient(VersionApi);
  }

  async observe(): Promise<ClusterObservation> {
    const [version, nodes, quotas] = await Promise.all([
      this.version.getCode(),
      this.core.listNode(),
      this.core.listResourceQuotaForAllNamespaces(),
    ]);
    return {
      kubernetesVersion: version.gitVersion,
      nodes: nodes.items.length,
      capacity: sumResourceLists(nodes.items.map((node) => node.status?.allocatable ?? {})),
      quotas: quotas.items.map((quota) => ({
        namespace: quota.metadata?.namespace ?? '',
        hard: quota.status?.hard ?? quota.spec?.hard ?? {},
        used: quota.status?.used ?? {},
      })),
    };
  }
}
