import type { RoleBinding } from '@cube/contracts';
import type { Actor } from './ability.factory';
import { subjectOf } from './ability.factory';
import { AbilityCache } from './ability-cache';
import { makeBinding, tenant } from './make-binding.testing';

/** A binding store the cache loads from, counting loads so tests see hits and misses. */
function bindingStore(initial: RoleBinding[] = []) {
  const store = { bindings: [...initial], loads: [] as string[] };
  const loadBindings = async (actor: Actor) => {
    store.loads.push(actor.name);
    return store.bindings;
  };
  return { store, loadBindings };
}

const alice: Actor = { name: 'alice', groups: ['dev'] };
const acmeProject = subjectOf('Project', { tenant: 'acme', project: 'web' });

describe('AbilityCache', () => {
  it('loads an actor’s bindings once and serves the ability from the cache after', async () => {
    const { store, loadBindings } = bindingStore([makeBinding('viewer', tenant('acme'))]);
    const cache = new AbilityCache({ loadBindings });
    const first = await cache.abilityFor(alice);
    const second = await cache.abilityFor(alice);
    expect(second).toBe(first);
    expect(first.can('read', acmeProject)).toBe(true);
    expect(store.loads).toEqual(['alice']);
  });

  it('shares one load between concurrent requests for the same actor', async () => {
    const { store, loadBindings } = bindingStore();
    const cache = new AbilityCache({ loadBindings });
    await Promise.all([cache.abilityFor(alice), cache.abilityFor(alice)]);
    expect(store.loads).toEqual(['alice']);
  });

  it('keys on the groups too, in any order', async () => {
    const { store, loadBindings } = bindingStore();
    const cache = new AbilityCache({ loadBindings });
    await cache.abilityFor({ name: 'alice', groups: ['a', 'b'] });
    await cache.abilityFor({ name: 'alice', groups: ['b', 'a'] });
    await cache.abilityFor({ name: 'alice', groups: ['a'] });
    expect(store.loads).toEqual(['alice', 'alice']);
  });

  it('sees a new binding after invalidate(user)', async () => {
    const { store, loadBindings } = bindingStore();
    const cache = new AbilityCache({ loadBindings });
    expect((await cache.abilityFor(alice)).can('read', acmeProject)).toBe(false);
    store.bindings.push(makeBinding('viewer', tenant('acme')));
    expect((await cache.abilityFor(alice)).can('read', acmeProject)).toBe(false);
    cache.invalidate('alice');
    expect((await cache.abilityFor(alice)).can('read', acmeProject)).toBe(true);
  });

  it('leaves other users cached when one user is invalidated', async () => {
    const { store, loadBindings } = bindingStore();
    const cache = new AbilityCache({ loadBindings });
    await cache.abilityFor(alice);
    await cache.abilityFor({ name: 'bob', groups: [] });
    cache.invalidate('alice');
    await cache.abilityFor({ name: 'bob', groups: [] });
    expect(store.loads).toEqual(['alice', 'bob']);
  });

  it('drops every cached member of a group when a group binding changes', async () => {
    const { store, loadBindings } = bindingStore();
    const cache = new AbilityCache({ loadBindings });
    await cache.abilityFor(alice);
    await cache.abilityFor({ name: 'bob', groups: ['ops'] });
    const binding = makeBinding('member', tenant('acme'), {
      kind: 'Group',
      name: 'dev',
    });
    store.bindings.push(binding);
    cache.invalidateFor(binding);
    expect(cache.size).toBe(1);
    expect((await cache.abilityFor(alice)).can('read', acmeProject)).toBe(true);
  });

  it('drops the user named by a user binding event', async () => {
    const { loadBindings } = bindingStore();
    const cache = new AbilityCache({ loadBindings });
    await cache.abilityFor(alice);
    cache.invalidateFor(makeBinding('viewer', tenant('acme'), 'alice'));
    expect(cache.size).toBe(0);
  });

  it('drops everything with invalidateAll() and with invalidate() without a user', async () => {
    const { loadBindings } = bindingStore();
    const cache = new AbilityCache({ loadBindings });
    await cache.abilityFor(alice);
    await cache.abilityFor({ name: 'bob', groups: [] });
    cache.invalidateAll();
    expect(cache.size).toBe(0);
    await cache.abilityFor(alice);
    cache.invalidate();
    expect(cache.size).toBe(0);
  });

  it('reloads after the TTL', async () => {
    let now = 1_000;
    const { store, loadBindings } = bindingStore();
    const cache = new AbilityCache({
      loadBindings,
      ttlMs: 60_000,
      now: () => now,
    });
    await cache.abilityFor(alice);
    now += 59_999;
    await cache.abilityFor(alice);
    now += 1;
    await cache.abilityFor(alice);
    expect(store.loads).toEqual(['alice', 'alice']);
  });

  it('evicts the least recently used actor beyond maxEntries', async () => {
    const { store, loadBindings } = bindingStore();
    const cache = new AbilityCache({ loadBindings, maxEntries: 2 });
    const actor = (name: string): Actor => ({ name, groups: [] });
    await cache.abilityFor(actor('a'));
    await cache.abilityFor(actor('b'));
    await cache.abilityFor(actor('a'));
    await cache.abilityFor(actor('c'));
    expect(cache.size).toBe(2);
    await cache.abilityFor(actor('a'));
    await cache.abilityFor(actor('b'));
    expect(store.loads).toEqual(['a', 'b', 'c', 'b']);
  });

  it('does not cache a failed load', async () => {
    let fail = true;
    const cache = new AbilityCache({
      loadBindings: async () => {
        if (fail) throw new Error('identity unavailable');
        return [makeBinding('viewer', tenant('acme'))];
      },
    });
    await expect(cache.abilityFor(alice)).rejects.toThrow('identity unavailable');
    fail = false;
    expect((await cache.abilityFor(alice)).can('read', acmeProject)).toBe(true);
  });
});
