import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { IdentitySubjects, OidcBeginReply, OidcCompleteReply } from '@cube/contracts';
import { Audited } from '@cube/service-runtime';
import { OidcLoginService } from './oidc-login.service';

class OidcBeginPayload {
  @IsOptional() @IsString() @MaxLength(2048) redirect?: string;
}

class OidcCompletePayload {
  @IsString() @MaxLength(8192) query!: string;
}

@Controller()
export class OidcHandler {
  constructor(private readonly oidc: OidcLoginService) {}

  @MessagePattern(IdentitySubjects.oidcBegin)
  begin(@Payload('payload') payload: OidcBeginPayload): Promise<OidcBeginReply> {
    return this.oidc.begin(payload);
  }

  @MessagePattern(IdentitySubjects.oidcComplete)
  @Audited({ action: 'auth.login.oidc', target: () => ({ kind: 'User', name: '' }) })
  complete(@Payload('payload') payload: OidcCompletePayload): Promise<OidcCompleteReply> {
    return this.oidc.complete(payload);
  }
}
