import { KubernetesObject } from '@kubernetes/client-node';
import { QUOTA_WEBHOOK_PATH, WARDEN_NAME, WARDEN_NAMESPACE } from '@cube/contracts';

/** Field manager of what the control plane installs in a member cluster (Warden applies desired state as `cube-warden`). */
export const CUBE_FIELD_MANAGER = 'cube';
/** The ValidatingWebhookConfiguration registration installs and Warden re-points when it runs outside the cluster. */
export const QUOTA_WEBHOOK_CONFIGURATION = 'cube-warden-quota';
/** Labels of everything registration installs (not `cube.io/managed-by`: that marks desired state, which Warden prunes). */
export const WARDEN_INSTALL_LABELS = { 'app.kubernetes.io/name': WARDEN_NAME, 'app.kubernetes.io/part-of': 'cube' };

/**
 * Where the member kube-apiserver reaches Warden's webhooks: the `cube-system/cube-warden` Service
 * when Warden runs in its Pod, or a URL (`https://127.0.0.1:<port>` when it runs outside the
 * cluster with a kubeconfig; a Service with no endpoints would fail every call).
 */
export type WardenWebhookTarget = { service: true } | { url: string };

/**
 * The quota webhook on ResourceQuota CREATE/UPDATE in Cube's namespaces, built in one place so that
 * registration (manager `cube`) and Warden re-pointing it by URL apply the same object: under the
 * same manager a server-side apply that names `url` instead of `service` removes `service`.
 */
export function quotaWebhookConfiguration(target: WardenWebhookTarget, caCert: string): KubernetesObject & Record<string, unknown> {
  const clientConfig =
    'url' in target
      ? { url: `${target.url.replace(/\/+$/, '')}${QUOTA_WEBHOOK_PATH}` }
      : { service: { namespace: WARDEN_NAMESPACE, name: WARDEN_NAME, path: QUOTA_WEBHOOK_PATH, port: 443 } };
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingWebhookConfiguration',
    metadata: { name: QUOTA_WEBHOOK_CONFIGURATION, labels: WARDEN_INSTALL_LABELS },
    webhooks: [
      {
        name: 'resourcequotas.warden.cube.io',
        admissionReviewVersions: ['v1'],
        sideEffects: 'None',
        // Warden serves it (from its cache when the control plane is away): a failed call refuses
        // the write, so the tenant invariant cannot lapse while Warden is down. The
        // namespaceSelector keeps that outage from blocking quotas outside Cube's namespaces.
        failurePolicy: 'Fail',
        timeoutSeconds: 5,
        clientConfig: { ...clientConfig, caBundle: Buffer.from(caCert, 'utf8').toString('base64') },
        rules: [
          { apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['resourcequotas'], scope: 'Namespaced' },
        ],
        // Only Cube-managed namespaces: those tenancy labels with their tenant.
        namespaceSelector: { matchExpressions: [{ key: 'cube.io/tenant', operator: 'Exists' }] },
      },
    ],
  };
}
