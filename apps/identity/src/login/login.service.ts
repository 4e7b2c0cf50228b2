import { Inject, Injectable } from '@nestjs/common';
import { CubeError, LoginRequest, TokenPair } from '@cube/contracts';
import { ExternalAccountsService } from '../external-login/external-accounts.service';
import { LdapDirectory } from '../ldap/ldap-directory';
import { sameDn } from '../ldap/ldap-filter';
import { LDAP_SETTINGS, LdapSettings } from '../ldap/ldap-settings';
import { PasswordHasher } from '../users/password-hasher';
import { UsersRepository } from '../users/users.repository';
import { SessionsService } from '../tokens/sessions.service';
import { LoginThrottle } from './login-throttle';

/** The one answer for an unknown user, a wrong password, a disabled or a non-local account. */
const INVALID_CREDENTIALS = () => new CubeError('UNAUTHENTICATED', 'invalid user name or password', { reason: 'invalid_credentials' });

/** Password logins, local or LDAP: the same throttling, the same refusal, the same tokens. */
@Injectable()
export class LoginService {
  constructor(
    private readonly users: UsersRepository,
    private readonly hasher: PasswordHasher,
    private readonly throttle: LoginThrottle,
    private readonly sessions: SessionsService,
    private readonly ldap: LdapDirectory,
    private readonly accounts: ExternalAccountsService,
    @Inject(LDAP_SETTINGS) private readonly ldapSettings: LdapSettings | null,
  ) {}

  async login(request: LoginRequest): Promise<TokenPair> {
    const provider = request.provider ?? 'local';
    if (provider === 'ldap' && !this.ldapSettings) {
      throw new CubeError('BAD_REQUEST', 'LDAP login is not configured on this Cube', { reason: 'provider_not_configured', provider });
    }
    await this.throttle.assertNotLocked(request.username, request.clientIp);
    const user = provider === 'ldap' ? await this.ldapUser(request) : await this.localUser(request);
    if (!user) {
      await this.throttle.recordFailure(request.username, request.clientIp);
      throw INVALID_CREDENTIALS();
    }
    await this.throttle.recordSuccess(request.username, request.clientIp);
    return this.sessions.start(user);
  }

  private async localUser(request: LoginRequest): Promise<{ name: string; groups: string[] } | null> {
    const user = await this.users.find(request.username);
    const usable = user && user.source === 'local' && user.state === 'active' ? user : null;
    // Verify even without a usable user, so timing does not tell which names exist.
    const matches = await this.hasher.verify(usable?.passwordHash ?? null, request.password);
    if (!usable || !matches) return null;
    await this.users.recordLogin(usable.name);
    return usable;
  }

  /** Null for an unknown user, a wrong password or a disabled account; UNAVAILABLE when LDAP does not answer. */
  private async ldapUser(request: LoginRequest): Promise<{ name: string; groups: string[] } | null> {
    const settings = this.ldapSettings;
    if (!settings) return null;
    const account = await this.ldap.authenticate(request.username, request.password);
    if (!account) return null;
    const result = await this.accounts.signIn({
      source: 'ldap',
      profile: {
        name: ExternalAccountsService.cubeNameOf(account.username),
        displayName: account.displayName ?? account.username,
        email: account.email,
        phone: account.phone,
        groups: account.groups,
      },
      mapping: settings.mapping,
      sameGroup: sameDn,
    });
    return result.kind === 'signed-in' ? result.user : null;
  }
}
