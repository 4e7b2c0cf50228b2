import { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { kubeFailureMessage, RawObjectApi } from '@cube/kube';
import { applyOrder, asManaged, isKubernetesObject } from './desired-object';
import { ReconcilerLogger, WARDEN_FIELD_MANAGER } from './desired-state-reconciler';

/**
 * Applies the desired state Warden last saw (its disk cache) when it starts without NATS: objects
 * deleted or changed in the cluster meanwhile come back as last synced (ARCHITECTURE.md: "keeps RBAC
 * as last synced"). Nothing is pruned: without the control plane Warden cannot tell what is no longer
 * wanted; the full resync after NATS answers does that. Returns how many objects were applied.
 */
export async function applyCachedDesiredState(kubeConfig: KubeConfig, values: unknown[], logger: ReconcilerLogger): Promise<number> {
  const client = RawObjectApi.forConfig(kubeConfig);
  const objects = values.filter(isKubernetesObject).sort((a, b) => applyOrder(a as KubernetesObject) - applyOrder(b as KubernetesObject));
  let applied = 0;
  for (const object of objects) {
    try {
      await client.applyRaw(asManaged(object), WARDEN_FIELD_MANAGER);
      applied += 1;
    } catch (error: unknown) {
      logger.warn(
        { kind: object.kind, name: object.metadata?.name, err: kubeFailureMessage(error) },
        'could not apply a cached desired object',
      );
    }
  }
  logger.log({ objects: applied }, 'desired state applied from the cache');
  return applied;
}
