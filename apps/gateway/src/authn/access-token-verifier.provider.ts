import { Provider } from '@nestjs/common';
import type { JSONWebKeySet } from 'jose';
import { AccessTokenVerifier, JwksKeySet } from '@cube/auth';
import { IdentitySubjects } from '@cube/contracts';
import { ServiceRequester } from '@cube/messaging';

/** The gateway verifies access tokens offline; it fetches identity's JWKS over NATS on first use and on an unknown kid. */
export const accessTokenVerifierProvider: Provider = {
  provide: AccessTokenVerifier,
  inject: [ServiceRequester],
  useFactory: (bus: ServiceRequester) =>
    new AccessTokenVerifier({
      keys: new JwksKeySet({
        fetchJwks: async () =>
          (await bus.request(IdentitySubjects.jwks, {
            actor: { kind: 'system', name: 'gateway' },
            requestId: 'jwks-refresh',
            payload: {},
          })) as unknown as JSONWebKeySet,
        refreshCooldownMs: 10_000,
      }),
    }),
};
