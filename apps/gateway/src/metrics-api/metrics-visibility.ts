import { Injectable } from '@nestjs/common';
import { Actor, CubeError, Namespace, TenancySubjects } from '@cube/contracts';
import { ServiceRequester } from '@cube/messaging';
import { SEE_ALL, Visibility, visiblePairs } from '@cube/promql';
import { allPages, bindsAtPlatform, visibleNamespaces, WHOLE_LIST_PAGE } from '../tenancy/visible-namespaces';

export interface ScopeNarrowing {
  tenant?: string;
  project?: string;
}

/**
 * Which (cluster, namespace) pairs a caller's metrics queries may read, asked of the services that own
 * the answer on every call (no cache: a binding removed a second ago no longer reads anything). A
 * platform-scope binding sees the whole store, system namespaces included, as it sees every cluster
 * through the proxy; anyone else sees the namespaces tenancy lists for them. `tenant`/`project`
 * narrow that further and are 404 when the caller cannot see them.
 */
@Injectable()
export class MetricsVisibility {
  constructor(private readonly bus: ServiceRequester) {}

  async of(actor: Actor, requestId: string, narrowing: ScopeNarrowing): Promise<Visibility> {
    if (narrowing.project !== undefined) {
      if (narrowing.tenant === undefined) {
        throw new CubeError('BAD_REQUEST', 'invalid request: project needs tenant', {
          fields: [{ field: 'tenant', in: 'query', problems: ['tenant is required with project'] }],
        });
      }
      const { tenant, project } = narrowing;
      return this.pairsOf(
        await allPages<Namespace>((cursor) =>
          this.bus.request(TenancySubjects.namespaceListInProject, {
            actor,
            requestId,
            payload: { tenant, project, limit: WHOLE_LIST_PAGE, cursor },
          }),
        ),
      );
    }
    if (narrowing.tenant !== undefined) {
      // tenantGet answers 404 for a tenant the caller cannot see, which the list alone would not.
      await this.bus.request(TenancySubjects.tenantGet, { actor, requestId, payload: { tenant: narrowing.tenant } });
      return this.pairsOf(await visibleNamespaces(this.bus, actor, requestId, { tenant: narrowing.tenant }));
    }
    if (await bindsAtPlatform(this.bus, actor, requestId)) return SEE_ALL;
    return this.pairsOf(await visibleNamespaces(this.bus, actor, requestId, {}));
  }

  private pairsOf(namespaces: readonly Namespace[]): Visibility {
    return visiblePairs(namespaces.map(({ cluster, name }) => ({ cluster, namespace: name })));
  }
}
