import { readFileSync } from 'node:fs';
import { ConnectionOptions, credsAuthenticator } from 'nats';

/**
 * How a Cube process proves itself to NATS: at most one of user and password, a token, or a
 * `.creds` file (JWT + NKey seed, NATS decentralised auth). Every connection a process opens — the
 * transport's, the service bus's, JetStream's, Warden's probe — takes these options, so a NATS with
 * authorization refuses none of them and a process without them is refused everywhere alike.
 */
export interface NatsCredentialsEnvironment {
  NATS_USER?: string;
  NATS_PASSWORD?: string;
  NATS_TOKEN?: string;
  NATS_CREDS_FILE?: string;
}

export type NatsAuthOptions = Pick<ConnectionOptions, 'user' | 'pass' | 'token' | 'authenticator'>;

/** A combination that cannot be right: the message names the variables, never their values. */
export function natsCredentialsProblem(env: NatsCredentialsEnvironment): string | undefined {
  const user = !!env.NATS_USER;
  const password = !!env.NATS_PASSWORD;
  if (user !== password) return 'NATS_USER and NATS_PASSWORD must be set together';
  const ways = [user, !!env.NATS_TOKEN, !!env.NATS_CREDS_FILE].filter(Boolean).length;
  if (ways > 1) return 'set only one of NATS_USER/NATS_PASSWORD, NATS_TOKEN and NATS_CREDS_FILE';
  return undefined;
}

/**
 * The connect options for the credentials in `env` (none when none are set). The creds file is read
 * at each (re)connection, so a rotated file is picked up without a restart.
 */
export function natsAuthOptions(env: NatsCredentialsEnvironment): NatsAuthOptions {
  if (env.NATS_USER && env.NATS_PASSWORD) return { user: env.NATS_USER, pass: env.NATS_PASSWORD };
  if (env.NATS_TOKEN) return { token: env.NATS_TOKEN };
  const file = env.NATS_CREDS_FILE;
  if (file) return { authenticator: credsAuthenticator(() => readFileSync(file)) };
  return {};
}
