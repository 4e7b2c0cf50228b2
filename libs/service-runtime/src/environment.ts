import 'reflect-metadata';
import { plainToInstance, Type } from 'class-transformer';
import { IsIn, IsInt, IsNotEmpty, IsNumber, IsString, Max, Min, validateSync, ValidateBy, ValidationOptions } from 'class-validator';
import { accessSync, constants } from 'node:fs';
import { natsCredentialsProblem, NatsCredentialsEnvironment } from '@cube/messaging';
import { isPostgresUrl } from '@cube/persistence';

/** A configuration variable is missing or malformed; the message names the variable, never its value. */
export class ConfigurationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigurationError';
  }
}

function IsUrlWithProtocol(protocols: string[], options?: ValidationOptions) {
  return ValidateBy(
    {
      name: 'isUrlWithProtocol',
      validator: {
        validate: (value: unknown) => {
          if (typeof value !== 'string') return false;
          return value.split(',').every((part) => {
            try {
              const url = new URL(part.trim());
              return protocols.includes(url.protocol) && url.hostname !== '';
            } catch {
              return false;
            }
          });
        },
        defaultMessage: () => `$property must be a ${protocols.map((p) => `${p}//`).join(' or ')} URL`,
      },
    },
    options,
  );
}

function IsPostgresUrl(options?: ValidationOptions) {
  return ValidateBy(
    {
      name: 'isPostgresUrl',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && isPostgresUrl(value),
        defaultMessage: () => '$property must be a postgres:// URL (postgres://user:password@host:port/database)',
      },
    },
    options,
  );
}

/** At most one way of authenticating to NATS, a password only with a user (checked on NATS_USER, for every field). */
function IsOneNatsCredential(options?: ValidationOptions) {
  return ValidateBy(
    {
      name: 'isOneNatsCredential',
      validator: {
        validate: (_value: unknown, args) => natsCredentialsProblem(args?.object as NatsCredentialsEnvironment) === undefined,
        defaultMessage: (args) => natsCredentialsProblem(args?.object as NatsCredentialsEnvironment) ?? '$property is invalid',
      },
    },
    options,
  );
}

function IsReadableFileOrEmpty(options?: ValidationOptions) {
  return ValidateBy(
    {
      name: 'isReadableFileOrEmpty',
      validator: {
        validate: (value: unknown) => {
          if (value === '') return true;
          try {
            accessSync(String(value), constants.R_OK);
            return true;
          } catch {
            return false;
          }
        },
        defaultMessage: () => '$property must name a readable file',
      },
    },
    options,
  );
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Variables every Cube process reads. Every field has its default here: the README's table mirrors these. */
export class BaseEnvironment {
  @IsUrlWithProtocol(['nats:', 'tls:'])
  NATS_URL = 'nats://127.0.0.1:4222';

  /**
   * NATS credentials, for a NATS with authorization: user and password, a token, or a `.creds` file
   * (one of the three). Passed to every connection the process opens; never logged.
   */
  @IsString()
  @IsOneNatsCredential()
  NATS_USER = '';

  @IsString()
  NATS_PASSWORD = '';

  @IsString()
  NATS_TOKEN = '';

  @IsString()
  @IsReadableFileOrEmpty()
  NATS_CREDS_FILE = '';

  @IsIn(LOG_LEVELS)
  LOG_LEVEL = 'info';

  @Type(() => Number)
  @IsInt()
  @Min(100)
  @Max(120_000)
  CUBE_REQUEST_TIMEOUT_MS = 5000;

  /**
   * Replicas of the JetStream streams and KV buckets this process creates (1 on a single NATS server,
   * 3 on a 3-node JetStream cluster: losing one node then loses no event, audit record or desired state).
   */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(5)
  CUBE_JETSTREAM_REPLICAS = 1;

  /**
   * Port of the small HTTP health listener (`/healthz`, `/readyz`) for orchestrators' probes; 0: none.
   * Services otherwise speak only NATS, and a kubelet can probe HTTP without forking a process.
   */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(65535)
  CUBE_HEALTH_PORT = 0;
}

/** Variables of a control-plane service that owns a PostgreSQL schema. */
export class DatabaseServiceEnvironment extends BaseEnvironment {
  @IsPostgresUrl()
  DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  CUBE_DB_POOL_MAX = 10;
}

/** Variables of Warden, the member-cluster agent (it keeps no PostgreSQL of its own). */
export class WardenEnvironment extends BaseEnvironment {
  @IsString()
  @IsNotEmpty()
  CUBE_CLUSTER_NAME = 'local';

  /** Seconds between heartbeats (decimals allowed, so tests can beat fast). */
  @Type(() => Number)
  @IsNumber({}, { message: 'CUBE_HEARTBEAT_INTERVAL must be a number of seconds' })
  @Min(0.1)
  @Max(300)
  CUBE_HEARTBEAT_INTERVAL = 5;

  /** Server-side applies and deletes of desired state Warden sends to the member API server at once. */
  @Type(() => Number)
  @IsInt({ message: 'CUBE_WARDEN_APPLY_CONCURRENCY must be a whole number' })
  @Min(1)
  @Max(256)
  CUBE_WARDEN_APPLY_CONCURRENCY = 16;
}

/**
 * Reads and validates the variables a class declares (and only those) from `env`.
 * Throws a ConfigurationError whose message names the first bad variable.
 */
export function loadEnvironment<T extends object>(schema: new () => T, env: NodeJS.ProcessEnv): T {
  const keys = Object.keys(new schema());
  const raw: Record<string, string> = {};
  for (const key of keys) {
    const value = env[key];
    if (value !== undefined && value !== '') raw[key] = value;
  }
  const instance = plainToInstance(schema, raw);
  const [first] = validateSync(instance, { forbidUnknownValues: true });
  if (first) {
    const reason = Object.values(first.constraints ?? {})[0] ?? `${first.property} is invalid`;
    throw new ConfigurationError(`invalid configuration: ${reason}`);
  }
  return instance;
}
