import { Injectable } from '@nestjs/common';
import { subjectOf } from '@cube/auth';
import { Actor, ClustersSubjects, ClusterView, CubeError } from '@cube/contracts';
import { ServiceRequester } from '@cube/messaging';
import { PlatformAbilities } from '@cube/service-runtime';

/**
 * Who may do what with optional components (issue #16): changing them is for those who may
 * update HotplugComponent (platform admins); everyone else gets 404 for a write, as for anything
 * they may not see, and reads only names and phases of clusters they can see.
 */
@Injectable()
export class HotplugAccess {
  constructor(
    private readonly abilities: PlatformAbilities,
    private readonly bus: ServiceRequester,
  ) {}

  async mayManage(actor: Actor, cluster = '*', component = '*'): Promise<boolean> {
    return (await this.abilities.abilityOf(actor)).can('update', subjectOf('HotplugComponent', { cluster, component }));
  }

  /** 404 unless the actor may change components (the component named or all of them). */
  async requireManage(actor: Actor, what: string, cluster?: string, component?: string): Promise<void> {
    if (!(await this.mayManage(actor, cluster, component)))
      throw new CubeError('NOT_FOUND', `${what} not found`, { ...(component ? { component } : {}), ...(cluster ? { cluster } : {}) });
  }

  /** The cluster as the actor sees it: 404 when it is not registered or not visible to them (the clusters service decides). */
  requireCluster(actor: Actor, cluster: string, requestId: string): Promise<ClusterView> {
    return this.bus.request(ClustersSubjects.get, { actor, requestId, payload: { name: cluster } });
  }
}
