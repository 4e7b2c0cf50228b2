import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { createMongoAbility } from '@casl/ability';
import type { NatsConnection, Subscription } from 'nats';
import { AbilityCache, PlatformAbility } from '@cube/auth';
import { Actor, eventSubject } from '@cube/contracts';
import { JETSTREAM_CONNECTION } from '@cube/messaging';
import { BindingsRepository } from './bindings.repository';

/** Cube's own components act with full rights on behalf of the platform (e.g. the gateway's health checks). */
const SYSTEM_ABILITY: PlatformAbility = createMongoAbility<PlatformAbility>([{ action: 'manage', subject: 'all' }]);

/** The subject of every binding event; each identity replica listens (no queue group) to drop its cache. */
export const BINDING_EVENTS = eventSubject('identity', 'binding', '*');

/**
 * The CASL ability of an envelope's actor, from their bindings; cached, and invalidated by binding
 * events so that every identity replica, not only the one that changed the binding, forgets.
 */
@Injectable()
export class AbilitiesService implements OnModuleInit, OnModuleDestroy {
  private readonly cache: AbilityCache;
  private subscription: Subscription | undefined;

  constructor(
    private readonly bindings: BindingsRepository,
    @Inject(JETSTREAM_CONNECTION) private readonly nats: NatsConnection,
  ) {
    this.cache = new AbilityCache({
      loadBindings: (principal) => this.bindings.forPrincipal(principal.name, principal.groups),
      ttlMs: 30_000,
    });
  }

  onModuleInit(): void {
    this.subscription = this.nats.subscribe(BINDING_EVENTS, { callback: () => this.cache.invalidateAll() });
  }

  onModuleDestroy(): void {
    this.subscription?.unsubscribe();
  }

  abilityOf(actor: Actor): Promise<PlatformAbility> {
    if (actor.kind === 'system') return Promise.resolve(SYSTEM_ABILITY);
    return this.cache.abilityFor(actor);
  }

  /** After a binding change in this replica: forget at once, before the event comes back. */
  bindingsChanged(): void {
    this.cache.invalidateAll();
  }
}
