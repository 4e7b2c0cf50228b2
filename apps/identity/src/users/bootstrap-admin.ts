import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { Actor } from '@cube/contracts';
import { AuditPublisher } from '@cube/messaging';
import { SERVICE_ENVIRONMENT } from '@cube/service-runtime';
import { BindingsRepository } from '../bindings/bindings.repository';
import { IdentityOutbox } from '../events/identity-outbox';
import { IdentityEnvironment } from '../identity-environment';
import { assertAcceptablePassword } from './password-policy';
import { PasswordHasher } from './password-hasher';
import { publicUser, UsersRepository } from './users.repository';

export const BOOTSTRAP_ADMIN = 'admin';
const BOOTSTRAP_ACTOR: Actor = { kind: 'system', name: 'bootstrap' };

/**
 * First start with no users: create `admin` as platform admin, with CUBE_ADMIN_PASSWORD or a
 * generated password written once to CUBE_ADMIN_PASSWORD_FILE (mode 0600). Never a fixed default, and
 * never the password in a log line: logs are shipped and kept where secrets must not be.
 */
@Injectable()
export class BootstrapAdmin implements OnApplicationBootstrap {
  private readonly logger = new Logger(BootstrapAdmin.name);

  constructor(
    private readonly db: DataSource,
    private readonly users: UsersRepository,
    private readonly bindings: BindingsRepository,
    private readonly hasher: PasswordHasher,
    private readonly outbox: IdentityOutbox,
    private readonly audit: AuditPublisher,
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
    // SERIALIZABLE through the outbox, which sends the events once the transaction committed.
    const created = await this.outbox
      .transaction(
        async (tx) => {
          // Two replicas starting together: only the one that sees an empty table creates admin.
          if ((await this.users.count(tx)) > 0) return false;
          const user = await this.users.insert(
            { name: BOOTSTRAP_ADMIN, displayName: 'Administrator', email: null, phone: null, source: 'local', passwordHash: hash },
            tx,
          );
          const binding = await this.bindings.insert(
            {
              subject: { kind: 'User', name: BOOTSTRAP_ADMIN },
              role: 'platform-admin',
              scope: { kind: 'platform' },
              createdBy: 'system:bootstrap',
            },
            tx,
          );
          if (!user || !binding) return false;
          const actor = BOOTSTRAP_ACTOR;
          await this.outbox.add(tx, {
            actor,
            entityKind: 'user',
            event: 'created',
            entity: { kind: 'User', name: user.name },
            version: user.version,
            data: publicUser(user),
          });
          await this.outbox.add(tx, {
            actor,
            entityKind: 'binding',
            event: 'created',
            entity: { kind: 'RoleBinding', name: binding.id },
            version: binding.version,
            data: binding,
          });
          return true;
        },
        (work) => this.db.transaction('SERIALIZABLE', work),
      )
      .catch((error: unknown) => {
        // A serialization failure means another replica bootstrapped at the same moment.
        if ((error as { code?: string }).code === '40001') return false;
        throw error;
      });
    if (created) await this.recordAudit();
    if (!created || given) {
      if (created) this.logger.log('created the bootstrap user "admin" with the password from CUBE_ADMIN_PASSWORD');
      return;
    }
    const file = resolve(this.env.CUBE_ADMIN_PASSWORD_FILE);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, `${password}\n`, { mode: 0o600 });
    // The log names the file, never the password (logs leave the machine; the file stays at 0600).
    this.logger.log({ passwordFile: file }, `created the bootstrap user "admin" with a generated password, written to ${file}`);
  }

  /** Like every write, the bootstrap is on the audit trail; a failure to record it is logged, not fatal (admin exists now). */
  private async recordAudit(): Promise<void> {
    const base = { source: 'platform' as const, requestId: randomUUID(), actor: BOOTSTRAP_ACTOR, outcome: 'success' as const };
    try {
      await this.audit.record({ ...base, action: 'user.create', target: { kind: 'User', name: BOOTSTRAP_ADMIN } });
      await this.audit.record({
        ...base,
        action: 'rolebinding.create',
        target: { kind: 'RoleBinding', name: 'platform-admin', subject: { kind: 'User', name: BOOTSTRAP_ADMIN } },
      });
    } catch (error: unknown) {
      this.logger.error(
        { reason: error instanceof Error ? error.message : String(error) },
        'could not record the bootstrap on the audit trail',
      );
    }
  }
}
