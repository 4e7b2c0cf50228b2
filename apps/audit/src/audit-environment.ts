import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, IsUrl, Max, Min } from 'class-validator';
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
}
