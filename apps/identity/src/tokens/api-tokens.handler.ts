import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { IsInt, IsOptional, IsString, IsUUID, Max, MaxLength, Min } from 'class-validator';
import { ApiTokenView, CreateApiTokenBody, CreatedApiToken, CubeError, IdentitySubjects, Page } from '@cube/contracts';
import { Actor } from '@cube/messaging';
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
function userOf(actor: Actor): string {
  if (actor.kind !== 'user') throw new CubeError('FORBIDDEN', 'API tokens belong to users');
  return actor.name;
}

@Controller()
export class ApiTokensHandler {
  constructor(
    private readonly tokens: ApiTokensService,
    private readonly outbox: IdentityOutbox,
    private readonly verifiers: ApiTokenVerifiersPublisher,
  ) {}

  @MessagePattern(IdentitySubjects.tokenList)
  list(@Payload('payload') page: ListApiTokensPayload, @Actor() actor: Actor): Promise<Page<ApiTokenView>> {
    return this.tokens.list(userOf(actor), { limit: page.limit ?? DEFAULT_PAGE_SIZE, cursor: page.cursor });
  }

  @MessagePattern(IdentitySubjects.tokenCreate)
  @Audited({ action: 'apitoken.create', target: (p) => ({ kind: 'ApiToken', name: String(p['name']) }) })
  async create(@Payload('payload') body: CreateApiTokenBody, @Actor() actor: Actor): Promise<CreatedApiToken> {
    const created = await this.tokens.create(userOf(actor), body.name, body.expiresAt ? new Date(body.expiresAt) : null);
    // Member clusters accept the token once its verifier reached Warden (issue #7).
    await this.verifiers.syncUser(userOf(actor));
    return created;
  }

  @MessagePattern(IdentitySubjects.tokenRevoke)
  @Audited({ action: 'apitoken.revoke', target: (p) => ({ kind: 'ApiToken', name: String(p['id']) }) })
  async revoke(@Payload('payload') { id }: TokenIdPayload, @Actor() actor: Actor): Promise<null> {
    const owner = userOf(actor);
    await this.outbox.transaction(async (tx) => {
      await this.tokens.revoke(owner, id, tx);
      await this.outbox.add(tx, {
        actor,
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
