import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { IsString, MaxLength } from 'class-validator';
import { AuthenticatedPrincipal, CubeError, IdentitySubjects, JsonWebKeySet, LoginBody, RefreshBody, TokenPair } from '@cube/contracts';
import { Audited } from '@cube/service-runtime';
import { ApiTokensService } from '../tokens/api-tokens.service';
import { SessionsService } from '../tokens/sessions.service';
import { SigningKeysService } from '../tokens/signing-keys.service';
import { UsersRepository } from '../users/users.repository';
import { LoginService } from './login.service';

class LoginPayload extends LoginBody {
  @IsString() @MaxLength(64) clientIp!: string;
}

class PrincipalPayload {
  @IsString() @MaxLength(63) name!: string;
}

class TokenPayload {
  @IsString() @MaxLength(512) token!: string;
}

@Controller()
export class LoginHandler {
  constructor(
    private readonly login: LoginService,
    private readonly sessions: SessionsService,
    private readonly keys: SigningKeysService,
    private readonly apiTokens: ApiTokensService,
    private readonly users: UsersRepository,
  ) {}

  @MessagePattern(IdentitySubjects.login)
  @Audited({ action: 'auth.login', target: (p) => ({ kind: 'User', name: String(p['username']), clientIp: String(p['clientIp']) }) })
  signIn(@Payload('payload') payload: LoginPayload): Promise<TokenPair> {
    return this.login.login(payload);
  }

  @MessagePattern(IdentitySubjects.refresh)
  // Rotation is a write, and the reuse of a spent token revokes a whole family: both belong on the trail.
  @Audited({ action: 'auth.refresh', target: () => ({ kind: 'Session', name: '' }) })
  refresh(@Payload('payload') { refreshToken }: RefreshBody): Promise<TokenPair> {
    return this.sessions.refresh(refreshToken);
  }

  @MessagePattern(IdentitySubjects.logout)
  @Audited({ action: 'auth.logout', target: () => ({ kind: 'Session', name: '' }) })
  async logout(@Payload('payload') { refreshToken }: RefreshBody): Promise<null> {
    await this.sessions.logout(refreshToken);
    return null;
  }

  @MessagePattern(IdentitySubjects.jwks)
  jwks(): Promise<JsonWebKeySet> {
    return this.keys.jwks();
  }

  /** Whether the holder of a (still unexpired) access token may go on: the user exists and is active. */
  @MessagePattern(IdentitySubjects.principal)
  async principal(@Payload('payload') { name }: PrincipalPayload): Promise<AuthenticatedPrincipal> {
    const user = await this.users.find(name);
    if (!user || user.state !== 'active') throw new CubeError('UNAUTHENTICATED', 'invalid credentials', { reason: 'user_inactive' });
    return { name: user.name, groups: user.groups };
  }

  @MessagePattern(IdentitySubjects.verifyApiToken)
  verifyApiToken(@Payload('payload') { token }: TokenPayload): Promise<AuthenticatedPrincipal> {
    return this.apiTokens.verify(token);
  }
}
