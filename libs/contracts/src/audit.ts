import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsISO8601, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';

/**
 * Request-reply subjects of the audit service (payloads inside an Envelope).
 *
 * Cluster tokens: the clusters service calls `clusterTokenSet` with a system actor when it registers
 * a member cluster (and `clusterTokenDelete` when it removes one); the member's kube-apiserver audit
 * webhook then authenticates to `POST /api/v1/audit/clusters/{cluster}/k8s` with that token
 * (`Authorization: Bearer <token>`, or Basic with the token as password, which a webhook URL with
 * user info sends). Only the SHA-256 of the token is stored.
 */
export const AuditSubjects = {
  eventList: 'cube.audit.event.list', // AuditQuery → Page<AuditEntry>
  eventGet: 'cube.audit.event.get', // { id } → AuditTrail (404 when the caller may not see the record)
  verify: 'cube.audit.chain.verify', // { from?, to? } → AuditVerifyReply
  k8sIngest: 'cube.audit.k8s.ingest', // K8sAuditIngest → { accepted }
  clusterTokenSet: 'cube.audit.cluster-token.set', // { cluster, token } → null (system actors only)
  clusterTokenDelete: 'cube.audit.cluster-token.delete', // { cluster } → null (system actors only)
} as const;

export const AUDIT_SOURCES = ['cube', 'kubernetes'] as const;
export type AuditSource = (typeof AUDIT_SOURCES)[number];

/** The one stored shape of an audit record, for Cube's own operations and native Kubernetes audit alike. */
export interface AuditEntry {
  id: string;
  time: string;
  source: AuditSource;
  actor: { user: string; groups: string[]; sourceIP: string | null; userAgent: string | null };
  /** `user.create` for Cube operations, the verb (`create`, `patch`, …) for Kubernetes requests. */
  action: string;
  target: {
    cluster: string | null;
    namespace: string | null;
    resource: string | null;
    name: string | null;
    apiGroup: string | null;
  };
  requestId: string | null;
  outcome: { status: 'success' | 'failure'; code: number | null; reason: string | null };
  latencyMs: number | null;
  requestBody: unknown;
  /**
   * On a member's own audit event of a request Cube's proxy forwarded: the Cube request id it carried
   * (user extra `cube-request-id`), which is the `requestId` of the platform record. Absent otherwise
   * (absent, not null, so records stored before it existed keep their hashes).
   */
  platformRequestId?: string;
  /** Hash of the previous record of the same day's chain (64 zeros for the first of a day). */
  prevHash: string;
  /** SHA-256 over prevHash and the canonical JSON of every other field. */
  hash: string;
}

/**
 * `GET /api/v1/audit/events/{id}`: the record, and the records of the same request on the other side
 * of the proxy — for a platform record, the member's own audit events that carried its request id;
 * for such a member event, the platform record(s) of that request. Only records the caller may see.
 */
export interface AuditTrail {
  record: AuditEntry;
  linked: AuditEntry[];
}

export interface AuditVerifyReply {
  ok: boolean;
  checked: number;
  firstBroken?: { id: string; time: string; day: string; reason: string };
}

/** What the gateway forwards from a member's audit webhook. */
export interface K8sAuditIngest {
  cluster: string;
  token: string;
  /** `items` of an `audit.k8s.io/v1` EventList. */
  events: unknown[];
}

/** Filters of `GET /api/v1/audit/events` and its export (API.md). */
export class AuditQuery {
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(256) user?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(253) cluster?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(253) namespace?: string;
  @ApiPropertyOptional({ description: 'e.g. secrets, deployments, User' }) @IsOptional() @IsString() @MaxLength(253) resource?: string;
  @ApiPropertyOptional({ description: 'Kubernetes verb or Cube action (user.create)' })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  verb?: string;
  @ApiPropertyOptional({ enum: ['success', 'failure'] }) @IsOptional() @IsIn(['success', 'failure']) outcome?: 'success' | 'failure';
  @ApiPropertyOptional({ enum: AUDIT_SOURCES }) @IsOptional() @IsIn(AUDIT_SOURCES) source?: AuditSource;
  @ApiPropertyOptional({ format: 'date-time' }) @IsOptional() @IsISO8601() from?: string;
  @ApiPropertyOptional({ format: 'date-time' }) @IsOptional() @IsISO8601() to?: string;
  @ApiPropertyOptional({ description: 'free text' }) @IsOptional() @IsString() @MaxLength(256) q?: string;
  @ApiPropertyOptional({ default: 50, maximum: 500 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(500) limit?: number;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(512) cursor?: string;
}

/** Payload of `eventGet`. */
export class AuditEventRef {
  @IsString() @MaxLength(512) id!: string;
}

export class AuditVerifyQuery {
  @ApiPropertyOptional({ format: 'date-time' }) @IsOptional() @IsISO8601() from?: string;
  @ApiPropertyOptional({ format: 'date-time' }) @IsOptional() @IsISO8601() to?: string;
}

export class AuditExportQuery extends AuditQuery {
  @ApiPropertyOptional({ enum: ['csv', 'ndjson'], default: 'ndjson' }) @IsOptional() @IsIn(['csv', 'ndjson']) format?: 'csv' | 'ndjson';
}

/** Payload of `clusterTokenSet`. */
export class ClusterTokenBody {
  @IsString() @Matches(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/) cluster!: string;
  @IsString() @MaxLength(512) token!: string;
}
