import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { IsArray, IsString, Matches, MaxLength } from 'class-validator';
import {
  AuditEntry,
  AuditEventRef,
  AuditQuery,
  AuditSubjects,
  AuditTrail,
  AuditVerifyQuery,
  AuditVerifyReply,
  ClusterTokenBody,
  CubeError,
  Page,
} from '@cube/contracts';
import { Actor, AuditPublisher, RequestId } from '@cube/messaging';
import { SERVICE_ENVIRONMENT } from '@cube/service-runtime';
import { AuditEnvironment } from '../audit-environment';
import { ClusterTokensRepository } from '../clusters/cluster-tokens.repository';
import { fromK8sEvent, isK8sAuditEvent } from '../records/normalise';
import { AUDIT_STORE, AuditStore, auditTrail } from '../store/audit-store';
import { AuditVisibilityPolicy } from './audit-visibility';

class K8sIngestPayload {
  @IsString() @Matches(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/) cluster!: string;
  @IsString() @MaxLength(512) token!: string;
  @IsArray() events!: unknown[];
}

class ClusterNamePayload {
  @IsString() @Matches(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/) cluster!: string;
}

@Controller()
export class AuditHandler {
  private readonly bodyResources: ReadonlySet<string>;

  constructor(
    @Inject(AUDIT_STORE) private readonly store: AuditStore,
    private readonly visibility: AuditVisibilityPolicy,
    private readonly tokens: ClusterTokensRepository,
    private readonly publisher: AuditPublisher,
    @Inject(SERVICE_ENVIRONMENT) env: AuditEnvironment,
  ) {
    this.bodyResources = new Set(
      env.AUDIT_REQUEST_BODY_RESOURCES.split(',')
        .map((resource) => resource.trim())
        .filter(Boolean),
    );
  }

  @MessagePattern(AuditSubjects.eventList)
  async list(@Payload('payload') query: AuditQuery, @Actor() actor: Actor, @RequestId() requestId: string): Promise<Page<AuditEntry>> {
    const { limit, cursor, ...filters } = query;
    const visibility = await this.visibility.visibilityFor(actor, requestId);
    return this.store.query({ ...filters, visibility }, limit ?? 50, cursor ?? null);
  }

  /** One record with the same request on the other side of the proxy; 404 (never 403) for a record the caller may not see. */
  @MessagePattern(AuditSubjects.eventGet)
  async get(@Payload('payload') { id }: AuditEventRef, @Actor() actor: Actor, @RequestId() requestId: string): Promise<AuditTrail> {
    const visibility = await this.visibility.visibilityFor(actor, requestId);
    const trail = await auditTrail(this.store, id, visibility);
    if (!trail) throw new CubeError('NOT_FOUND', `no audit record "${id}"`);
    return trail;
  }

  @MessagePattern(AuditSubjects.verify)
  async verify(
    @Payload('payload') { from, to }: AuditVerifyQuery,
    @Actor() actor: Actor,
    @RequestId() requestId: string,
  ): Promise<AuditVerifyReply> {
    const visibility = await this.visibility.visibilityFor(actor, requestId);
    if (!visibility.all) throw new CubeError('FORBIDDEN', 'only platform admins may verify the audit trail');
    return this.store.verify(from ? new Date(from) : null, to ? new Date(to) : null);
  }

  /** Native audit from a member's webhook: authenticated by the cluster's token, then onto the stream like any record. */
  @MessagePattern(AuditSubjects.k8sIngest)
  async ingestK8s(@Payload('payload') { cluster, token, events }: K8sIngestPayload): Promise<{ accepted: number }> {
    if (!(await this.tokens.matches(cluster, token))) {
      throw new CubeError('UNAUTHENTICATED', 'unknown cluster or wrong audit token', { cluster });
    }
    const records = events.filter(isK8sAuditEvent).map((event) => fromK8sEvent(cluster, event, this.bodyResources));
    for (let i = 0; i < records.length; i += 100) {
      await Promise.all(records.slice(i, i + 100).map((record) => this.publisher.record(record)));
    }
    return { accepted: records.length };
  }

  @MessagePattern(AuditSubjects.clusterTokenSet)
  async setClusterToken(@Payload('payload') { cluster, token }: ClusterTokenBody, @Actor() actor: Actor): Promise<null> {
    this.requireSystem(actor);
    await this.tokens.set(cluster, token);
    return null;
  }

  @MessagePattern(AuditSubjects.clusterTokenDelete)
  async deleteClusterToken(@Payload('payload') { cluster }: ClusterNamePayload, @Actor() actor: Actor): Promise<null> {
    this.requireSystem(actor);
    await this.tokens.delete(cluster);
    return null;
  }

  private requireSystem(actor: Actor): void {
    if (actor.kind !== 'system') throw new CubeError('FORBIDDEN', 'cluster audit tokens are set by Cube components only');
  }
}
