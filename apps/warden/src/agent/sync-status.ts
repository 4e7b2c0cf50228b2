import { Injectable } from '@nestjs/common';
import { SyncError } from '@cube/contracts';

/** What Warden could not do, per object key, until it succeeds: reported in every heartbeat. */
@Injectable()
export class SyncStatus {
  private readonly errors = new Map<string, SyncError>();
  /** Per key, the JSON of the value last applied: a component report counts a key applied only when it matches what is desired now. */
  private readonly appliedValues = new Map<string, string>();
  appliedRevision = 0;

  applied(key: string, value: unknown): void {
    this.appliedValues.set(key, JSON.stringify(value));
  }

  removed(key: string): void {
    this.appliedValues.delete(key);
  }

  /** Whether `value` is what was last applied under `key`. */
  isApplied(key: string, value: unknown): boolean {
    return this.appliedValues.get(key) === JSON.stringify(value);
  }

  error(key: string): SyncError | undefined {
    return this.errors.get(key);
  }

  failed(key: string, message: string, answer: { reason?: string; status?: number } = {}): void {
    const previous = this.errors.get(key);
    this.errors.set(key, {
      key,
      message,
      ...(answer.reason ? { reason: answer.reason } : {}),
      ...(answer.status !== undefined ? { status: answer.status } : {}),
      attempts: (previous?.attempts ?? 0) + 1,
    });
  }

  succeeded(key: string): void {
    this.errors.delete(key);
  }

  current(): SyncError[] {
    return [...this.errors.values()];
  }
}
