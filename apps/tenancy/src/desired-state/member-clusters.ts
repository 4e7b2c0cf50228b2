import { Injectable } from '@nestjs/common';
import { RoleBinding } from '@cube/contracts';
import { RegisteredClusters } from '../shared/registered-clusters';
import { DesiredStateWriter } from './desired-state-writer';

/**
 * The platform-scope ClusterRoleBindings each registered member cluster holds (issue #7), and the
 * one queue every cluster-wide change runs in (`exclusive`): a cluster registered while a platform
 * binding is deleted must not get the binding back from a projection read before the deletion.
 * Which clusters are registered is `RegisteredClusters`, kept by the resync and `ClusterLifecycle`.
 */
@Injectable()
export class MemberClusters {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly registered: RegisteredClusters,
    private readonly desired: DesiredStateWriter,
  ) {}

  platformBindingAdded(binding: RoleBinding): Promise<void> {
    return this.exclusive(async () => {
      for (const cluster of this.registered.clusters) await this.desired.addClusterRoleBinding(cluster, binding);
    });
  }

  platformBindingRemoved(binding: RoleBinding): Promise<void> {
    return this.exclusive(async () => {
      for (const cluster of this.registered.clusters) await this.desired.removeClusterRoleBinding(cluster, binding);
    });
  }

  /** Runs `work` after every change queued before it, and before those queued after it. */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }
}
