import { ExpiringCache } from './expiring-cache';

describe('ExpiringCache', () => {
  it('forgets an entry once its time is up', () => {
    let now = 1000;
    const cache = new ExpiringCache<string>(5000, 10, () => now);
    cache.set('k', 'v');
    now += 4999;
    expect(cache.get('k')).toBe('v');
    now += 1;
    expect(cache.get('k')).toBeUndefined();
  });

  it('evicts the oldest entry when full', () => {
    const cache = new ExpiringCache<number>(60_000, 2);
    cache.set('a', 1);
    cache.set('b', 2);
    cache.set('c', 3);
    expect([cache.get('a'), cache.get('b'), cache.get('c')]).toEqual([undefined, 2, 3]);
  });

  it('keeps an entry for a shorter time when asked, never for a longer one', () => {
    let now = 1000;
    const cache = new ExpiringCache<string>(5000, 10, () => now);
    cache.set('short', 'v', 1000);
    cache.set('long', 'v', 60_000);
    now += 1000;
    expect(cache.get('short')).toBeUndefined();
    expect(cache.get('long')).toBe('v');
    now += 4000;
    expect(cache.get('long')).toBeUndefined();
  });
});
