import { Injectable } from '@nestjs/common';
import { SyncError } from '@cube/contracts';

/** One failed attempt, as metrics count it: the operation and a bounded reason (Kubernetes' `Status.reason`). */
export interface SyncFailure {
  operation: 'apply' | 'delete';
  reason: string;
}

const STATUS_REASON = /^[A-Z][A-Za-z]{0,63}$/;

/**
 * Kubernetes' reason when it gave one (a closed set: `Forbidden`, `Invalid`, …), else the HTTP status;
 * `NotAnObject` for a desired value that is no Kubernetes object; `NoAnswer` when the API server did not answer.
 */
function failureReason(message: string, answer: { reason?: string; status?: number }): string {
  if (answer.reason && STATUS_REASON.test(answer.reason)) return answer.reason;
  if (answer.status !== undefined) return `HTTP${answer.status}`;
  return message.startsWith('the desired value is not') ? 'NotAnObject' : 'NoAnswer';
}

/** What Warden could not do, per object key, until it succeeds: reported in every heartbeat. */
@Injectable()
export class SyncStatus {
  private readonly errors = new Map<string, SyncError>();
  /** Per key, the JSON of the value last applied: a component report counts a key applied only when it matches what is desired now. */
  private readonly appliedValues = new Map<string, string>();
  appliedRevision = 0;
  private readonly failureListeners: ((failure: SyncFailure) => void)[] = [];

  /** Told of every failed attempt (Warden's metrics count them). */
  onFailure(listener: (failure: SyncFailure) => void): void {
    this.failureListeners.push(listener);
  }

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
    // The reconciler words every failed delete `delete <kind> …`; anything else failed to apply.
    const failure: SyncFailure = { operation: message.startsWith('delete ') ? 'delete' : 'apply', reason: failureReason(message, answer) };
    for (const listener of this.failureListeners) listener(failure);
  }

  succeeded(key: string): void {
    this.errors.delete(key);
  }

  current(): SyncError[] {
    return [...this.errors.values()];
  }
}
