import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { SERVICE_ENVIRONMENT } from '@cube/service-runtime';
import { BindingsRepository } from '../bindings/bindings.repository';
import { IdentityEnvironment } from '../identity-environment';
import { assertAcceptablePassword } from './password-policy';
import { PasswordHasher } from './password-hasher';
import { UsersRepository } from './users.repository';

export const BOOTSTRAP_ADMIN = 'admin';

/**
 * First start with no users: create `admin` as platform admin, with CUBE_ADMIN_PASSWORD or a
 * generated password written once to the log and to CUBE_ADMIN_PASSWORD_FILE. Never a fixed default.
 */
@Injectable()
export class BootstrapAdmin implements OnApplicationBootstrap {
  private readonly logger = new Logger(BootstrapAdmin.name);

  constructor(
    private readonly db: DataSource,
    private readonly users: UsersRepository,
    private readonly bindings: BindingsRepository,
    private readonly hasher: PasswordHasher,
    @Inject(SERVICE_ENVIRONMENT) private readonly env: IdentityEnvironment,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if ((await this.users.count()) > 0) return;
    const given = this.env.CUBE_ADMIN_PASSWORD;
    const password = given ?? randomBytes(18).toString('base64url');
    try {
      assertAcceptablePassword(BOOTSTRAP_ADMIN, password);
    } catch (error: unknown) {
      throw new Error(`CUBE_ADMIN_PASSWORD is not acceptable: ${(error as Error).message}`);
    }
    const hash = await this.hasher.hash(password);
    const created = await this.db.transaction('SERIALIZABLE', async (tx) => {
      // Two replicas starting together: only the one that sees an empty table creates admin.
      const [row] = (await tx.query('SELECT count(*)::int AS n FROM "identity"."users"')) as { n: number }[];
      if ((row?.n ?? 0) > 0) return false;
      await this.users.insert({ name: BOOTSTRAP_ADMIN, displayName: 'Administrator', email: null, phone: null, source: 'local', passwordHash: hash }, tx);
      await this.bindings.insert({ subject: { kind: 'User', name: BOOTSTRAP_ADMIN }, role: 'platform-admin', scope: { kind: 'platform' }, createdBy: 'system:bootstrap' }, tx);
      return true;
    }).catch((error: unknown) => {
      // A serialization failure means another replica bootstrapped at the same moment.
      if ((error as { code?: string }).code === '40001') return false;
      throw error;
    });
    if (!created || given) {
      if (created) this.logger.log('created the bootstrap user "admin" with the password from CUBE_ADMIN_PASSWORD');
      return;
    }
    const file = resolve(this.env.CUBE_ADMIN_PASSWORD_FILE);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, `${password}\n`, { mode: 0o600 });
    // Deliberately logged once: this is the only way a newcomer learns the generated password.
    this.logger.warn({ passwordFile: file }, `created the bootstrap user "admin" with the generated password: ${password} (also written to ${file})`);
  }
}
