import { LoggerService } from '@nestjs/common';

export interface StartupRetryOptions {
  /** First delay after a failure, doubled per failure up to maxMs. */
  initialMs: number;
  maxMs: number;
  /** Failures within this time of the first attempt are expected (peers still starting): debug only. */
  graceMs: number;
}

export const STARTUP_RETRY: StartupRetryOptions = {
  initialMs: 250,
  maxMs: 5000,
  graceMs: 30_000,
};

/**
 * Retries a start-up task that needs other services (which may start after this one) until it
 * succeeds: quietly with exponential backoff during a grace period, then with a warning per failure,
 * since by then a peer is really missing.
 */
export class StartupRetry {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private startedAt = 0;

  constructor(
    private readonly logger: Pick<LoggerService, 'debug' | 'warn'>,
    private readonly what: string,
    private readonly options: StartupRetryOptions = STARTUP_RETRY,
    private readonly now: () => number = Date.now,
  ) {}

  /** Runs `task` now and again after each failure until it succeeds or stop() is called. */
  run(task: () => Promise<void>): void {
    this.startedAt = this.now();
    void this.attempt(task, 1);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private async attempt(task: () => Promise<void>, attempt: number): Promise<void> {
    if (this.stopped) return;
    try {
      await task();
    } catch (error: unknown) {
      if (this.stopped) return;
      const delayMs = Math.min(this.options.initialMs * 2 ** (attempt - 1), this.options.maxMs);
      const elapsedMs = this.now() - this.startedAt;
      const fields = { err: error, attempt, retryInMs: delayMs };
      if (elapsedMs < this.options.graceMs) this.logger.debug?.(fields, `${this.what} not possible yet; retrying`);
      else this.logger.warn(fields, `still cannot ${this.what} after ${Math.round(elapsedMs / 1000)} s; retrying`);
      this.timer = setTimeout(() => void this.attempt(task, attempt + 1), delayMs);
    }
  }
}
