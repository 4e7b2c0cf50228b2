import { JetStreamClient, JSONCodec, PubAck } from 'nats';
import { CubeError } from '@cube/contracts';

const json = JSONCodec();

/** A subject token may not be empty nor hold NATS separators or wildcards. */
const SUBJECT_TOKEN = /^[^.*>\s]+$/;

export function assertSubjectToken(value: string, what: string): void {
  if (!SUBJECT_TOKEN.test(value)) {
    throw new CubeError('INTERNAL', `${what} "${value}" cannot be a NATS subject token`, { [what]: value });
  }
}

/**
 * Publishes to a stream and waits for its PubAck, so the caller acknowledges nothing to a user before
 * the message is stored. `msgID` lets the server drop a retried publish within the duplicate window.
 */
export async function publishDurably(
  js: JetStreamClient,
  subject: string,
  payload: unknown,
  msgID: string,
  streamName: string,
  timeoutMs: number,
): Promise<PubAck> {
  try {
    return await js.publish(subject, json.encode(payload), { msgID, expect: { streamName }, timeout: timeoutMs });
  } catch (error: unknown) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new CubeError('UNAVAILABLE', `JetStream did not store ${subject} in stream ${streamName}: ${reason}`, {
      subject,
      stream: streamName,
    });
  }
}
