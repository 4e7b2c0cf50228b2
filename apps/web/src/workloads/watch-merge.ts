import type { KubeList, KubeObject, WatchEvent } from './kube-api';

/**
 * Applies one watch event to a listed page: a change replaces its row, a deletion removes it, and an
 * addition is appended only when the page is the list's last (otherwise it belongs to a later page).
 * Stale events (an older resourceVersion than the row) are ignored.
 */
export function mergeWatchEvent(list: KubeList, event: WatchEvent): KubeList {
  if (event.type !== 'ADDED' && event.type !== 'MODIFIED' && event.type !== 'DELETED') return list;
  const name = event.object.metadata.name;
  const index = list.items.findIndex((item) => item.metadata.name === name);
  let items: KubeObject[] = list.items;
  if (event.type === 'DELETED') {
    if (index < 0) return list;
    items = list.items.filter((_, i) => i !== index);
  } else if (index >= 0) {
    const current = list.items[index] as KubeObject;
    if (Number(current.metadata.resourceVersion) > Number(event.object.metadata.resourceVersion)) return list;
    items = list.items.map((item, i) => (i === index ? event.object : item));
  } else if (!list.metadata.continue) {
    items = [...list.items, event.object].sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
  } else {
    return list;
  }
  return {
    ...list,
    items,
    metadata: { ...list.metadata, resourceVersion: event.object.metadata.resourceVersion ?? list.metadata.resourceVersion },
  };
}

/**
 * The rows to draw: the page as it is now, plus rows deleted a moment ago put back where they stood
 * (by name, the order Kubernetes lists in), so they can fade out instead of vanishing (UI.md lists).
 */
export function withDeparted(items: readonly KubeObject[], departed: readonly KubeObject[]): KubeObject[] {
  const present = new Set(items.map((item) => item.metadata.name));
  const back = departed.filter((object) => !present.has(object.metadata.name));
  if (back.length === 0) return [...items];
  return [...items, ...back].sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
}
