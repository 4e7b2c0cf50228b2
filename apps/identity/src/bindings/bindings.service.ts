import { Injectable } from '@nestjs/common';
import {
  assertMayGrant,
  assertMayRevoke,
  authorizeVisible,
  BUILT_IN_ROLES,
  packRulesFor,
  readableWhere,
  roleBindingSubject,
} from '@cube/auth';
import { Actor, BindingScope, CreateRoleBindingBody, CubeError, MeReply, Page, RoleBinding } from '@cube/contracts';
import { EntityManager } from 'typeorm';
import { IdentityOutbox } from '../events/identity-outbox';
import { DEFAULT_PAGE_SIZE } from '@cube/persistence';
import { publicUser, UsersRepository } from '../users/users.repository';
import { AbilitiesService } from './abilities.service';
import { BindingsRepository, BY_CREATION } from './bindings.repository';

function parseScope(text: string): BindingScope {
  if (text === 'platform') return { kind: 'platform' };
  const [kind, rest = ''] = text.split(':', 2);
  if (kind === 'tenant') return { kind: 'tenant', tenant: rest };
  const [tenant = '', project = ''] = rest.split('/', 2);
  return { kind: 'project', tenant, project };
}

function toScope(body: CreateRoleBindingBody['scope']): BindingScope {
  if (body.kind === 'platform') return { kind: 'platform' };
  if (body.kind === 'tenant') return { kind: 'tenant', tenant: body.tenant ?? '' };
  return { kind: 'project', tenant: body.tenant ?? '', project: body.project ?? '' };
}

/** Role bindings: who may grant what is libs/auth's grant policy (no escalation). */
@Injectable()
export class BindingsService {
  constructor(
    private readonly bindings: BindingsRepository,
    private readonly abilities: AbilitiesService,
    private readonly users: UsersRepository,
    private readonly outbox: IdentityOutbox,
  ) {}

  private async announce(tx: EntityManager, actor: Actor, event: 'created' | 'deleted', binding: RoleBinding): Promise<void> {
    await this.outbox.add(tx, {
      actor,
      entityKind: 'binding',
      event,
      entity: { kind: 'RoleBinding', name: binding.id },
      version: binding.version,
      data: binding,
    });
  }

  roles() {
    return { items: Object.values(BUILT_IN_ROLES), nextCursor: null };
  }

  async list(actor: Actor, query: { scope?: string; user?: string; limit?: number; cursor?: string }): Promise<Page<RoleBinding>> {
    const ability = await this.abilities.abilityOf(actor);
    // Visibility is part of the query, so every page is full and the cursor never skips a row.
    const visible = readableWhere(ability, 'RoleBinding', BindingsRepository.VISIBILITY_COLUMNS);
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const rows = await this.bindings.list({ scope: query.scope ? parseScope(query.scope) : undefined, user: query.user }, visible, {
      limit: limit + 1,
      after: BY_CREATION.decode(query.cursor),
    });
    return BY_CREATION.page(
      rows,
      limit,
      (row) => row.key,
      (row) => row.binding,
    );
  }

  async create(actor: Actor, body: CreateRoleBindingBody): Promise<RoleBinding> {
    const scope = toScope(body.scope);
    if (actor.kind === 'user') {
      const granterBindings = await this.bindings.forPrincipal(actor.name, actor.groups);
      assertMayGrant(
        { name: actor.name, groups: actor.groups, bindings: granterBindings },
        { subject: body.subject, role: body.role, scope },
      );
    }
    if (body.subject.kind === 'User' && !(await this.users.find(body.subject.name))) {
      throw new CubeError('UNPROCESSABLE', `user "${body.subject.name}" does not exist`, {
        fields: [{ field: 'subject.name', problems: ['no such user'] }],
      });
    }
    const created = await this.outbox.transaction(async (tx) => {
      const inserted = await this.bindings.insert({ subject: body.subject, role: body.role, scope, createdBy: actor.name }, tx);
      if (!inserted) throw new CubeError('CONFLICT', 'this binding already exists', {});
      await this.announce(tx, actor, 'created', inserted);
      return inserted;
    });
    this.abilities.bindingsChanged();
    return created;
  }

  async delete(actor: Actor, id: string): Promise<void> {
    const binding = await this.bindings.find(id);
    const notFound = new CubeError('NOT_FOUND', `role binding "${id}" not found`, { id });
    if (!binding) throw notFound;
    if (actor.kind === 'user') {
      authorizeVisible(await this.abilities.abilityOf(actor), 'read', roleBindingSubject(binding));
      const granterBindings = await this.bindings.forPrincipal(actor.name, actor.groups);
      assertMayRevoke({ name: actor.name, groups: actor.groups, bindings: granterBindings }, binding);
    }
    await this.outbox.transaction(async (tx) => {
      const outcome = await this.bindings.delete(id, tx);
      if (outcome === 'missing') throw notFound;
      if (outcome === 'last-platform-admin') {
        throw new CubeError('CONFLICT', 'the last platform-admin binding cannot be deleted; grant the role to someone else first', { id });
      }
      await this.announce(tx, actor, 'deleted', { ...binding, version: binding.version + 1 });
    });
    this.abilities.bindingsChanged();
  }

  async me(actor: Actor): Promise<MeReply> {
    if (actor.kind !== 'user') throw new CubeError('FORBIDDEN', '/me describes users');
    const user = await this.users.find(actor.name);
    if (!user) throw new CubeError('UNAUTHENTICATED', 'invalid credentials', { reason: 'user_inactive' });
    const bindings = await this.bindings.forPrincipal(actor.name, actor.groups);
    return { user: publicUser(user), bindings, rules: packRulesFor(actor, bindings) };
  }
}
