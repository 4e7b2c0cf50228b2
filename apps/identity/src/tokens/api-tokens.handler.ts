import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { IsInt, IsOptional, IsString, IsUUID, Max, MaxLength, Min } from 'class-validator';
import { ApiTokenView, CreateApiTokenBody, CreatedApiToken, CubeError, Envelope, IdentitySubjects, Page } from '@cube/contracts';
import { validatePayload } from '@cube/messaging';
import { DEFAULT_PAGE_SIZE } from '@cube/persistence';
import { Audited } from '@cube/service-runtime';
import { IdentityOutbox } from '../events/identity-outbox';
import { ApiTokenVerifiersPublisher } from './api-token-verifiers.publisher';
import { ApiTokensService } from './api-tokens.service';

class ListApiTokensPayload {
  @IsOptional() @IsInt() @Min(1) @Max(500) limit?: number;
  @IsOptional() @IsString() @MaxLength(512) cursor?: string;
}

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
  constructor(
    private readonly tokens: ApiTokensService,
    private readonly outbox: IdentityOutbox,
    private readonly verifiers: ApiTokenVerifiersPublisher,
  ) {}

  @MessagePattern(IdentitySubjects.tokenList)
  list(@Payload() envelope: Envelope): Promise<Page<ApiTokenView>> {
    const page = validatePayload(ListApiTokensPayload, envelope.payload);
    return this.tokens.list(userOf(envelope), { limit: page.limit ?? DEFAULT_PAGE_SIZE, cursor: page.cursor });
  }

  @MessagePattern(IdentitySubjects.tokenCreate)
  @Audited({ action: 'apitoken.create', target: (p) => ({ kind: 'ApiToken', name: String(p['name']) }) })
  async create(@Payload() envelope: Envelope): Promise<CreatedApiToken> {
    const body = validatePayload(CreateApiTokenBody, envelope.payload);
    const created = await this.tokens.create(userOf(envelope), body.name, body.expiresAt ? new Date(body.expiresAt) : null);
    // Member clusters accept the token once its verifier reached Warden (issue #7).
    await this.verifiers.syncUser(userOf(envelope));
    return created;
  }

  @MessagePattern(IdentitySubjects.tokenRevoke)
  @Audited({ action: 'apitoken.revoke', target: (p) => ({ kind: 'ApiToken', name: String(p['id']) }) })
  async revoke(@Payload() envelope: Envelope): Promise<null> {
    const { id } = validatePayload(TokenIdPayload, envelope.payload);
    const owner = userOf(envelope);
    await this.outbox.transaction(async (tx) => {
      await this.tokens.revoke(owner, id, tx);
      await this.outbox.add(tx, {
        actor: envelope.actor,
        entityKind: 'token',
        event: 'revoked',
        entity: { kind: 'ApiToken', name: id, owner },
        version: 1,
        data: { id, owner },
      });
    });
    return null;
  }
}
