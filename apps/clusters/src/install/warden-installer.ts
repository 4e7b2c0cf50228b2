import { Injectable, Logger } from '@nestjs/common';
import { KubeConfig, KubernetesObjectApi } from '@kubernetes/client-node';
import { CubeError, WARDEN_NAME, WARDEN_NAMESPACE, WardenSettings } from '@cube/contracts';
import {
  applyObject,
  classifyKubeCallFailure,
  CUBE_FIELD_MANAGER,
  deleteObjectIfPresent,
  makeWebhookCertificates,
  PooledKubeConfig,
  RawObjectApi,
  withDeadline,
} from '@cube/kube';
import { wardenManifests } from './warden-manifests';

export { CUBE_FIELD_MANAGER };

/**
 * Installs Warden into a member cluster by server-side apply (field manager `cube`), so running it
 * again converges instead of failing, and removes it again on unregister.
 */
@Injectable()
export class WardenInstaller {
  private readonly logger = new Logger(WardenInstaller.name);

  async install(config: KubeConfig, settings: WardenSettings, image: string): Promise<void> {
    // `localhost` too: kube-apiserver resolves its TokenReview webhook's host with the node's DNS, not
    // the cluster's, so operators often reach Warden through a hostPort or port-forward on the node.
    const webhook = await makeWebhookCertificates([
      `${WARDEN_NAME}.${WARDEN_NAMESPACE}.svc`,
      `${WARDEN_NAME}.${WARDEN_NAMESPACE}.svc.cluster.local`,
      'localhost',
    ]);
    // One kept-alive connection for the whole install: client-node opens a TLS connection per request.
    const pooled = PooledKubeConfig.from(config, 1);
    const client = RawObjectApi.forConfig(pooled);
    try {
      for (const object of wardenManifests({ settings, image, webhook })) {
        try {
          await applyObject(client, object, CUBE_FIELD_MANAGER);
        } catch (error: unknown) {
          const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
          throw new CubeError(
            'UNAVAILABLE',
            `could not install Warden: applying ${object.kind} ${object.metadata?.name ?? ''} failed: ${reason}`,
            {
              cluster: settings.clusterId,
              kind: object.kind,
            },
          );
        }
      }
    } finally {
      pooled.destroy();
    }
  }

  /** Best effort: a cluster that cannot be reached any more must still be removable from Cube. */
  async uninstall(config: KubeConfig, clusterId: string, deadlineMs = 10_000): Promise<boolean> {
    const client = KubernetesObjectApi.makeApiClient(config);
    const placeholder: WardenSettings = { clusterId, natsUrl: '', natsToken: '' };
    const objects = wardenManifests({ settings: placeholder, image: '', webhook: { caCert: '', cert: '', key: '' } }).reverse();
    let complete = true;
    for (const object of objects) {
      try {
        const ref = {
          apiVersion: object.apiVersion,
          kind: object.kind,
          metadata: { name: object.metadata?.name, namespace: object.metadata?.namespace },
        };
        await withDeadline(deleteObjectIfPresent(client, ref), deadlineMs, `deleting ${object.kind}`);
      } catch (error: unknown) {
        complete = false;
        this.logger.warn(
          { cluster: clusterId, kind: object.kind, err: error instanceof Error ? error.message.split('\n')[0] : String(error) },
          'could not remove a Warden object',
        );
        // A cluster that cannot be reached or refuses the credential will not answer the next call either.
        if (['unreachable', 'tls-failure', 'unauthorized'].includes(classifyKubeCallFailure(error))) break;
      }
    }
    return complete;
  }
}
