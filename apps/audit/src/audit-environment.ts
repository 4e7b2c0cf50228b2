import { Type } from 'class-transformer';
import { IsBase64, IsIn, IsInt, IsOptional, IsString, IsUrl, Length, Max, Min } from 'class-validator';
import { DatabaseServiceEnvironment } from '@cube/service-runtime';

/** The audit service's variables on top of a database service's (README configuration table). */
export class AuditEnvironment extends DatabaseServiceEnvironment {
  /** Where records are stored: PostgreSQL (the embedded default) or Elasticsearch. */
  @IsIn(['postgres', 'elasticsearch'])
  AUDIT_STORE: 'postgres' | 'elasticsearch' = 'postgres';

  @IsOptional()
  @IsUrl({ require_tld: false, protocols: ['http', 'https'] }, { message: 'ELASTICSEARCH_URL must be an http:// or https:// URL' })
  ELASTICSEARCH_URL: string | undefined = undefined;

  /** Prefix of the index template, the daily indices and the alias. */
  @IsString()
  AUDIT_ES_INDEX_PREFIX = 'cube-audit';

  /** Daily indices older than this are deleted (0 keeps them forever). */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  AUDIT_RETENTION_DAYS = 0;

  /** Resources (plural, as in RBAC) whose request body is kept; Secret data is redacted regardless. */
  @IsString()
  AUDIT_REQUEST_BODY_RESOURCES = 'configmaps,secrets,rolebindings,clusterrolebindings,resourcequotas';

  /** Records written per store transaction. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(5000)
  AUDIT_BATCH_SIZE = 500;

  /** 32 random bytes, base64: seals the signing keys of outbound webhooks at rest. Unset refuses new webhooks. */
  @IsOptional()
  @IsBase64(undefined, { message: 'CUBE_SECRET_KEY must be base64 (32 random bytes, e.g. openssl rand -base64 32)' })
  @Length(44, 44, { message: 'CUBE_SECRET_KEY must be 32 bytes, base64-encoded (44 characters)' })
  CUBE_SECRET_KEY: string | undefined = undefined;

  /** How long one webhook delivery attempt may take (connect, send, answer). */
  @Type(() => Number)
  @IsInt()
  @Min(100)
  @Max(60_000)
  CUBE_WEBHOOK_TIMEOUT_MS = 5000;

  /** Delay before the first retry of a failed delivery; each further retry doubles it, up to an hour. */
  @Type(() => Number)
  @IsInt()
  @Min(10)
  @Max(3_600_000)
  CUBE_WEBHOOK_RETRY_BASE_MS = 1000;

  /** Attempts of one delivery before it is given up (`failed`). */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  CUBE_WEBHOOK_MAX_ATTEMPTS = 12;

  /** Failed attempts in a row after which a subscription is disabled, with the reason. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  CUBE_WEBHOOK_DISABLE_AFTER = 20;

  /** How often due deliveries are looked for (new events wake the sender at once). */
  @Type(() => Number)
  @IsInt()
  @Min(10)
  @Max(60_000)
  CUBE_WEBHOOK_POLL_MS = 1000;
}
