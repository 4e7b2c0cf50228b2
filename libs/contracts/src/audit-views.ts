import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { AUDIT_SOURCES, AuditEntry, AuditSource, AuditTrail, AuditVerifyReply } from './audit';

// Response classes of the audit API for the OpenAPI document; the interfaces in audit.ts stay the contract on the bus.

export class AuditActorView {
  @ApiProperty() user!: string;
  @ApiProperty({ type: String, isArray: true }) groups!: string[];
  @ApiProperty({ type: String, nullable: true }) sourceIP!: string | null;
  @ApiProperty({ type: String, nullable: true }) userAgent!: string | null;
}

export class AuditTargetView {
  @ApiProperty({ type: String, nullable: true }) cluster!: string | null;
  @ApiProperty({ type: String, nullable: true }) namespace!: string | null;
  @ApiProperty({ type: String, nullable: true }) resource!: string | null;
  @ApiProperty({ type: String, nullable: true }) name!: string | null;
  @ApiProperty({ type: String, nullable: true }) apiGroup!: string | null;
}

export class AuditOutcomeView {
  @ApiProperty({ enum: ['success', 'failure'] }) status!: 'success' | 'failure';
  @ApiProperty({ type: Number, nullable: true, description: 'HTTP status of a Kubernetes request' }) code!: number | null;
  @ApiProperty({ type: String, nullable: true }) reason!: string | null;
}

/** One audit record (`AuditEntry`). */
export class AuditEntryView implements AuditEntry {
  @ApiProperty() id!: string;
  @ApiProperty({ format: 'date-time' }) time!: string;
  @ApiProperty({ enum: AUDIT_SOURCES }) source!: AuditSource;
  @ApiProperty({ type: AuditActorView }) actor!: AuditActorView;
  @ApiProperty({ description: '`user.create` for Cube operations, the verb (`create`, `patch`, …) for Kubernetes requests' })
  action!: string;
  @ApiProperty({ type: AuditTargetView }) target!: AuditTargetView;
  @ApiProperty({ type: String, nullable: true }) requestId!: string | null;
  @ApiProperty({ type: AuditOutcomeView }) outcome!: AuditOutcomeView;
  @ApiProperty({ type: Number, nullable: true }) latencyMs!: number | null;
  @ApiProperty({ description: 'the request body as recorded (secrets redacted); any JSON value or null' }) requestBody!: unknown;
  @ApiPropertyOptional({
    description:
      "on a member's own audit event of a request Cube's proxy forwarded: the Cube request id it carried (user extra `cube-request-id`), the `requestId` of the platform record",
  })
  platformRequestId?: string;
  @ApiProperty({ description: 'hash of the previous record of the same day (64 zeros for the first)' }) prevHash!: string;
  @ApiProperty({ description: 'SHA-256 over prevHash and the canonical JSON of every other field' }) hash!: string;
}

/** `GET /api/v1/audit/events/{id}`. */
export class AuditTrailView implements AuditTrail {
  @ApiProperty({ type: AuditEntryView }) record!: AuditEntryView;
  @ApiProperty({
    type: AuditEntryView,
    isArray: true,
    description:
      "the same request on the other side of the proxy, oldest first: for a platform record the member's own audit events that carried its request id, for such a member event the platform record; only records the caller may see",
  })
  linked!: AuditEntryView[];
}

export class AuditBrokenLinkView {
  @ApiProperty() id!: string;
  @ApiProperty({ format: 'date-time' }) time!: string;
  @ApiProperty({ format: 'date' }) day!: string;
  @ApiProperty() reason!: string;
}

/** `GET /api/v1/audit/verify`. */
export class AuditVerifyView implements AuditVerifyReply {
  @ApiProperty() ok!: boolean;
  @ApiProperty({ description: 'records checked' }) checked!: number;
  @ApiPropertyOptional({ type: AuditBrokenLinkView, description: 'the first record whose hash does not match' })
  firstBroken?: AuditBrokenLinkView;
}

/** Reply to a member cluster's audit webhook. */
export class K8sAuditAcceptedView {
  @ApiProperty({ description: 'events put on the audit stream' }) accepted!: number;
}
