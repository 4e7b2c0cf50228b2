import type { RoleBinding } from '@cube/contracts';
import { defineAbilityFor, type Actor, type PlatformAbility } from './ability.factory';

/**
 * Abilities per actor, so a service does not load bindings and rebuild CASL rules on every
 * request. Entries expire after a TTL as a safety net; the real freshness comes from binding
 * events, on which the owner calls `invalidateFor(binding)` (or `invalidateAll()` after a
 * reconnect, when events may have been missed).
 */
export interface AbilityCacheOptions {
  /** Loads the bindings that apply to the actor (theirs and their groups'). */
  loadBindings: (actor: Actor) => Promise<readonly RoleBinding[]>;
  /** Most actors kept; the least recently used go first. */
  maxEntries?: number;
  ttlMs?: number;
  /** Milliseconds clock, injectable so tests move time without sleeping. */
  now?: () => number;
}

interface CacheEntry {
  actor: Actor;
  ability: Promise<PlatformAbility>;
  expiresAt: number;
}

export class AbilityCache {
  private readonly entries = new Map<string, CacheEntry>();
  private readonly loadBindings: AbilityCacheOptions['loadBindings'];
  private readonly maxEntries: number;
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(options: AbilityCacheOptions) {
    this.loadBindings = options.loadBindings;
    this.maxEntries = options.maxEntries ?? 10_000;
    this.ttlMs = options.ttlMs ?? 5 * 60_000;
    this.now = options.now ?? Date.now;
  }

  /** The actor's ability; concurrent callers for the same actor share one load. */
  abilityFor(actor: Actor): Promise<PlatformAbility> {
    const key = AbilityCache.keyOf(actor);
    const cached = this.entries.get(key);
    if (cached && cached.expiresAt > this.now()) {
      // Re-insert to mark it most recently used (a Map iterates in insertion order).
      this.entries.delete(key);
      this.entries.set(key, cached);
      return cached.ability;
    }
    const entry: CacheEntry = {
      actor: { name: actor.name, groups: [...actor.groups] },
      ability: this.loadBindings(actor).then((bindings) => defineAbilityFor(actor, bindings)),
      expiresAt: this.now() + this.ttlMs,
    };
    // A failed load must not be cached: the next request tries again.
    entry.ability.catch(() => {
      if (this.entries.get(key) === entry) this.entries.delete(key);
    });
    this.entries.delete(key);
    this.entries.set(key, entry);
    this.evictOverflow();
    return entry.ability;
  }

  /** Drops the user's abilities (under every group set seen); with no user, drops everything. */
  invalidate(user?: string): void {
    if (user === undefined) return this.invalidateAll();
    this.dropWhere((actor) => actor.name === user);
  }

  /** Drops the abilities of every cached member of the group. */
  invalidateGroup(group: string): void {
    this.dropWhere((actor) => actor.groups.includes(group));
  }

  /** What to call on a binding created/deleted event: drops whoever the binding applies to. */
  invalidateFor(binding: Pick<RoleBinding, 'subject'>): void {
    if (binding.subject.kind === 'User') this.invalidate(binding.subject.name);
    else this.invalidateGroup(binding.subject.name);
  }

  invalidateAll(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }

  /** Groups are part of the key: the same user with other groups (a new token) has other rights. */
  private static keyOf(actor: Actor): string {
    return JSON.stringify([actor.name, [...new Set(actor.groups)].sort()]);
  }

  private dropWhere(matches: (actor: Actor) => boolean): void {
    for (const [key, entry] of this.entries) {
      if (matches(entry.actor)) this.entries.delete(key);
    }
  }

  private evictOverflow(): void {
    for (const key of this.entries.keys()) {
      if (this.entries.size <= this.maxEntries) return;
      this.entries.delete(key);
    }
  }
}
