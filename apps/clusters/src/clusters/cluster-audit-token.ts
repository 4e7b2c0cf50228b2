import { randomBytes } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { KubeConfig, KubernetesObjectApi, V1Secret } from '@kubernetes/client-node';
import { AUDIT_TOKEN_KEY, AUDIT_WEBHOOK_SECRET, AuditSubjects, ClusterTokenBody, CubeError, WARDEN_NAMESPACE } from '@cube/contracts';
import { applyObject, deleteObjectIfPresent, RawObjectApi, withDeadline } from '@cube/kube';
import { ServiceRequester } from '@cube/messaging';

const SYSTEM_ACTOR = { kind: 'system', name: 'cube-clusters' } as const;
/** Field manager of what the control plane applies (as the Warden install does). */
const FIELD_MANAGER = 'cube';

const secretRef = (): V1Secret => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: AUDIT_WEBHOOK_SECRET, namespace: WARDEN_NAMESPACE },
});

/**
 * Each member cluster's native-audit token: the audit service keeps its hash, the member keeps the
 * token in its own Secret `cube-system/cube-audit-webhook` (key `auditToken`), apart from Warden's
 * Secret so that Warden's settings and the operator's audit webhook setup change independently.
 */
@Injectable()
export class ClusterAuditToken {
  private readonly logger = new Logger(ClusterAuditToken.name);

  constructor(private readonly bus: ServiceRequester) {}

  /** A new token, known to the audit service first, then written into the member cluster. */
  async issue(config: KubeConfig, cluster: string, requestId: string): Promise<void> {
    const token = randomBytes(32).toString('base64url');
    const body: ClusterTokenBody = { cluster, token };
    await this.bus.request(AuditSubjects.clusterTokenSet, { actor: SYSTEM_ACTOR, requestId, payload: body });
    const secret: V1Secret = {
      ...secretRef(),
      type: 'Opaque',
      metadata: { ...secretRef().metadata, labels: { 'app.kubernetes.io/managed-by': 'cube' } },
      data: { [AUDIT_TOKEN_KEY]: Buffer.from(token).toString('base64') },
    };
    try {
      await applyObject(RawObjectApi.forConfig(config), secret, FIELD_MANAGER);
    } catch (error: unknown) {
      const reason = error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error);
      throw new CubeError('UNAVAILABLE', `could not write the audit token Secret into cluster "${cluster}": ${reason}`, { cluster });
    }
  }

  /** Best effort on both sides: an unreachable member or a stopped audit service must not block unregistering. */
  async revoke(config: KubeConfig | null, cluster: string, requestId: string, deadlineMs: number): Promise<void> {
    try {
      await this.bus.request(AuditSubjects.clusterTokenDelete, { actor: SYSTEM_ACTOR, requestId, payload: { cluster } });
    } catch (error: unknown) {
      this.logger.warn(
        { cluster, err: error instanceof Error ? error.message : String(error) },
        "could not revoke the cluster's audit token",
      );
    }
    if (!config) return;
    try {
      await withDeadline(
        deleteObjectIfPresent(KubernetesObjectApi.makeApiClient(config), secretRef()),
        deadlineMs,
        'deleting the audit token Secret',
      );
    } catch (error: unknown) {
      this.logger.warn(
        { cluster, err: error instanceof Error ? error.message.split('\n')[0] : String(error) },
        'could not remove the audit token Secret',
      );
    }
  }
}
