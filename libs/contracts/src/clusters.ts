import type { ComponentReport } from './hotplug';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { eventSubject } from './events';
import { DNS_LABEL, DNS_LABEL_MESSAGE } from './identity-dto';
import { OptionalDescription, OptionalDisplayName } from './dto-fields';

/**
 * Request-reply subjects of the clusters service (payloads inside an Envelope), and the subjects
 * Warden uses to talk to the control plane.
 */
export const ClustersSubjects = {
  register: 'cube.clusters.cluster.register', // RegisterClusterBody → ClusterView
  list: 'cube.clusters.cluster.list', // { limit?, cursor? } → Page<ClusterView>
  get: 'cube.clusters.cluster.get', // { name } → ClusterView
  unregister: 'cube.clusters.cluster.unregister', // { name } → null
  update: 'cube.clusters.cluster.update', // { name, body: UpdateClusterBody } → ClusterView
  /** Gateway only (system actor `gateway`): { name } → ClusterConnection, for the native API proxy. */
  connection: 'cube.clusters.cluster.connection',
  /** Warden → clusters, core NATS (at most once: a lost heartbeat is replaced by the next). */
  heartbeat: (clusterId: string) => `cube.clusters.${clusterId}.heartbeat` as const,
  heartbeatWildcard: 'cube.clusters.*.heartbeat',
} as const;

/**
 * Events after which what the gateway's proxy cached about a cluster (credentials, CA, keep-alive
 * connections, status) is stale. `updated` and `deleted` are published by the cluster update and
 * delete endpoints; a subscriber to a subject nobody publishes on yet simply hears nothing.
 */
export const ClusterEventSubjects = {
  registered: eventSubject('clusters', 'cluster', 'registered'),
  unregistered: eventSubject('clusters', 'cluster', 'unregistered'),
  statusChanged: eventSubject('clusters', 'cluster', 'status-changed'),
  updated: eventSubject('clusters', 'cluster', 'updated'),
  deleted: eventSubject('clusters', 'cluster', 'deleted'),
} as const;

export const CLUSTER_STATUSES = ['pending', 'normal', 'abnormal', 'unreachable'] as const;
export type ClusterStatus = (typeof CLUSTER_STATUSES)[number];

/**
 * Why a kubeconfig was refused (422 `details.reason`), one value per cause so clients can tell
 * them apart: the file itself, the network, TLS trust, the credential, the credential's rights.
 */
export const CLUSTER_CONNECTION_FAILURES = [
  'invalid-kubeconfig',
  'unreachable',
  'tls-failure',
  'unauthorized',
  'insufficient-permissions',
] as const;
export type ClusterConnectionFailure = (typeof CLUSTER_CONNECTION_FAILURES)[number];

export class RegisterClusterBody {
  @ApiProperty({ example: 'member-a', pattern: DNS_LABEL.source })
  @Matches(DNS_LABEL, { message: DNS_LABEL_MESSAGE })
  name!: string;

  @OptionalDisplayName()
  displayName?: string;

  @OptionalDescription()
  description?: string;

  @ApiProperty({
    description:
      'kubeconfig (YAML or JSON) of an identity allowed to manage namespaces, RBAC and webhooks; stored encrypted, never returned',
  })
  @IsString()
  @MinLength(1)
  @MaxLength(256 * 1024)
  kubeconfig!: string;
}

/**
 * `PATCH /api/v1/clusters/{cluster}`: a new kubeconfig is checked by connecting exactly as at
 * registration (same 422 reasons) before anything is stored.
 */
export class UpdateClusterBody {
  @OptionalDisplayName()
  displayName?: string;

  @OptionalDescription()
  description?: string;

  @ApiPropertyOptional({ description: 'replacement kubeconfig (YAML or JSON); stored encrypted, never returned' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(256 * 1024)
  kubeconfig?: string;
}

/** ResourceQuota usage of one namespace, as Warden saw it. */
export interface NamespaceQuotaUsage {
  namespace: string;
  hard: Record<string, string>;
  used: Record<string, string>;
}

/** An object Warden could not apply or delete, reported until it succeeds. */
export interface SyncError {
  key: string;
  /** What went wrong in the API server's own words (its `Status` message), prefixed by the action. */
  message: string;
  /** The API server's `Status.reason` (`Invalid`, `InternalError` …), when it answered. */
  reason?: string;
  /** HTTP status of the API server's answer, when it answered. */
  status?: number;
  attempts: number;
}

export class SyncErrorView implements SyncError {
  @ApiProperty({ description: 'desired-state key of the object' }) key!: string;
  @ApiProperty() message!: string;
  @ApiProperty({ required: false }) reason?: string;
  @ApiProperty({ required: false }) status?: number;
  @ApiProperty() attempts!: number;
}

/** What Warden reports every few seconds on `cube.clusters.<id>.heartbeat`. */
export interface ClusterHeartbeat {
  clusterId: string;
  wardenVersion: string;
  kubernetesVersion: string;
  nodes: number;
  /** Sum of the nodes' allocatable resources (cpu, memory, pods …) as Kubernetes quantities. */
  capacity: Record<string, string>;
  quotas: NamespaceQuotaUsage[];
  syncErrors: SyncError[];
  /** Last desired-state revision Warden applied, 0 before the first. */
  appliedRevision: number;
  /** Per optional component (hotplug) in the desired state: applied/failed objects and workload readiness. */
  components?: ComponentReport[];
  at: string;
}

export interface ClusterView {
  name: string;
  displayName: string;
  description: string;
  status: ClusterStatus;
  kubernetesVersion: string | null;
  nodes: number | null;
  lastHeartbeat: string | null;
  wardenVersion: string | null;
  capacity: Record<string, string>;
  /** Quota allocated to tenants in this cluster (from the ResourceQuotas Warden reports). */
  allocated: Record<string, string>;
  syncErrors: SyncError[];
  createdAt: string;
  version: number;
}

export class ClusterItemView implements ClusterView {
  @ApiProperty() name!: string;
  @ApiProperty() displayName!: string;
  @ApiProperty() description!: string;
  @ApiProperty({ enum: CLUSTER_STATUSES }) status!: ClusterStatus;
  @ApiProperty({ nullable: true, type: String }) kubernetesVersion!: string | null;
  @ApiProperty({ nullable: true, type: Number }) nodes!: number | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) lastHeartbeat!: string | null;
  @ApiProperty({ nullable: true, type: String }) wardenVersion!: string | null;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } }) capacity!: Record<string, string>;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } }) allocated!: Record<string, string>;
  @ApiProperty({ type: [SyncErrorView] }) syncErrors!: SyncError[];
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty() version!: number;
}

/** A value sealed with AES-256-GCM under `CUBE_SECRET_KEY` (the shape `SecretBox` produces). */
export interface SealedSecret {
  sealed: 'aes-256-gcm';
  iv: string;
  tag: string;
  data: string;
}

/** What is inside `ClusterConnection.credentials` once opened: only what the proxy needs. */
export interface ProxyCredentials {
  kubeconfig: string;
}

/**
 * How the gateway reaches a member's kube-apiserver. The credentials stay sealed on the bus (sealed
 * afresh with only the kubeconfig in them); the gateway opens them with the same key, named by `keyId`.
 */
export interface ClusterConnection {
  name: string;
  status: ClusterStatus;
  /** The kube-apiserver URL of the kubeconfig's current context. */
  server: string;
  version: number;
  credentials: SealedSecret;
  keyId: string;
}

/**
 * Keys of the `cube-system/cube-warden` Secret registration installs: everything a Warden needs to
 * reach the control plane, read the same way in the cluster and by `npm run warden` on a laptop.
 */
export const WARDEN_NAMESPACE = 'cube-system';
export const WARDEN_NAME = 'cube-warden';
export const WARDEN_WEBHOOK_TLS_SECRET = 'cube-warden-webhook-tls';
/**
 * The member's native-audit token: registration creates it (the audit service keeps its hash) and
 * writes it under this key of its own Secret `cube-system/cube-audit-webhook`, where the cluster's
 * operator reads it for the kube-apiserver audit webhook; unregistration removes both.
 */
export const AUDIT_WEBHOOK_SECRET = 'cube-audit-webhook';
export const AUDIT_TOKEN_KEY = 'auditToken';
export interface WardenSettings {
  clusterId: string;
  natsUrl: string;
  /** Per-cluster credential for NATS (token auth); empty when the NATS server has no auth. */
  natsToken: string;
}
