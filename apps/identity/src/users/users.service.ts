import { Injectable } from '@nestjs/common';
import { Actor, CreateUserBody, CubeError, Page, SetPasswordBody, UpdateUserBody, User } from '@cube/contracts';
import { authorize, authorizeVisible, subjectOf } from '@cube/auth';
import { EntityManager } from 'typeorm';
import { AbilitiesService } from '../bindings/abilities.service';
import { IdentityOutbox } from '../events/identity-outbox';
import { SessionsService } from '../tokens/sessions.service';
import { assertAcceptablePassword } from './password-policy';
import { PasswordHasher } from './password-hasher';
import { BY_NAME, publicUser, UsersRepository } from './users.repository';

const notFound = (name: string) => new CubeError('NOT_FOUND', `user "${name}" not found`, { name });
const userSubject = (name: string) => subjectOf('User', { user: name });
/** No user has this name (not a DNS label): a rule that matches it matches every user. */
const ANY_OTHER_USER = '#any-other-user';

/** Users: platform admins manage everyone; a user sees and edits their own profile and password. */
@Injectable()
export class UsersService {
  constructor(
    private readonly users: UsersRepository,
    private readonly hasher: PasswordHasher,
    private readonly abilities: AbilitiesService,
    private readonly sessions: SessionsService,
    private readonly outbox: IdentityOutbox,
  ) {}

  private async announce(tx: EntityManager, actor: Actor, event: 'created' | 'updated' | 'deleted', user: User): Promise<void> {
    await this.outbox.add(tx, {
      actor,
      entityKind: 'user',
      event,
      entity: { kind: 'User', name: user.name },
      version: user.version,
      data: user,
    });
  }

  async list(actor: Actor, limit: number, cursor: string | null): Promise<Page<User>> {
    const ability = await this.abilities.abilityOf(actor);
    // Filtered in the query: either every user is visible or only the caller.
    const only = ability.can('read', userSubject(ANY_OTHER_USER)) ? undefined : actor.name;
    const rows = await this.users.list(limit + 1, BY_NAME.decode(cursor)?.[0] ?? null, only);
    return BY_NAME.page(rows, limit, (user) => [user.name], publicUser);
  }

  async get(actor: Actor, name: string): Promise<User> {
    authorizeVisible(await this.abilities.abilityOf(actor), 'read', userSubject(name));
    const user = await this.users.find(name);
    if (!user) throw notFound(name);
    return publicUser(user);
  }

  async create(actor: Actor, body: CreateUserBody): Promise<User> {
    authorize(await this.abilities.abilityOf(actor), 'create', userSubject(body.name));
    if (body.password !== undefined) assertAcceptablePassword(body.name, body.password);
    const passwordHash = body.password !== undefined ? await this.hasher.hash(body.password) : null;
    return this.outbox.transaction(async (tx) => {
      const created = await this.users.insert(
        {
          name: body.name,
          displayName: body.displayName ?? body.name,
          email: body.email ?? null,
          phone: null,
          source: 'local',
          passwordHash,
        },
        tx,
      );
      if (!created) throw new CubeError('CONFLICT', `user "${body.name}" already exists`, { name: body.name });
      await this.announce(tx, actor, 'created', publicUser(created));
      return publicUser(created);
    });
  }

  async update(actor: Actor, name: string, body: UpdateUserBody): Promise<User> {
    const ability = await this.abilities.abilityOf(actor);
    for (const field of Object.keys(body).filter((key) => body[key as keyof UpdateUserBody] !== undefined)) {
      authorizeVisible(ability, 'update', userSubject(name), field);
    }
    if (body.state === 'disabled' && actor.name === name) {
      throw new CubeError('UNPROCESSABLE', 'you cannot disable yourself', {
        fields: [{ field: 'state', problems: ['cannot disable yourself'] }],
      });
    }
    return this.outbox.transaction(async (tx) => {
      const updated = await this.users.update(name, body, tx);
      if (!updated) throw notFound(name);
      if (updated.state === 'disabled') await this.sessions.revokeAllOf(name, tx);
      await this.announce(tx, actor, 'updated', publicUser(updated));
      return publicUser(updated);
    });
  }

  async setPassword(actor: Actor, name: string, body: SetPasswordBody): Promise<void> {
    const ability = await this.abilities.abilityOf(actor);
    authorizeVisible(ability, 'update', userSubject(name), 'password');
    const self = actor.kind === 'user' && actor.name === name;
    // Who may change a user's state administers that user, and may reset their password without the old one.
    const admin = ability.can('update', userSubject(name), 'state');
    const user = await this.users.find(name);
    if (!user) throw notFound(name);
    if (user.source !== 'local') {
      throw new CubeError('UNPROCESSABLE', `user "${name}" signs in through ${user.source}; their password is managed there`);
    }
    if (!admin || (self && body.currentPassword !== undefined)) {
      if (body.currentPassword === undefined || !(await this.hasher.verify(user.passwordHash, body.currentPassword))) {
        throw new CubeError('FORBIDDEN', 'the current password is wrong', { reason: 'current_password_mismatch' });
      }
    }
    assertAcceptablePassword(name, body.newPassword);
    const hash = await this.hasher.hash(body.newPassword);
    // The new password and the end of the old sessions hold together or not at all.
    await this.outbox.transaction(async (tx) => {
      await this.users.setPasswordHash(name, hash, tx);
      await this.sessions.revokeAllOf(name, tx);
    });
  }

  async delete(actor: Actor, name: string): Promise<void> {
    authorizeVisible(await this.abilities.abilityOf(actor), 'delete', userSubject(name));
    if (actor.name === name) throw new CubeError('UNPROCESSABLE', 'you cannot delete yourself');
    await this.outbox.transaction(async (tx) => {
      const deleted = await this.users.delete(name, tx);
      if (!deleted) throw notFound(name);
      await this.announce(tx, actor, 'deleted', { ...publicUser(deleted), version: deleted.version + 1 });
    });
  }
}
