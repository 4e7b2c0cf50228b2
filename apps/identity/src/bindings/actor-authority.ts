import { Injectable } from '@nestjs/common';
import { Actor } from '@cube/contracts';
import { BindingsRepository } from './bindings.repository';

/**
 * What an actor may do with identity's own objects. Interim rule set until the CASL abilities of
 * libs/auth are wired: platform admins manage everything, users manage themselves.
 */
@Injectable()
export class ActorAuthority {
  constructor(private readonly bindings: BindingsRepository) {}

  async isPlatformAdmin(actor: Actor): Promise<boolean> {
    if (actor.kind === 'system') return true;
    const bindings = await this.bindings.forPrincipal(actor.name, actor.groups);
    return bindings.some((b) => b.role === 'platform-admin' && b.scope.kind === 'platform');
  }

  async isSelfOrPlatformAdmin(actor: Actor, userName: string): Promise<boolean> {
    return (actor.kind === 'user' && actor.name === userName) || this.isPlatformAdmin(actor);
  }
}
