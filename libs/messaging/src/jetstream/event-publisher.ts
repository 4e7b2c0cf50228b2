import { randomUUID } from 'node:crypto';
import { JetStreamClient } from 'nats';
import { Actor, CubeError, CubeEvent } from '@cube/contracts';
import { CubeStreamsOptions, resolveCubeStreams } from './cube-streams';
import { assertSubjectToken, publishDurably } from './durable-publish';

/**
 * What a service says happened. The event type is `<service>.<entityKind>.<event>`, given whole
 * (`type: 'identity.user.created'`) or by its parts (`service` defaults to the publisher's own).
 */
export type DomainEventInput<TData> = {
  actor: Actor;
  entity: CubeEvent['entity'];
  /** The entity's version after the change: subscribers drop events older than what they hold. */
  version: number;
  data: TData;
  /** Set only when retrying a publish whose outcome is unknown, so the server drops the duplicate. */
  id?: string;
} & ({ type: string } | { service?: string; entityKind: string; event: string });

export interface EventPublisherOptions {
  /** The service that owns the events published through this publisher. */
  service: string;
  streams?: CubeStreamsOptions;
  ackTimeoutMs?: number;
}

/** Publishes domain events to `CUBE_EVENTS` on `cube.events.<service>.<entity>.<event>`. */
export class EventPublisher {
  private readonly stream: string;
  private readonly subjectPrefix: string;
  private readonly ackTimeoutMs: number;

  constructor(
    private readonly js: JetStreamClient,
    private readonly options: EventPublisherOptions,
  ) {
    const streams = resolveCubeStreams(options.streams);
    this.stream = streams.eventsStream;
    this.subjectPrefix = streams.eventsSubjectPrefix;
    this.ackTimeoutMs = options.ackTimeoutMs ?? 5000;
  }

  /** Resolves once the stream has stored the event; UNAVAILABLE when JetStream does not answer. */
  async publish<TData>(input: DomainEventInput<TData>): Promise<CubeEvent<TData>> {
    const published = this.compose(input);
    await this.publishComposed(published);
    return published;
  }

  /** The event `publish` would send, with its id and time fixed now: what an outbox stores to send later. */
  compose<TData>(input: DomainEventInput<TData>): CubeEvent<TData> {
    const [service, entityKind, event] = this.typeOf(input);
    return {
      id: input.id ?? randomUUID(),
      type: `${service}.${entityKind}.${event}`,
      at: new Date().toISOString(),
      actor: input.actor,
      entity: input.entity,
      version: input.version,
      data: input.data,
    };
  }

  /** Sends an event made by `compose`, with its id as `msgID`: sending it again within the stream's duplicate window stores it once. */
  async publishComposed(event: CubeEvent<unknown>): Promise<void> {
    const parts = event.type.split('.');
    if (parts.length !== 3) throw new CubeError('INTERNAL', `event type "${event.type}" is not <service>.<entity>.<event>`, {});
    parts.forEach((part) => assertSubjectToken(part, 'event type'));
    await publishDurably(this.js, `${this.subjectPrefix}.${event.type}`, event, event.id, this.stream, this.ackTimeoutMs);
  }

  private typeOf(input: DomainEventInput<unknown>): [string, string, string] {
    const parts: string[] =
      'type' in input ? input.type.split('.') : [input.service ?? this.options.service, input.entityKind, input.event];
    if (parts.length !== 3) {
      throw new CubeError('INTERNAL', `event type "${parts.join('.')}" is not <service>.<entity>.<event>`, {});
    }
    const [service, entityKind, event] = parts as [string, string, string];
    assertSubjectToken(service, 'service');
    assertSubjectToken(entityKind, 'entityKind');
    assertSubjectToken(event, 'event');
    return [service, entityKind, event];
  }
}
