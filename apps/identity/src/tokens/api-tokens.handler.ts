import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { IsUUID } from 'class-validator';
import { ApiTokenView, CreateApiTokenBody, CreatedApiToken, CubeError, Envelope, IdentitySubjects } from '@cube/contracts';
import { validatePayload } from '@cube/messaging';
import { ApiTokensService } from './api-tokens.service';

class TokenIdPayload {
  @IsUUID() id!: string;
}

/** API tokens belong to the calling user; a system actor has none. */
function userOf(envelope: Envelope): string {
  if (envelope.actor.kind !== 'user') throw new CubeError('FORBIDDEN', 'API tokens belong to users');
  return envelope.actor.name;
}

@Controller()
export class ApiTokensHandler {
  constructor(private readonly tokens: ApiTokensService) {}

  @MessagePattern(IdentitySubjects.tokenList)
  async list(@Payload() envelope: Envelope): Promise<{ items: ApiTokenView[]; nextCursor: null }> {
    return { items: await this.tokens.list(userOf(envelope)), nextCursor: null };
  }

  @MessagePattern(IdentitySubjects.tokenCreate)
  create(@Payload() envelope: Envelope): Promise<CreatedApiToken> {
    const body = validatePayload(CreateApiTokenBody, envelope.payload);
    return this.tokens.create(userOf(envelope), body.name, body.expiresAt ? new Date(body.expiresAt) : null);
  }

  @MessagePattern(IdentitySubjects.tokenRevoke)
  async revoke(@Payload() envelope: Envelope): Promise<null> {
    const { id } = validatePayload(TokenIdPayload, envelope.payload);
    await this.tokens.revoke(userOf(envelope), id);
    return null;
  }
}
