import { Injectable } from '@nestjs/common';
import { ClustersSubjects, ClusterView, CubeError, Page } from '@cube/contracts';
import { ServiceBus } from '@cube/messaging';

/**
 * Whether a cluster is registered, asked of the clusters service (it owns the registry; tenancy
 * never reads its schema). Asked as the system, so a caller's own visibility of clusters does not
 * decide whether a namespace may live there.
 */
@Injectable()
export class ClusterRegistry {
  constructor(private readonly bus: ServiceBus) {}

  /** 422 naming the `cluster` field when it is not registered; 503 when the clusters service does not answer. */
  async requireRegistered(cluster: string): Promise<void> {
    try {
      await this.get(cluster);
    } catch (error: unknown) {
      if (error instanceof CubeError && error.code === 'NOT_FOUND') {
        throw new CubeError('UNPROCESSABLE', `cluster "${cluster}" is not registered`, {
          fields: [{ field: 'cluster', problems: [`cluster "${cluster}" is not registered`] }],
        });
      }
      throw error;
    }
  }

  /** Whether the cluster is registered now; 503 when the clusters service does not answer. */
  async isRegistered(cluster: string): Promise<boolean> {
    try {
      await this.get(cluster);
      return true;
    } catch (error: unknown) {
      if (error instanceof CubeError && error.code === 'NOT_FOUND') return false;
      throw error;
    }
  }

  /** Names of every registered cluster, page by page; 503 when the clusters service does not answer. */
  async registeredClusters(): Promise<string[]> {
    const names: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Page<ClusterView> = await this.bus.requestAsSystem(ClustersSubjects.list, { limit: 500, ...(cursor ? { cursor } : {}) });
      names.push(...page.items.map((cluster) => cluster.name));
      cursor = page.nextCursor;
    } while (cursor);
    return names;
  }

  private get(cluster: string): Promise<ClusterView> {
    return this.bus.requestAsSystem(ClustersSubjects.get, { name: cluster });
  }
}
