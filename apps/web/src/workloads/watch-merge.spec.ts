import { describe, expect, it } from 'vitest';
import type { KubeList, KubeObject } from './kube-api';
import { mergeWatchEvent, withDeparted } from './watch-merge';

const cm = (name: string, rv: number, data = {}): KubeObject => ({
  kind: 'ConfigMap',
  metadata: { name, resourceVersion: String(rv) },
  data,
});
const list = (items: KubeObject[], more = false): KubeList => ({
  items,
  metadata: { resourceVersion: '10', ...(more ? { continue: 'next' } : {}) },
});

describe('mergeWatchEvent', () => {
  it('adds, replaces and removes rows of the last page', () => {
    let page = list([cm('a', 1), cm('c', 2)]);
    page = mergeWatchEvent(page, { type: 'ADDED', object: cm('b', 11) });
    page = mergeWatchEvent(page, { type: 'MODIFIED', object: cm('a', 12, { k: 'v' }) });
    page = mergeWatchEvent(page, { type: 'DELETED', object: cm('c', 13) });
    expect(page.items.map((o) => [o.metadata.name, o.metadata.resourceVersion])).toEqual([
      ['a', '12'],
      ['b', '11'],
    ]);
  });

  it('leaves additions to later pages and ignores stale events', () => {
    const page = list([cm('a', 5)], true);
    expect(mergeWatchEvent(page, { type: 'ADDED', object: cm('z', 11) }).items).toHaveLength(1);
    expect(mergeWatchEvent(page, { type: 'MODIFIED', object: cm('a', 4) })).toBe(page);
  });
});

describe('withDeparted', () => {
  it('puts rows deleted a moment ago back in name order, once, for them to fade out', () => {
    const rows = withDeparted([cm('a', 1), cm('c', 2)], [cm('b', 3), cm('c', 1)]);
    expect(rows.map((row) => row.metadata.name)).toEqual(['a', 'b', 'c']);
    expect(rows[2]?.metadata.resourceVersion).toBe('2');
    expect(withDeparted([cm('a', 1)], []).map((row) => row.metadata.name)).toEqual(['a']);
  });
});
