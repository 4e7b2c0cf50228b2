import { RecentEventIds } from './recent-event-ids';

describe('RecentEventIds', () => {
  it('knows an id only once it was remembered', () => {
    const ids = new RecentEventIds(3);
    expect(ids.seen('a')).toBe(false);
    ids.remember('a');
    expect(ids.seen('a')).toBe(true);
  });

  it('forgets the least recently used id beyond its capacity', () => {
    const ids = new RecentEventIds(2);
    ids.remember('a');
    ids.remember('b');
    expect(ids.seen('a')).toBe(true);
    ids.remember('c');
    expect(ids.seen('b')).toBe(false);
    expect(ids.seen('a')).toBe(true);
    expect(ids.seen('c')).toBe(true);
    expect(ids.size).toBe(2);
  });

  it('refuses a capacity that is not a positive integer', () => {
    expect(() => new RecentEventIds(0)).toThrow('capacity must be a positive integer, not 0');
  });
});
