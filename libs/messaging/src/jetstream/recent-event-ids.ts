/**
 * The ids of the last N events a subscriber handled, most recent kept. JetStream delivers at least
 * once, so a handler may see an event again (a lost ack, a publish retried beyond the duplicate
 * window). This catches the common case cheaply; it lives in memory only, so a handler that must
 * be exactly-once across restarts still compares the event's `version` with what it stored.
 */
export class RecentEventIds {
  // A Map iterates in insertion order: re-inserting on access makes the first key the least recent.
  private readonly ids = new Map<string, true>();

  constructor(private readonly capacity = 10_000) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, not ${capacity}`);
  }

  /** Whether `id` was remembered and not yet evicted; a hit counts as a use. */
  seen(id: string): boolean {
    if (!this.ids.has(id)) return false;
    this.ids.delete(id);
    this.ids.set(id, true);
    return true;
  }

  /** Call after the event was handled, never before: a failed event must not look handled. */
  remember(id: string): void {
    this.ids.delete(id);
    this.ids.set(id, true);
    if (this.ids.size > this.capacity) {
      const leastRecent = this.ids.keys().next();
      if (!leastRecent.done) this.ids.delete(leastRecent.value);
    }
  }

  get size(): number {
    return this.ids.size;
  }
}
