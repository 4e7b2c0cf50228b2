import { Injectable } from '@nestjs/common';
import { PlatformAbility } from '@cube/auth';
import { Actor, Page, PageRequest, TenancySubjects } from '@cube/contracts';
import { ServiceRequester } from '@cube/messaging';
import { PlatformAbilities } from '@cube/service-runtime';
import { AuditVisibility } from '../store/audit-store';

/** How long a tenant's namespaces and members are reused between queries (a new namespace shows after at most this). */
const TENANT_SCOPE_TTL_MS = 10_000;
const PAGE = 500;
const SYSTEM_ACTOR: Actor = { kind: 'system', name: 'cube-audit' };

interface TenantScope {
  namespaces: { cluster: string; namespace: string }[];
  members: string[];
}

/**
 * Which records an actor may read (issue 9), from their CASL ability (the shared PlatformAbilities):
 * - an unconditional `read AuditEvent` (platform admins, the platform-scope viewer): everything;
 * - `read AuditEvent` narrowed to `{ tenant }` (tenant admins): the native records of that tenant's
 *   namespaces (cluster + namespace) and the platform actions of that tenant's members, both asked
 *   of tenancy;
 * - and always the records of their own actions.
 * The stores turn this into their query (SQL / Elasticsearch bool), never into a filter after it.
 */
@Injectable()
export class AuditVisibilityPolicy {
  private readonly scopes = new Map<string, { scope: Promise<TenantScope>; expiresAt: number }>();

  constructor(
    private readonly abilities: PlatformAbilities,
    private readonly bus: ServiceRequester,
  ) {}

  async visibilityFor(actor: Actor, requestId: string): Promise<AuditVisibility> {
    const ability = await this.abilities.abilityOf(actor);
    if (readsEverything(ability)) return { all: true };
    const tenants = administeredTenants(ability);
    if (tenants.length === 0) return { all: false, user: actor.name };
    const scopes = await Promise.all(tenants.map((tenant) => this.scopeOf(tenant, requestId)));
    return {
      all: false,
      user: actor.name,
      namespaces: scopes.flatMap((scope) => scope.namespaces),
      members: [...new Set(scopes.flatMap((scope) => scope.members))].sort(),
    };
  }

  private scopeOf(tenant: string, requestId: string): Promise<TenantScope> {
    const cached = this.scopes.get(tenant);
    if (cached && cached.expiresAt > Date.now()) return cached.scope;
    const scope = this.loadScope(tenant, requestId);
    scope.catch(() => this.scopes.delete(tenant));
    if (this.scopes.size > 10_000) this.scopes.clear();
    this.scopes.set(tenant, { scope, expiresAt: Date.now() + TENANT_SCOPE_TTL_MS });
    return scope;
  }

  private async loadScope(tenant: string, requestId: string): Promise<TenantScope> {
    const [namespaces, bindings] = await Promise.all([
      this.all((page) => this.bus.request(TenancySubjects.namespaceList, { actor: SYSTEM_ACTOR, requestId, payload: { tenant, ...page } })),
      this.all((page) => this.bus.request(TenancySubjects.tenantMembers, { actor: SYSTEM_ACTOR, requestId, payload: { tenant, ...page } })),
    ]);
    return {
      namespaces: namespaces.map((namespace) => ({ cluster: namespace.cluster, namespace: namespace.name })),
      // Group bindings name no users: their members' platform actions stay with platform admins.
      members: bindings.filter((binding) => binding.subject.kind === 'User').map((binding) => binding.subject.name),
    };
  }

  /** Every item of a list, asking `fetch` page by page. */
  private async all<T>(fetch: (page: PageRequest) => Promise<Page<T>>): Promise<T[]> {
    const items: T[] = [];
    let cursor: string | null = null;
    do {
      const page: Page<T> = await fetch({ limit: PAGE, ...(cursor ? { cursor } : {}) });
      items.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    return items;
  }
}

function readsEverything(ability: PlatformAbility): boolean {
  return ability.rulesFor('read', 'AuditEvent').some((rule) => !rule.inverted && !rule.conditions);
}

/** Tenants whose audit the actor reads as a whole: rules narrowed to a tenant only (project admins' add a project). */
function administeredTenants(ability: PlatformAbility): string[] {
  const tenants = new Set<string>();
  for (const rule of ability.rulesFor('read', 'AuditEvent')) {
    const conditions = (rule.conditions ?? {}) as Record<string, unknown>;
    if (!rule.inverted && Object.keys(conditions).length === 1 && typeof conditions['tenant'] === 'string')
      tenants.add(conditions['tenant']);
  }
  return [...tenants].sort();
}
