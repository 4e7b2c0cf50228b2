import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Warden's autonomy cache: one JSON file per kind of state in `--state-dir`. Disk rather than a
 * Secret: the verifiers and ledger change often, a Secret write per change would load the member
 * apiserver (and etcd) with Cube's churn, and a Secret is capped at 1 MiB. Writes go to a temporary
 * file renamed over the old one, so a crash mid-write leaves the previous state, never half of one.
 */
export class StateCache {
  private readonly writes = new Map<string, Promise<void>>();

  constructor(readonly dir: string) {}

  async open(): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
  }

  /** The last value written under `name`, or undefined when there is none (or it is unreadable). */
  async read<T>(name: string): Promise<T | undefined> {
    try {
      return JSON.parse(await readFile(this.path(name), 'utf8')) as T;
    } catch {
      return undefined;
    }
  }

  /** Writes are queued per name, so the file always ends with the last value given. */
  write(name: string, value: unknown): Promise<void> {
    const text = JSON.stringify(value);
    const previous = this.writes.get(name) ?? Promise.resolve();
    const next = previous.then(async () => {
      const temporary = `${this.path(name)}.tmp`;
      await writeFile(temporary, text, { mode: 0o600 });
      await rename(temporary, this.path(name));
    });
    this.writes.set(
      name,
      next.catch(() => undefined),
    );
    return next;
  }

  private path(name: string): string {
    return join(this.dir, `${name}.json`);
  }
}
