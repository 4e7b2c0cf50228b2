import { CubeStreamsOptions, resolveCubeStreams } from './cube-streams';
import { assertSubjectToken } from './durable-publish';

/** The part of JSON Schema (draft 7, which AsyncAPI 2.6 schemas extend) the event documents use. */
export interface JsonSchema {
  $ref?: string;
  type?: 'object' | 'array' | 'string' | 'number' | 'integer' | 'boolean' | 'null';
  description?: string;
  format?: string;
  const?: string | number | boolean;
  enum?: (string | number | boolean)[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  examples?: unknown[];
}

/** One kind of domain event Cube publishes, as a subscriber outside Cube needs to know it. */
export interface EventChannel {
  /** `<service>.<entity>.<event>`, e.g. `tenancy.namespace.created`. */
  type: string;
  summary: string;
  description?: string;
  /** Schema of the event's `data`; the envelope around it is the same for every event. */
  dataSchema?: JsonSchema;
}

export interface AsyncApiDocumentOptions {
  /** The version of Cube's event interface, not of the AsyncAPI format. */
  version?: string;
  serverUrl?: string;
  streams?: CubeStreamsOptions;
}

interface AsyncApiMessage {
  name: string;
  title: string;
  summary: string;
  contentType: 'application/json';
  headers: JsonSchema;
  payload: JsonSchema;
}

interface AsyncApiChannel {
  description: string;
  parameters?: Record<string, { description: string; schema: JsonSchema }>;
  subscribe: { operationId: string; summary: string; message: { $ref: string } };
  'x-jetstream-stream': string;
}

export interface AsyncApiDocument {
  asyncapi: '2.6.0';
  id: string;
  info: { title: string; version: string; description: string };
  servers: Record<string, { url: string; protocol: 'nats'; description: string }>;
  defaultContentType: 'application/json';
  channels: Record<string, AsyncApiChannel>;
  components: { schemas: Record<string, JsonSchema>; messages: Record<string, AsyncApiMessage> };
}

const ACTOR: JsonSchema = {
  description: 'Who caused the change: a user authenticated by the gateway, or a Cube component.',
  oneOf: [
    {
      type: 'object',
      required: ['kind', 'name', 'groups'],
      properties: {
        kind: { const: 'user' },
        name: { type: 'string' },
        groups: { type: 'array', items: { type: 'string' } },
      },
    },
    { type: 'object', required: ['kind', 'name'], properties: { kind: { const: 'system' }, name: { type: 'string' } } },
  ],
};

const CUBE_EVENT: JsonSchema = {
  type: 'object',
  description:
    'The envelope of every domain event. Delivery is at least once: drop an id already handled, ' +
    'and an entity version older than the one already held.',
  required: ['id', 'type', 'at', 'actor', 'entity', 'version', 'data'],
  properties: {
    id: { type: 'string', format: 'uuid', description: 'Unique per event; also the JetStream Nats-Msg-Id.' },
    type: { type: 'string', description: '<service>.<entity>.<event>, the subject after the stream prefix.' },
    at: { type: 'string', format: 'date-time' },
    actor: { $ref: '#/components/schemas/Actor' },
    entity: {
      type: 'object',
      required: ['kind', 'name'],
      properties: { kind: { type: 'string' }, name: { type: 'string' } },
      additionalProperties: true,
    },
    version: { type: 'integer', description: "The entity's version after the change." },
    data: { description: 'Depends on the event type.' },
  },
};

const AUDIT_RECORD: JsonSchema = {
  type: 'object',
  description: 'One write (or refused write), stored before the write is acknowledged to the user.',
  required: ['id', 'at', 'source', 'service', 'requestId', 'actor', 'action', 'target', 'outcome'],
  properties: {
    id: { type: 'string' },
    at: { type: 'string', format: 'date-time' },
    source: { enum: ['platform', 'kubernetes'] },
    service: { type: 'string' },
    requestId: { type: 'string' },
    actor: { $ref: '#/components/schemas/Actor' },
    action: { type: 'string' },
    target: {
      type: 'object',
      required: ['kind', 'name'],
      properties: { kind: { type: 'string' }, name: { type: 'string' } },
      additionalProperties: true,
    },
    outcome: { enum: ['success', 'failure'] },
    reason: { type: 'string' },
  },
};

const K8S_AUDIT_EVENT: JsonSchema = {
  type: 'object',
  description:
    "An audit.k8s.io/v1 Event as the member's kube-apiserver posted it to Warden's audit webhook, unchanged " +
    '(the fields Cube reads are listed; the others are kept).',
  required: ['auditID', 'stage', 'verb'],
  properties: {
    auditID: { type: 'string' },
    stage: { enum: ['RequestReceived', 'ResponseStarted', 'ResponseComplete', 'Panic'] },
    verb: { type: 'string' },
    requestURI: { type: 'string' },
    user: { type: 'object', additionalProperties: true },
    impersonatedUser: { type: 'object', additionalProperties: true },
    objectRef: { type: 'object', additionalProperties: true },
    responseStatus: { type: 'object', additionalProperties: true },
    requestReceivedTimestamp: { type: 'string', format: 'date-time' },
    stageTimestamp: { type: 'string', format: 'date-time' },
  },
  additionalProperties: true,
};

const MSG_ID_HEADER: JsonSchema = {
  type: 'object',
  properties: { 'Nats-Msg-Id': { type: 'string', description: 'The id of the payload; JetStream drops repeats.' } },
};

/** `tenancy.namespace.created` → `TenancyNamespaceCreated`, a name usable as a component key. */
const pascal = (type: string) =>
  type
    .split(/[.\-_]/)
    .filter(Boolean)
    .map((part) => part[0]?.toUpperCase() + part.slice(1))
    .join('');

/**
 * The AsyncAPI 2.6 document of Cube's public events (API.md, "Events on NATS"): one channel per event
 * type on the events stream, plus the audit records channel and the native audit Warden forwards. The gateway serves it as JSON.
 */
export function buildAsyncApiDocument(channels: EventChannel[], options: AsyncApiDocumentOptions = {}): AsyncApiDocument {
  const streams = resolveCubeStreams(options.streams);
  const document: AsyncApiDocument = {
    asyncapi: '2.6.0',
    id: 'urn:cube:events',
    info: {
      title: 'Cube events',
      version: options.version ?? '1.0.0',
      description:
        `Domain events on the JetStream stream ${streams.eventsStream} (subjects ${streams.eventsSubjectPrefix}.>) and ` +
        `audit records on ${streams.auditStream} (${streams.auditSubjectPrefix}.<source>, source cube or kubernetes). Read them with a durable consumer.`,
    },
    servers: {
      nats: { url: options.serverUrl ?? 'nats://localhost:4222', protocol: 'nats', description: 'NATS with JetStream' },
    },
    defaultContentType: 'application/json',
    channels: {},
    components: {
      schemas: { Actor: ACTOR, CubeEvent: CUBE_EVENT, AuditRecord: AUDIT_RECORD, K8sAuditEvent: K8S_AUDIT_EVENT },
      messages: {},
    },
  };

  for (const channel of channels) {
    const tokens = channel.type.split('.');
    if (tokens.length !== 3) throw new RangeError(`event type "${channel.type}" is not <service>.<entity>.<event>`);
    tokens.forEach((token) => assertSubjectToken(token, 'event type part'));
    const subject = `${streams.eventsSubjectPrefix}.${channel.type}`;
    if (document.channels[subject]) throw new RangeError(`event type "${channel.type}" is documented twice`);
    const name = pascal(channel.type);
    document.components.messages[name] = {
      name,
      title: channel.type,
      summary: channel.summary,
      contentType: 'application/json',
      headers: MSG_ID_HEADER,
      payload: {
        allOf: [
          { $ref: '#/components/schemas/CubeEvent' },
          {
            type: 'object',
            properties: { type: { const: channel.type }, data: channel.dataSchema ?? { type: 'object' } },
          },
        ],
      },
    };
    document.channels[subject] = {
      description: channel.description ?? channel.summary,
      subscribe: {
        operationId: `on${name}`,
        summary: channel.summary,
        message: { $ref: `#/components/messages/${name}` },
      },
      'x-jetstream-stream': streams.eventsStream,
    };
  }

  document.components.messages['AuditRecord'] = {
    name: 'AuditRecord',
    title: 'Audit record',
    summary: 'A write handled by a Cube service, or refused by it.',
    contentType: 'application/json',
    headers: MSG_ID_HEADER,
    payload: { $ref: '#/components/schemas/AuditRecord' },
  };
  document.channels[`${streams.auditSubjectPrefix}.{source}`] = {
    description:
      `Audit records of one source; subscribe to all with ${streams.auditSubjectPrefix}.* (one token: the audit ` +
      "service's own request subjects have more and are not audit records). The service that handled a write is the record's `service`.",
    parameters: {
      source: {
        description:
          '`cube` for writes handled by Cube (records with source `platform`), `kubernetes` for native audit from member clusters.',
        schema: { type: 'string', enum: ['cube', 'kubernetes'] },
      },
    },
    subscribe: {
      operationId: 'onAuditRecord',
      summary: 'An audit record, stored before the write was acknowledged.',
      message: { $ref: '#/components/messages/AuditRecord' },
    },
    'x-jetstream-stream': streams.auditStream,
  };

  document.components.messages['NativeAuditEvent'] = {
    name: 'NativeAuditEvent',
    title: 'Native audit event from a member cluster',
    summary: "One event of a member kube-apiserver's audit webhook batch, forwarded by Warden from its disk spool.",
    contentType: 'application/json',
    headers: {
      type: 'object',
      properties: {
        'Nats-Msg-Id': {
          type: 'string',
          description:
            'The auditID for the ResponseComplete stage, <auditID>/<stage> for the others (the stored record id); JetStream drops repeats.',
        },
      },
    },
    payload: { $ref: '#/components/schemas/K8sAuditEvent' },
  };
  document.channels[`${streams.nativeAuditSubjectPrefix}.{cluster}`] = {
    description:
      "Native audit of one member cluster (issue #22): Warden is the kube-apiserver's audit webhook, writes each batch to a " +
      'bounded disk spool (fsync) before answering, and forwards it here oldest first, keeping it through a control-plane outage. ' +
      `The audit service reads it (durable consumer cube-audit-native) and puts each event, normalised, on ${streams.auditStream} ` +
      `as a ${streams.auditSubjectPrefix}.kubernetes record. Events are retained ${Math.round(streams.nativeAuditMaxAgeMs / 86_400_000)} days.`,
    parameters: {
      cluster: { description: 'The registered member cluster whose Warden forwarded the event.', schema: { type: 'string' } },
    },
    subscribe: {
      operationId: 'onNativeAuditEvent',
      summary: "A member kube-apiserver's audit event, spooled and forwarded by its Warden.",
      message: { $ref: '#/components/messages/NativeAuditEvent' },
    },
    'x-jetstream-stream': streams.nativeAuditStream,
  };
  return document;
}
