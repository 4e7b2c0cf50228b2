import { Injectable } from '@nestjs/common';
import { createMongoAbility } from '@casl/ability';
import { defineAbilityFor, PlatformAbility } from '@cube/auth';
import { Actor } from '@cube/contracts';
import { RoleBindingsProjection } from './role-bindings.projection';

/** Cube's own components act with full rights (as in identity). */
const SYSTEM_ABILITY: PlatformAbility = createMongoAbility<PlatformAbility>([{ action: 'manage', subject: 'all' }]);

/**
 * The caller's CASL ability from the local binding projection; lists turn its read rules into their
 * WHERE with `readableWhere` from @cube/auth (LIMIT stays exact, nothing leaks).
 */
@Injectable()
export class TenancyAccess {
  constructor(private readonly bindings: RoleBindingsProjection) {}

  async abilityOf(actor: Actor): Promise<PlatformAbility> {
    if (actor.kind === 'system') return SYSTEM_ABILITY;
    return defineAbilityFor(actor, await this.bindings.forPrincipal(actor.name, actor.groups));
  }
}
