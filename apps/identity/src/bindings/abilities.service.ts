import { Injectable } from '@nestjs/common';
import { createMongoAbility } from '@casl/ability';
import { AbilityCache, PlatformAbility } from '@cube/auth';
import { Actor } from '@cube/contracts';
import { BindingsRepository } from './bindings.repository';

/** Cube's own components act with full rights on behalf of the platform (e.g. the gateway's health checks). */
const SYSTEM_ABILITY: PlatformAbility = createMongoAbility<PlatformAbility>([{ action: 'manage', subject: 'all' }]);

/** The CASL ability of an envelope's actor, from their bindings; cached and invalidated on binding changes. */
@Injectable()
export class AbilitiesService {
  private readonly cache: AbilityCache;

  constructor(private readonly bindings: BindingsRepository) {
    this.cache = new AbilityCache({
      loadBindings: (principal) => this.bindings.forPrincipal(principal.name, principal.groups),
      ttlMs: 30_000,
    });
  }

  abilityOf(actor: Actor): Promise<PlatformAbility> {
    if (actor.kind === 'system') return Promise.resolve(SYSTEM_ABILITY);
    return this.cache.abilityFor(actor);
  }

  /** After any binding change: abilities derive from every binding of a user and their groups. */
  bindingsChanged(): void {
    this.cache.invalidateAll();
  }
}
