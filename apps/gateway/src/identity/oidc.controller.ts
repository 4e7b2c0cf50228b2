import { Controller, Get, Header, Query, Redirect, Req } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { CubeError, IdentitySubjects, OidcLoginQuery } from '@cube/contracts';
import { ServiceRequester } from '@cube/messaging';
import { Public } from '../authn/public.decorator';
import { ApiErrors } from '../docs/api-errors';
import { envelopeFor } from '../envelope/envelope.factory';

const ANONYMOUS = { kind: 'system', name: 'anonymous' } as const;
const MAX_CALLBACK_QUERY = 8192;

/**
 * The browser side of OIDC login. State, nonce and PKCE verifier live in identity's database, so
 * the callback may reach any gateway replica; tokens go back to the SPA in the URL fragment, which
 * browsers never send to a server (not in logs, not in Referer).
 */
@ApiTags('authentication')
@Public()
@Controller('api/v1/auth/oidc')
export class OidcController {
  /** Not in the request log: its query carries the authorization code (identity audits each callback instead). */
  static readonly callbackPath = '/api/v1/auth/oidc/callback';

  constructor(private readonly bus: ServiceRequester) {}

  @Get('login')
  @Redirect()
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'Start an OIDC login: 302 to the identity provider (authorization code with PKCE S256, state and nonce)' })
  @ApiResponse({
    status: 302,
    description: 'to the identity provider',
    headers: { Location: { schema: { type: 'string', format: 'uri' } } },
  })
  @ApiErrors(400, 404, 503)
  async login(@Req() req: Request, @Query() query: OidcLoginQuery): Promise<{ url: string; statusCode: number }> {
    const reply = await this.bus.request(IdentitySubjects.oidcBegin, envelopeFor(req, ANONYMOUS, { redirect: query.redirect }));
    return { url: reply.authorizationUrl, statusCode: 302 };
  }

  @Get('callback')
  @Redirect()
  @Header('Cache-Control', 'no-store')
  @Header('Referrer-Policy', 'no-referrer')
  @ApiOperation({
    summary: 'The identity provider returns here: 302 to the SPA with `#accessToken=…&refreshToken=…&expiresIn=…&tokenType=Bearer`',
  })
  @ApiQuery({ name: 'code', required: false, type: String })
  @ApiQuery({ name: 'state', required: true, type: String })
  @ApiQuery({ name: 'error', required: false, type: String, description: 'set by the provider when it refused the login (then 401)' })
  @ApiResponse({
    status: 302,
    description: 'to the SPA, tokens in the fragment',
    headers: { Location: { schema: { type: 'string', format: 'uri' } } },
  })
  @ApiErrors(400, 401, 404, 422, 503)
  async callback(@Req() req: Request): Promise<{ url: string; statusCode: number }> {
    const search = new URL(req.originalUrl, 'http://gateway').search.replace(/^\?/, '');
    if (search.length > MAX_CALLBACK_QUERY)
      throw new CubeError('BAD_REQUEST', 'the callback query is too long', { reason: 'query_too_long' });
    const reply = await this.bus.request(IdentitySubjects.oidcComplete, envelopeFor(req, ANONYMOUS, { query: search }));
    const fragment = new URLSearchParams({
      accessToken: reply.tokens.accessToken,
      refreshToken: reply.tokens.refreshToken,
      expiresIn: String(reply.tokens.expiresIn),
      tokenType: reply.tokens.tokenType,
    });
    return { url: `${reply.redirect}#${fragment.toString()}`, statusCode: 302 };
  }
}
