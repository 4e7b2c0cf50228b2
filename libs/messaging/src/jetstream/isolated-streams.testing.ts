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
    auditSubjectPrefix: `${tag}.cube.audit.records`,
  };
}

/** Deletes a test's streams; a stream already gone is fine. */
export async function deleteStreams(jsm: JetStreamManager, ...names: string[]): Promise<void> {
  for (const name of names) {
    await jsm.streams.delete(name).catch((error: unknown) => {
      if (!(error instanceof NatsError && error.api_error?.code === 404)) throw error;
    });
  }
}

export function randomClusterId(): string {
  return `t${randomBytes(5).toString('hex')}`;
}
