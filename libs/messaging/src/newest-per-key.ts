/**
 * Runs `work` for at most one value per key at a time; a value that arrives while its key's work runs
 * waits, and a newer one replaces it. For messages where the newest supersedes the older ones (a
 * cluster's heartbeat): a busy database never builds a queue of stale ones, and the newest is
 * handled as soon as the previous one is done. A value whose work fails does not stop the newer one
 * waiting behind it; the failure is thrown from `submit` once the key has nothing left to run.
 */
export class NewestPerKey<T> {
  private readonly running = new Set<string>();
  private readonly waiting = new Map<string, T>();

  constructor(private readonly work: (value: T) => Promise<void>) {}

  /** Settles once `value` (or the newer value that replaced it) has been handled or dropped. */
  async submit(key: string, value: T): Promise<void> {
    if (this.running.has(key)) {
      this.waiting.set(key, value);
      return;
    }
    this.running.add(key);
    let failure: { error: unknown } | undefined;
    for (let next: T | undefined = value; next !== undefined; next = this.take(key)) {
      try {
        await this.work(next);
      } catch (error: unknown) {
        failure ??= { error };
      }
    }
    this.running.delete(key);
    if (failure) throw failure.error;
  }

  private take(key: string): T | undefined {
    const next = this.waiting.get(key);
    this.waiting.delete(key);
    return next;
  }
}
