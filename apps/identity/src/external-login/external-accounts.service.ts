import { Injectable } from '@nestjs/common';
import { Actor, CubeError, DNS_LABEL, RoleBinding, UserSource } from '@cube/contracts';
import { AbilitiesService } from '../bindings/abilities.service';
import { BindingsRepository } from '../bindings/bindings.repository';
import { IdentityOutbox } from '../events/identity-outbox';
import { publicUser, StoredUser, UsersRepository } from '../users/users.repository';
import { bindingKey, bindingsForGroups, GroupRoleMapping } from './group-role-mapping';

/** What a directory (LDAP entry, OIDC claims) says about a user who just proved who they are. */
export interface ExternalProfile {
  /** The Cube user name: the directory's name, lower-cased; it must be a DNS label. */
  name: string;
  displayName: string;
  email: string | null;
  phone: string | null;
  groups: string[];
}

export type ExternalSource = Exclude<UserSource, 'local'>;

export interface ExternalSignIn {
  source: ExternalSource;
  profile: ExternalProfile;
  mapping: GroupRoleMapping[];
  /** Equality of group names (LDAP DNs compare loosely, OIDC group claims exactly). */
  sameGroup?: (a: string, b: string) => boolean;
}

export type ExternalSignInResult = { kind: 'signed-in'; user: StoredUser } | { kind: 'disabled' };

const clip = (value: string | null, max: number): string | null => (value === null || value.length <= max ? value : null);

/**
 * Creates or updates the Cube user of an LDAP or OIDC login and reconciles the role bindings its
 * groups map to. Bindings carry their origin: only those this source made earlier are removed when
 * the user left the group; manual bindings are never touched (an equal manual one stays manual).
 */
@Injectable()
export class ExternalAccountsService {
  constructor(
    private readonly users: UsersRepository,
    private readonly bindings: BindingsRepository,
    private readonly abilities: AbilitiesService,
    private readonly outbox: IdentityOutbox,
  ) {}

  static cubeNameOf(directoryName: string): string {
    const name = directoryName.trim().toLowerCase();
    if (!DNS_LABEL.test(name)) {
      throw new CubeError('UNPROCESSABLE', 'the directory user name is not usable as a Cube user name (a DNS label)', {
        reason: 'username_not_dns_label',
      });
    }
    return name;
  }

  async signIn(request: ExternalSignIn): Promise<ExternalSignInResult> {
    const { source, mapping } = request;
    const profile = {
      ...request.profile,
      displayName: request.profile.displayName.slice(0, 256),
      email: clip(request.profile.email, 320),
      phone: clip(request.profile.phone, 64),
    };
    const actor: Actor = { kind: 'system', name: `${source}-login` };
    const changes = await this.outbox.transaction(async (tx) => {
      let user = await this.users.findForUpdate(profile.name, tx);
      let userEvent: 'created' | 'updated' | null = null;
      if (user && user.source !== source) {
        // Taking over an account of another source would hand its bindings to whoever controls the directory entry.
        throw new CubeError(
          'CONFLICT',
          `a ${user.source} user named "${profile.name}" already exists; ${source} login cannot take it over`,
          {
            reason: 'account_source_conflict',
            source: user.source,
          },
        );
      }
      if (user?.state === 'disabled') return null;
      if (!user) {
        user = await this.users.insert({ ...profile, source, passwordHash: null }, tx);
        if (!user)
          throw new CubeError('CONFLICT', `user "${profile.name}" was created concurrently; try again`, { reason: 'concurrent_create' });
        userEvent = 'created';
      } else {
        const updated = await this.users.syncFromDirectory(profile.name, profile, tx);
        if (updated) [user, userEvent] = [updated, 'updated'];
      }
      const wanted = bindingsForGroups(mapping, profile.groups, request.sameGroup);
      const wantedKeys = new Set(wanted.map(bindingKey));
      const held = await this.bindings.mappedTo(profile.name, source, tx);
      const heldKeys = new Set(held.map(bindingKey));
      const removed = held.filter((binding) => !wantedKeys.has(bindingKey(binding)));
      await this.bindings.deleteMapped(
        removed.map((binding) => binding.id),
        tx,
      );
      const added: RoleBinding[] = [];
      for (const row of wanted.filter((w) => !heldKeys.has(bindingKey(w)))) {
        const created = await this.bindings.insert(
          {
            subject: { kind: 'User', name: profile.name },
            role: row.role,
            scope: row.scope,
            createdBy: actor.name,
            origin: source,
            originGroup: row.group,
          },
          tx,
        );
        if (created) added.push(created);
      }
      if (userEvent) {
        await this.outbox.add(tx, {
          actor,
          entityKind: 'user',
          event: userEvent,
          entity: { kind: 'User', name: user.name },
          version: user.version,
          data: publicUser(user),
        });
      }
      for (const binding of added) {
        await this.outbox.add(tx, {
          actor,
          entityKind: 'binding',
          event: 'created',
          entity: { kind: 'RoleBinding', name: binding.id },
          version: binding.version,
          data: binding,
        });
      }
      for (const { originGroup: _group, ...binding } of removed) {
        const gone = { ...binding, version: binding.version + 1 };
        await this.outbox.add(tx, {
          actor,
          entityKind: 'binding',
          event: 'deleted',
          entity: { kind: 'RoleBinding', name: binding.id },
          version: gone.version,
          data: gone,
        });
      }
      return { user, bindingsChanged: added.length > 0 || removed.length > 0 };
    });
    if (!changes) return { kind: 'disabled' };
    const { user, bindingsChanged } = changes;
    if (bindingsChanged) this.abilities.bindingsChanged();
    await this.users.recordLogin(user.name);
    return { kind: 'signed-in', user };
  }
}
