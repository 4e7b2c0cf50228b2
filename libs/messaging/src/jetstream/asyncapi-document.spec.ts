import { buildAsyncApiDocument, EventChannel, JsonSchema } from './asyncapi-document';

const channels: EventChannel[] = [
  {
    type: 'tenancy.namespace.created',
    summary: 'A namespace was created for a project.',
    dataSchema: { type: 'object', required: ['cluster'], properties: { cluster: { type: 'string' } } },
  },
  { type: 'identity.user.created', summary: 'A user was created.' },
];

/** Follows a local `#/a/b` reference, as an AsyncAPI tool would. */
function resolve(document: unknown, ref: string): unknown {
  expect(ref.startsWith('#/')).toBe(true);
  return ref
    .slice(2)
    .split('/')
    .reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], document);
}

function refsIn(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(refsIn);
  if (typeof node !== 'object' || node === null) return [];
  return Object.entries(node).flatMap(([key, value]) => (key === '$ref' ? [value as string] : refsIn(value)));
}

describe('buildAsyncApiDocument', () => {
  // Round-trip through JSON: what the gateway serves is the text, not the object.
  const document = JSON.parse(JSON.stringify(buildAsyncApiDocument(channels, { version: '1.2.0' }))) as ReturnType<
    typeof buildAsyncApiDocument
  >;

  it('has the fields AsyncAPI 2.6 requires', () => {
    expect(document.asyncapi).toBe('2.6.0');
    expect(document.info).toEqual(expect.objectContaining({ title: 'Cube events', version: '1.2.0' }));
    expect(document.servers['nats']).toMatchObject({ protocol: 'nats' });
    expect(Object.keys(document.channels).length).toBeGreaterThan(0);
  });

  it('documents one channel per event type on the events stream, plus the audit channels', () => {
    expect(Object.keys(document.channels).sort()).toEqual([
      'cube.audit.native.{cluster}',
      'cube.audit.{source}',
      'cube.events.identity.user.created',
      'cube.events.tenancy.namespace.created',
    ]);
    expect(document.channels['cube.events.identity.user.created']?.['x-jetstream-stream']).toBe('CUBE_EVENTS');
    expect(document.channels['cube.audit.{source}']?.['x-jetstream-stream']).toBe('CUBE_AUDIT');
    expect(document.channels['cube.audit.native.{cluster}']?.['x-jetstream-stream']).toBe('CUBE_AUDIT_NATIVE');
  });

  it('gives every channel a message with a payload schema', () => {
    for (const [subject, channel] of Object.entries(document.channels)) {
      const message = resolve(document, channel.subscribe.message.$ref) as { payload?: JsonSchema } | undefined;
      expect({ subject, payload: typeof message?.payload }).toEqual({ subject, payload: 'object' });
    }
  });

  it('resolves every reference inside the document', () => {
    const refs = refsIn(document);
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) expect({ ref, found: resolve(document, ref) !== undefined }).toEqual({ ref, found: true });
  });

  it('describes the event envelope subscribers read, fields as in CubeEvent', () => {
    const envelope = document.components.schemas['CubeEvent'];
    expect(envelope?.required).toEqual(['id', 'type', 'at', 'actor', 'entity', 'version', 'data']);
    const message = document.components.messages['TenancyNamespaceCreated'];
    expect(message?.payload.allOf?.[1]?.properties?.['data']).toEqual(channels[0]?.dataSchema);
    expect(message?.payload.allOf?.[1]?.properties?.['type']).toEqual({ const: 'tenancy.namespace.created' });
  });

  it('follows configured stream names and prefixes', () => {
    const custom = buildAsyncApiDocument(channels, {
      streams: { eventsSubjectPrefix: 'acme.events', eventsStream: 'ACME' },
    });
    expect(custom.channels['acme.events.tenancy.namespace.created']?.['x-jetstream-stream']).toBe('ACME');
  });

  it('refuses an event type documented twice or not of three parts', () => {
    expect(() => buildAsyncApiDocument([channels[1] as EventChannel, channels[1] as EventChannel])).toThrow(
      'event type "identity.user.created" is documented twice',
    );
    expect(() => buildAsyncApiDocument([{ type: 'identity.user', summary: 'x' }])).toThrow(
      'event type "identity.user" is not <service>.<entity>.<event>',
    );
  });
});
