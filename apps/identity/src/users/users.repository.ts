import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager, Repository } from 'typeorm';
import { Keyset } from '@cube/persistence';
import { UserEntity } from './user.entity';
import { User, UserSource, UserState } from '@cube/contracts';

export interface StoredUser extends User {
  passwordHash: string | null;
  /** Directory groups (LDAP/OIDC), carried in access tokens and matched by Group bindings. */
  groups: string[];
}

function toUser(row: UserEntity): StoredUser {
  return {
    name: row.name,
    displayName: row.displayName,
    email: row.email,
    phone: row.phone,
    state: row.state,
    source: row.source,
    createdAt: row.createdAt.toISOString(),
    lastLoginAt: row.lastLoginAt?.toISOString() ?? null,
    version: row.version,
    passwordHash: row.passwordHash,
    groups: row.groups,
  };
}

export function publicUser(user: StoredUser): User {
  const { passwordHash: _secret, groups: _groups, ...visible } = user;
  return visible;
}

export interface NewUser {
  name: string;
  displayName: string;
  email: string | null;
  phone: string | null;
  source: UserSource;
  passwordHash: string | null;
  groups?: string[];
}

export type UserChanges = Partial<Pick<User, 'displayName' | 'email' | 'phone' | 'state'>>;

/** Users page by name. */
export const BY_NAME = new Keyset<[name: string]>(['text']);

/** The `identity.users` table, through its TypeORM entity. */
@Injectable()
export class UsersRepository {
  constructor(private readonly db: DataSource) {}

  private users(manager: EntityManager = this.db.manager): Repository<UserEntity> {
    return manager.getRepository(UserEntity);
  }

  count(manager: EntityManager = this.db.manager): Promise<number> {
    return this.users(manager).count();
  }

  async find(name: string, manager: EntityManager = this.db.manager): Promise<StoredUser | null> {
    const row = await this.users(manager).findOneBy({ name });
    return row ? toUser(row) : null;
  }

  /** Keyset pagination by name: stable under concurrent inserts. */
  async list(limit: number, after: string | null, onlyName?: string): Promise<StoredUser[]> {
    const query = this.users().createQueryBuilder('u');
    if (after !== null) query.andWhere('u.name > :after', { after });
    if (onlyName !== undefined) query.andWhere('u.name = :onlyName', { onlyName });
    return (await query.orderBy('u.name').limit(limit).getMany()).map(toUser);
  }

  /** Inserts, or returns null when the name is taken. */
  async insert(user: NewUser, manager: EntityManager = this.db.manager): Promise<StoredUser | null> {
    const result = await this.users(manager)
      .createQueryBuilder()
      .insert()
      .values({
        name: user.name,
        displayName: user.displayName,
        email: user.email,
        phone: user.phone,
        source: user.source,
        passwordHash: user.passwordHash,
        groups: user.groups ?? [],
      })
      .orIgnore()
      .returning(['name'])
      .execute();
    return (result.raw as unknown[]).length > 0 ? this.find(user.name, manager) : null;
  }

  async update(name: string, changes: UserChanges, manager: EntityManager = this.db.manager): Promise<StoredUser | null> {
    const result = await this.users(manager).update(
      { name },
      {
        ...(changes.displayName !== undefined ? { displayName: changes.displayName } : {}),
        ...(changes.email !== undefined ? { email: changes.email } : {}),
        ...(changes.phone !== undefined ? { phone: changes.phone } : {}),
        ...(changes.state !== undefined ? { state: changes.state } : {}),
        version: () => '"version" + 1',
      },
    );
    return result.affected ? this.find(name, manager) : null;
  }

  async setPasswordHash(name: string, hash: string, manager: EntityManager = this.db.manager): Promise<boolean> {
    const result = await this.users(manager).update({ name }, { passwordHash: hash, version: () => '"version" + 1' });
    return (result.affected ?? 0) > 0;
  }

  /** Reads a user and locks the row until the transaction ends (logins of the same user queue up). */
  async findForUpdate(name: string, manager: EntityManager): Promise<StoredUser | null> {
    const row = await this.users(manager).findOne({ where: { name }, lock: { mode: 'pessimistic_write' } });
    return row ? toUser(row) : null;
  }

  /**
   * Copies what a directory (LDAP, OIDC) says about a user it owns; bumps the version only when
   * something changed. Returns the user when it changed, null when it was already up to date.
   */
  async syncFromDirectory(
    name: string,
    profile: Pick<User, 'displayName' | 'email' | 'phone'> & { groups: string[] },
    manager: EntityManager,
  ): Promise<StoredUser | null> {
    const { displayName, email, phone, groups } = profile;
    const result = await this.users(manager)
      .createQueryBuilder()
      .update()
      .set({ displayName, email, phone, groups, version: () => '"version" + 1' })
      .where('name = :name', { name })
      .andWhere('("display_name", "email", "phone", "groups") IS DISTINCT FROM (:displayName, :email, :phone, :groups::text[])', {
        displayName,
        email,
        phone,
        groups,
      })
      .execute();
    return result.affected ? this.find(name, manager) : null;
  }

  async recordLogin(name: string): Promise<void> {
    await this.users().update({ name }, { lastLoginAt: () => 'now()' });
  }

  /** Every user's state (what Wardens must know: who is not active). */
  async states(): Promise<Map<string, UserState>> {
    const rows = await this.users().find({ select: { name: true, state: true } });
    return new Map(rows.map((row) => [row.name, row.state]));
  }

  /** Deletes a user and returns them as they were; null when there was none. */
  async delete(name: string, manager: EntityManager = this.db.manager): Promise<StoredUser | null> {
    const row = await this.users(manager).findOneBy({ name });
    if (!row) return null;
    const result = await this.users(manager).delete({ name });
    return result.affected ? toUser(row) : null;
  }
}
