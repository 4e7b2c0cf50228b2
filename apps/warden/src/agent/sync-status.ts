import { Injectable } from '@nestjs/common';
import { SyncError } from '@cube/contracts';

/** What Warden could not do, per object key, until it succeeds: reported in every heartbeat. */
@Injectable()
export class SyncStatus {
  private readonly errors = new Map<string, SyncError>();
  appliedRevision = 0;

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
