import { Module } from '@nestjs/common';
import { AbilitiesService } from './bindings/abilities.service';
import { BindingsHandler } from './bindings/bindings.handler';
import { BindingsService } from './bindings/bindings.service';
import { BindingsRepository } from './bindings/bindings.repository';
import { IdentityOutbox } from './events/identity-outbox';
import { ExternalAccountsService } from './external-login/external-accounts.service';
import { LdapDirectory } from './ldap/ldap-directory';
import { ldapSettingsProvider } from './ldap/ldap-settings';
import { LoginHandler } from './login/login.handler';
import { LoginService } from './login/login.service';
import { LoginThrottle } from './login/login-throttle';
import { LoginThrottleRepository } from './login/login-throttle.repository';
import { OidcHandler } from './oidc/oidc.handler';
import { OidcLoginService } from './oidc/oidc-login.service';
import { OidcLoginsRepository } from './oidc/oidc-logins.repository';
import { oidcSettingsProvider } from './oidc/oidc-settings';
import { ApiTokenVerifiersPublisher } from './tokens/api-token-verifiers.publisher';
import { ApiTokensHandler } from './tokens/api-tokens.handler';
import { ApiTokensRepository } from './tokens/api-tokens.repository';
import { ApiTokensService } from './tokens/api-tokens.service';
import { DisabledUsersPublisher } from './tokens/disabled-users.publisher';
import { RefreshTokensRepository } from './tokens/refresh-tokens.repository';
import { SessionsService } from './tokens/sessions.service';
import { SigningKeysRepository } from './tokens/signing-keys.repository';
import { SigningKeysService } from './tokens/signing-keys.service';
import { BootstrapAdmin } from './users/bootstrap-admin';
import { PasswordHasher } from './users/password-hasher';
import { UsersHandler } from './users/users.handler';
import { UsersRepository } from './users/users.repository';
import { UsersService } from './users/users.service';

/** Users, credentials (local, LDAP, OIDC), signing keys, sessions, API tokens and role bindings. */
@Module({
  controllers: [UsersHandler, LoginHandler, OidcHandler, ApiTokensHandler, BindingsHandler],
  providers: [
    IdentityOutbox,
    UsersRepository,
    UsersService,
    PasswordHasher,
    BootstrapAdmin,
    BindingsRepository,
    AbilitiesService,
    BindingsService,
    LoginThrottleRepository,
    LoginThrottle,
    LoginService,
    SigningKeysRepository,
    SigningKeysService,
    RefreshTokensRepository,
    SessionsService,
    ApiTokensService,
    ApiTokensRepository,
    ApiTokenVerifiersPublisher,
    DisabledUsersPublisher,
    ExternalAccountsService,
    ldapSettingsProvider,
    LdapDirectory,
    oidcSettingsProvider,
    OidcLoginsRepository,
    OidcLoginService,
  ],
})
export class IdentityModule {}
