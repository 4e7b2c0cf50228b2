import { applyMergePatch } from './merge-patch';
import { PatchError } from './patch-error';

describe('applyMergePatch', () => {
  const live = {
    metadata: { name: 'c1', labels: { a: '1', b: '2' } },
    data: { k: 'v' },
    list: [1, 2],
  };

  it('merges objects, deletes keys set to null and replaces arrays', () => {
    const patched = applyMergePatch(live, {
      metadata: { labels: { a: null, c: '3' } },
      data: { k2: 'v2' },
      list: [3],
    });
    expect(patched).toEqual({
      metadata: { name: 'c1', labels: { b: '2', c: '3' } },
      data: { k: 'v', k2: 'v2' },
      list: [3],
    });
    expect(live.metadata.labels).toEqual({ a: '1', b: '2' });
  });

  it('drops nulls inside a value it adds', () => {
    expect(applyMergePatch({}, { spec: { a: null, b: 1 } })).toEqual({
      spec: { b: 1 },
    });
  });

  it('refuses a null patch with 400 Invalid JSON Patch as evanphx/json-patch does', () => {
    expect(() => applyMergePatch(live, null)).toThrow(PatchError);
    expect(() => applyMergePatch(live, null)).toThrow('Invalid JSON Patch');
  });
});
