import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { createMongoAbility } from '@casl/ability';
import type { NatsConnection, Subscription } from 'nats';
import { AbilityCache, PlatformAbility } from '@cube/auth';
import { Actor, eventSubject, IdentitySubjects } from '@cube/contracts';
import { JETSTREAM_CONNECTION, ServiceRequester } from '@cube/messaging';

/** Cube's own components act with full rights on behalf of the platform. */
const SYSTEM_ABILITY: PlatformAbility = createMongoAbility<PlatformAbility>([{ action: 'manage', subject: 'all' }]);

/**
 * The CASL ability of an envelope's actor, for services that do not keep their own copy of the
 * bindings (clusters, audit). Bindings belong to identity (another schema), so they are asked for
 * over NATS (`me` as the actor) and cached in an AbilityCache; binding events drop the cache. The
 * app provides the ServiceRequester by importing `ServiceBusModule.forService(<service>)`.
 */
@Injectable()
export class PlatformAbilities implements OnModuleInit, OnModuleDestroy {
  private readonly cache = new AbilityCache({
    loadBindings: async (principal) => {
      const me = await this.bus.request(IdentitySubjects.me, {
        actor: { kind: 'user', name: principal.name, groups: principal.groups },
        requestId: '',
        payload: {},
      });
      return me.bindings;
    },
    ttlMs: 30_000,
  });
  private subscription: Subscription | undefined;

  constructor(
    private readonly bus: ServiceRequester,
    @Inject(JETSTREAM_CONNECTION) private readonly nats: NatsConnection,
  ) {}

  onModuleInit(): void {
    // Core NATS, at most once: a missed event is covered by the cache's TTL.
    this.subscription = this.nats.subscribe(eventSubject('identity', 'binding', '*'), { callback: () => this.cache.invalidateAll() });
  }

  onModuleDestroy(): void {
    this.subscription?.unsubscribe();
  }

  abilityOf(actor: Actor): Promise<PlatformAbility> {
    if (actor.kind === 'system') return Promise.resolve(SYSTEM_ABILITY);
    return this.cache.abilityFor({ name: actor.name, groups: actor.groups });
  }
}
