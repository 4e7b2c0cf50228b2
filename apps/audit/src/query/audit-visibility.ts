import { Injectable } from '@nestjs/common';
import { Actor, IdentitySubjects, MeReply } from '@cube/contracts';
import { ServiceRequester } from '@cube/messaging';
import { AuditVisibility } from '../store/audit-store';

const TTL_MS = 10_000;

/**
 * Which records an actor may read. Platform admins (and Cube's own components) read everything;
 * anyone else reads the records of their own actions. The actor's bindings come from identity and
 * are cached briefly: a revoked platform-admin keeps reading for at most TTL_MS.
 */
@Injectable()
export class AuditVisibilityPolicy {
  private readonly cache = new Map<string, { visibility: Promise<AuditVisibility>; expiresAt: number }>();

  constructor(private readonly bus: ServiceRequester) {}

  visibilityFor(actor: Actor, requestId: string): Promise<AuditVisibility> {
    if (actor.kind === 'system') return Promise.resolve({ all: true });
    const key = `${actor.name}\u0000${[...actor.groups].sort().join(',')}`;
    const cached = this.cache.get(key);
    if (cached && cached.expiresAt > Date.now()) return cached.visibility;
    const visibility = this.load(actor, requestId);
    visibility.catch(() => this.cache.delete(key));
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(key, { visibility, expiresAt: Date.now() + TTL_MS });
    return visibility;
  }

  private async load(actor: Actor, requestId: string): Promise<AuditVisibility> {
    const me = await this.bus.request<MeReply>('identity', IdentitySubjects.me, { actor, requestId, payload: {} });
    if (me.bindings.some((binding) => binding.role === 'platform-admin' && binding.scope.kind === 'platform')) {
      return { all: true };
    }
    // TODO(issue 9, tenant rule): tenant admins must also see their tenant's namespaces and their members'
    // platform actions; that needs tenancy's namespace → tenant map, which is being built in parallel.
    return { all: false, user: actor.name };
  }
}
