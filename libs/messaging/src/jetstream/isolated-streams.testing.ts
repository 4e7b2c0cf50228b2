import { randomBytes } from 'node:crypto';
import { JetStreamManager, NatsError } from 'nats';
import { CubeStreamsOptions } from './cube-streams';

export const NATS_URL = process.env['NATS_URL'] ?? 'nats://127.0.0.1:4222';

/**
 * Stream names and subject prefixes of their own for one test, so tests on the shared NATS server
 * never overlap (JetStream refuses two streams with overlapping subjects) and can run in parallel.
 */
export function isolatedStreams(): Required<
  Pick<CubeStreamsOptions, 'eventsStream' | 'eventsSubjectPrefix' | 'auditStream' | 'auditSubjectPrefix'>
> {
  const tag = `t${randomBytes(5).toString('hex')}`;
  return {
    eventsStream: `${tag.toUpperCase()}_CUBE_EVENTS`,
    eventsSubjectPrefix: `${tag}.cube.events`,
    auditStream: `${tag.toUpperCase()}_CUBE_AUDIT`,
    auditSubjectPrefix: `${tag}.cube.audit`,
  };
}

/**
 * Deletes a test's streams; a stream already gone is fine. An audit stream's native companion
 * (`<name>_NATIVE`, which ensureStreams makes beside it) goes with it.
 */
export async function deleteStreams(jsm: JetStreamManager, ...given: string[]): Promise<void> {
  const names = given.flatMap((name) => (name.endsWith('_CUBE_AUDIT') ? [name, `${name}_NATIVE`] : [name]));
  for (const name of names) {
    await jsm.streams.delete(name).catch((error: unknown) => {
      if (!(error instanceof NatsError && error.api_error?.code === 404)) throw error;
    });
  }
}

export function randomClusterId(): string {
  return `t${randomBytes(5).toString('hex')}`;
}

/**
 * Collects what a subscriber hands over; `next(n)` resolves once n items arrived in all, or fails
 * naming what was missing after a bounded wait, so a lost delivery fails the test instead of hanging.
 */
export class Collected<T> {
  readonly items: T[] = [];
  private waiters: { count: number; resolve: () => void }[] = [];

  push(item: T): void {
    this.items.push(item);
    this.waiters = this.waiters.filter((waiter) => {
      if (this.items.length < waiter.count) return true;
      waiter.resolve();
      return false;
    });
  }

  async next(count: number, timeoutMs = 5000): Promise<T[]> {
    if (this.items.length < count) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((resolve) => this.waiters.push({ count, resolve })),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`expected ${count} deliveries within ${timeoutMs} ms, got ${this.items.length}`)),
            timeoutMs,
          );
        }),
      ]).finally(() => clearTimeout(timer));
    }
    return this.items.slice(0, count);
  }
}
