import { Actor, IdentitySubjects, Namespace, Page, TenancySubjects } from '@cube/contracts';
import { ServiceRequester } from '@cube/messaging';

/** Page size the gateway asks for when it needs a whole list from a service. */
export const WHOLE_LIST_PAGE = 500;

/** Every item of a paged list, page after page. */
export async function allPages<T>(fetchPage: (cursor: string | undefined) => Promise<Page<T>>): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  do {
    const page = await fetchPage(cursor);
    items.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return items;
}

/** Whether the actor holds a platform-scope binding (identity answers): such callers see every cluster and namespace. */
export async function bindsAtPlatform(bus: ServiceRequester, actor: Actor, requestId: string): Promise<boolean> {
  const me = await bus.request(IdentitySubjects.me, { actor, requestId, payload: {} });
  return me.bindings.some((binding) => binding.scope.kind === 'platform');
}

/** Every namespace tenancy lets the actor see, optionally in one tenant or cluster. */
export function visibleNamespaces(
  bus: ServiceRequester,
  actor: Actor,
  requestId: string,
  filter: { tenant?: string; cluster?: string },
): Promise<Namespace[]> {
  return allPages<Namespace>((cursor) =>
    bus.request(TenancySubjects.namespaceList, { actor, requestId, payload: { ...filter, limit: WHOLE_LIST_PAGE, cursor } }),
  );
}
