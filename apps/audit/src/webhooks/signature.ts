import { createHmac, timingSafeEqual } from 'node:crypto';
import { CubeEvent } from '@cube/contracts';

/**
 * The Standard Webhooks signature (https://www.standardwebhooks.com): base64 HMAC-SHA256, keyed with
 * the subscription's secret (its UTF-8 bytes), over `<webhook-id>.<webhook-timestamp>.<body>`,
 * sent as `v1,<signature>`. The timestamp lets receivers refuse replays of old deliveries.
 */
export function webhookSignature(secret: string, id: string, timestamp: number, body: string): string {
  return `v1,${createHmac('sha256', secret).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

/** What a receiver does: true when one of the header's space-separated signatures is the expected one. */
export function verifyWebhookSignature(secret: string, id: string, timestamp: number, body: string, header: string): boolean {
  const expected = Buffer.from(webhookSignature(secret, id, timestamp, body));
  return header.split(' ').some((candidate) => {
    const given = Buffer.from(candidate);
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}

/**
 * A domain event as a CloudEvent 1.0 in structured JSON mode: `type` is the event's subject on
 * CUBE_EVENTS, `source` the service that emitted it, `data` the event exactly as on the bus.
 */
export function cloudEventOf(subject: string, event: CubeEvent): string {
  const service = subject.split('.')[2] ?? 'cube';
  return JSON.stringify({
    specversion: '1.0',
    id: event.id,
    source: `/cube/${service}`,
    type: subject,
    subject: `${event.entity.kind}/${event.entity.name}`,
    time: event.at,
    datacontenttype: 'application/json',
    data: event,
  });
}
