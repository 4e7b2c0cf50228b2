import { createHmac } from 'node:crypto';
import { cloudEventOf, verifyWebhookSignature, webhookSignature } from './signature';

describe('webhook signatures', () => {
  const event = {
    id: 'e-1',
    type: 'namespace.created',
    at: '2026-12-03T10:00:00.000Z',
    actor: { kind: 'user' as const, name: 'alice', groups: [] },
    entity: { kind: 'Namespace', name: 'web' },
    version: 1,
    data: { cluster: 'c1' },
  };

  it('is the Standard Webhooks v1 HMAC over id, timestamp and body', () => {
    const body = cloudEventOf('cube.events.tenancy.namespace.created', event);
    const expected = createHmac('sha256', 'k'.repeat(24)).update(`e-1.1700000000.${body}`).digest('base64');
    expect(webhookSignature('k'.repeat(24), 'e-1', 1700000000, body)).toBe(`v1,${expected}`);
  });

  it('verifies only the right key, id, timestamp and body', () => {
    const body = cloudEventOf('cube.events.tenancy.namespace.created', event);
    const header = `v1,bogus ${webhookSignature('right-key-0123456789abcd', 'e-1', 1700000000, body)}`;
    expect(verifyWebhookSignature('right-key-0123456789abcd', 'e-1', 1700000000, body, header)).toBe(true);
    expect(verifyWebhookSignature('wrong-key-0123456789abcd', 'e-1', 1700000000, body, header)).toBe(false);
    expect(verifyWebhookSignature('right-key-0123456789abcd', 'e-2', 1700000000, body, header)).toBe(false);
    expect(verifyWebhookSignature('right-key-0123456789abcd', 'e-1', 1700000001, body, header)).toBe(false);
    expect(verifyWebhookSignature('right-key-0123456789abcd', 'e-1', 1700000000, `${body} `, header)).toBe(false);
  });

  it('wraps the event as a structured CloudEvent', () => {
    expect(JSON.parse(cloudEventOf('cube.events.tenancy.namespace.created', event))).toEqual({
      specversion: '1.0',
      id: 'e-1',
      source: '/cube/tenancy',
      type: 'cube.events.tenancy.namespace.created',
      subject: 'Namespace/web',
      time: '2026-12-03T10:00:00.000Z',
      datacontenttype: 'application/json',
      data: event,
    });
  });
});
