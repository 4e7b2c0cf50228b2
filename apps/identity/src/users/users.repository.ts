import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { Keyset } from '@cube/persistence';
import { User, UserSource, UserState } from '@cube/contracts';

interface UserRow {
  name: string;
  display_name: string;
  email: string | null;
  phone: string | null;
  state: UserState;
  source: UserSource;
  password_hash: string | null;
  groups: string[];
  created_at: Date;
  last_login_at: Date | null;
  version: number;
}

export interface StoredUser extends User {
  passwordHash: string | null;
  /** Directory groups (LDAP/OIDC), carried in access tokens and matched by Group bindings. */
  groups: string[];
}

function toUser(row: UserRow): StoredUser {
  return {
    name: row.name,
    displayName: row.display_name,
    email: row.email,
    phone: row.phone,
    state: row.state,
    source: row.source,
    createdAt: row.created_at.toISOString(),
    lastLoginAt: row.last_login_at?.toISOString() ?? null,
    version: row.version,
    passwordHash: row.password_hash,
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

/** The `identity.users` table. */
@Injectable()
export class UsersRepository {
  constructor(private readonly db: DataSource) {}

  async count(manager: EntityManager = this.db.manager): Promise<number> {
    const [row] = (await manager.query('SELECT count(*)::int AS n FROM "identity"."users"')) as { n: number }[];
    return row?.n ?? 0;
  }

  async find(name: string, manager: EntityManager = this.db.manager): Promise<StoredUser | null> {
    const rows = (await manager.query('SELECT * FROM "identity"."users" WHERE "name" = $1', [name])) as UserRow[];
    return rows[0] ? toUser(rows[0]) : null;
  }

  /** Keyset pagination by name: stable under concurrent inserts. */
  async list(limit: number, after: string | null, onlyName?: string): Promise<StoredUser[]> {
    const rows = (await this.db.query(
      `SELECT * FROM "identity"."users"
       WHERE ($1::text IS NULL OR "name" > $1) AND ($2::text IS NULL OR "name" = $2)
       ORDER BY "name" LIMIT $3`,
      [after, onlyName ?? null, limit],
    )) as UserRow[];
    return rows.map(toUser);
  }

  /** Inserts, or returns null when the name is taken. */
  async insert(user: NewUser, manager: EntityManager = this.db.manager): Promise<StoredUser | null> {
    const rows = (await manager.query(
      `INSERT INTO "identity"."users" ("name", "display_name", "email", "phone", "source", "password_hash", "groups")
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT ("name") DO NOTHING RETURNING *`,
      [user.name, user.displayName, user.email, user.phone, user.source, user.passwordHash, user.groups ?? []],
    )) as UserRow[];
    return rows[0] ? toUser(rows[0]) : null;
  }

  async update(name: string, changes: UserChanges, manager: EntityManager = this.db.manager): Promise<StoredUser | null> {
    const rows = (await manager.query(
      `UPDATE "identity"."users" SET
         "display_name" = COALESCE($2, "display_name"),
         "email" = CASE WHEN $3::boolean THEN $4 ELSE "email" END,
         "phone" = CASE WHEN $5::boolean THEN $6 ELSE "phone" END,
         "state" = COALESCE($7, "state"),
         "version" = "version" + 1
       WHERE "name" = $1 RETURNING *`,
      [
        name,
        changes.displayName ?? null,
        changes.email !== undefined,
        changes.email ?? null,
        changes.phone !== undefined,
        changes.phone ?? null,
        changes.state ?? null,
      ],
    )) as [UserRow[], number];
    return rows[0]?.[0] ? toUser(rows[0][0]) : null;
  }

  async setPasswordHash(name: string, hash: string, manager: EntityManager = this.db.manager): Promise<boolean> {
    const result = (await manager.query(
      `UPDATE "identity"."users" SET "password_hash" = $2, "version" = "version" + 1 WHERE "name" = $1`,
      [name, hash],
    )) as [unknown[], number];
    return result[1] > 0;
  }

  /** Reads a user and locks the row until the transaction ends (logins of the same user queue up). */
  async findForUpdate(name: string, manager: EntityManager): Promise<StoredUser | null> {
    const rows = (await manager.query('SELECT * FROM "identity"."users" WHERE "name" = $1 FOR UPDATE', [name])) as UserRow[];
    return rows[0] ? toUser(rows[0]) : null;
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
    const rows = (await manager.query(
      `UPDATE "identity"."users" SET "display_name" = $2, "email" = $3, "phone" = $4, "groups" = $5, "version" = "version" + 1
       WHERE "name" = $1 AND ("display_name", "email", "phone", "groups") IS DISTINCT FROM ($2, $3, $4, $5::text[])
       RETURNING *`,
      [name, profile.displayName, profile.email, profile.phone, profile.groups],
    )) as [UserRow[], number];
    return rows[0]?.[0] ? toUser(rows[0][0]) : null;
  }

  async recordLogin(name: string): Promise<void> {
    await this.db.query(`UPDATE "identity"."users" SET "last_login_at" = now() WHERE "name" = $1`, [name]);
  }

  /** Every user's state (what Wardens must know: who is not active). */
  async states(): Promise<Map<string, UserState>> {
    const rows = (await this.db.query('SELECT "name", "state" FROM "identity"."users"')) as { name: string; state: UserState }[];
    return new Map(rows.map((row) => [row.name, row.state]));
  }

  async delete(name: string, manager: EntityManager = this.db.manager): Promise<StoredUser | null> {
    const rows = (await manager.query(`DELETE FROM "identity"."users" WHERE "name" = $1 RETURNING *`, [name])) as [UserRow[], number];
    return rows[0]?.[0] ? toUser(rows[0][0]) : null;
  }
}
