import { KubernetesObject } from '@kubernetes/client-node';
import {
  QUOTA_WEBHOOK_PATH,
  WARDEN_NAME,
  WARDEN_NAMESPACE,
  WARDEN_STATE_DIR,
  WARDEN_WEBHOOK_PORT,
  WARDEN_WEBHOOK_TLS_SECRET,
  WardenSettings,
} from '@cube/contracts';
import { QUOTA_WEBHOOK_CONFIGURATION, quotaWebhookConfiguration, WARDEN_INSTALL_LABELS, WebhookCertificates } from '@cube/kube';

export interface WardenInstallInput {
  settings: WardenSettings;
  image: string;
  webhook: WebhookCertificates;
}

/** A manifest: any kind, with its own fields beside apiVersion/kind/metadata. */
export type Manifest = KubernetesObject & Record<string, unknown>;

export { QUOTA_WEBHOOK_CONFIGURATION, QUOTA_WEBHOOK_PATH, WARDEN_WEBHOOK_PORT };

// Not `cube.io/managed-by=cube`: that label marks desired state, which Warden's resync may delete.
const labels = WARDEN_INSTALL_LABELS;
const meta = (name: string, namespaced = true) => ({ name, ...(namespaced ? { namespace: WARDEN_NAMESPACE } : {}), labels });
const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

/**
 * Least privilege for Warden: the kinds desired state holds (namespaces, quotas, RBAC), nodes to
 * report capacity. `bind`/`escalate` let it apply the `cube:<role>` ClusterRoles and bindings to
 * them without holding every right those roles grant.
 */
const WARDEN_RULES = [
  {
    apiGroups: [''],
    resources: ['namespaces', 'resourcequotas', 'limitranges'],
    verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'],
  },
  { apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list', 'watch'] },
  {
    apiGroups: ['rbac.authorization.k8s.io'],
    resources: ['roles', 'rolebindings', 'clusterroles', 'clusterrolebindings'],
    verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'bind', 'escalate'],
  },
  // `--webhook-url`: Warden re-points its own quota webhook at a URL (server-side apply is a patch).
  {
    apiGroups: ['admissionregistration.k8s.io'],
    resources: ['validatingwebhookconfigurations'],
    resourceNames: [QUOTA_WEBHOOK_CONFIGURATION],
    verbs: ['get', 'patch'],
  },
];

/** Everything registration installs, in apply order (namespace first); uninstall walks it backwards. */
export function wardenManifests(input: WardenInstallInput): Manifest[] {
  const { settings, webhook } = input;
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: meta(WARDEN_NAMESPACE, false) },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(WARDEN_NAME) },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: meta(WARDEN_NAME, false), rules: WARDEN_RULES },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: meta(WARDEN_NAME, false),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: WARDEN_NAME },
      subjects: [{ kind: 'ServiceAccount', name: WARDEN_NAME, namespace: WARDEN_NAMESPACE }],
    },
    // Its own Secrets (settings, serving certificate, the autonomy cache) and nothing else in the cluster.
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: meta(WARDEN_NAME),
      rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch'] }],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: meta(WARDEN_NAME),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: WARDEN_NAME },
      subjects: [{ kind: 'ServiceAccount', name: WARDEN_NAME, namespace: WARDEN_NAMESPACE }],
    },
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: meta(WARDEN_NAME),
      type: 'Opaque',
      data: { clusterId: b64(settings.clusterId), natsUrl: b64(settings.natsUrl), natsToken: b64(settings.natsToken) },
    },
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: meta(WARDEN_WEBHOOK_TLS_SECRET),
      type: 'kubernetes.io/tls',
      data: { 'tls.crt': b64(webhook.cert), 'tls.key': b64(webhook.key), 'ca.crt': b64(webhook.caCert) },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: meta(WARDEN_NAME),
      spec: {
        selector: { 'app.kubernetes.io/name': WARDEN_NAME },
        ports: [{ name: 'webhooks', port: 443, targetPort: WARDEN_WEBHOOK_PORT }],
      },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: meta(WARDEN_NAME),
      spec: {
        replicas: 1,
        selector: { matchLabels: { 'app.kubernetes.io/name': WARDEN_NAME } },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: WARDEN_NAME,
            // The restricted Pod Security Standard, as the control plane's own pods (deploy/kubernetes).
            securityContext: {
              runAsNonRoot: true,
              runAsUser: 1000,
              runAsGroup: 1000,
              fsGroup: 1000,
              seccompProfile: { type: 'RuntimeDefault' },
            },
            containers: [
              {
                name: 'warden',
                image: input.image,
                args: ['dist/apps/warden/main.js', '--cluster', settings.clusterId, '--state-dir', WARDEN_STATE_DIR],
                ports: [{ name: 'webhooks', containerPort: WARDEN_WEBHOOK_PORT }],
                // The member's kube-apiserver calls the webhooks (fail-closed), and they answer from the
                // cache even while NATS is away: a Pod is ready, and alive, when its webhook port accepts.
                startupProbe: { tcpSocket: { port: 'webhooks' }, periodSeconds: 2, failureThreshold: 60 },
                livenessProbe: { tcpSocket: { port: 'webhooks' }, periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 },
                readinessProbe: { tcpSocket: { port: 'webhooks' }, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 2 },
                resources: { requests: { cpu: '50m', memory: '128Mi' }, limits: { cpu: '500m', memory: '384Mi' } },
                securityContext: {
                  allowPrivilegeEscalation: false,
                  readOnlyRootFilesystem: true,
                  privileged: false,
                  capabilities: { drop: ['ALL'] },
                },
                volumeMounts: [
                  { name: 'webhook-tls', mountPath: '/var/run/cube/webhook', readOnly: true },
                  { name: 'state', mountPath: WARDEN_STATE_DIR },
                  { name: 'tmp', mountPath: '/tmp' },
                ],
              },
            ],
            // The autonomy cache (JWKS, API-token verifiers, ledger, desired state) outlives container
            // restarts in the emptyDir; a rescheduled Pod starts empty and needs NATS once.
            volumes: [
              { name: 'webhook-tls', secret: { secretName: WARDEN_WEBHOOK_TLS_SECRET } },
              { name: 'state', emptyDir: {} },
              { name: 'tmp', emptyDir: { sizeLimit: '64Mi' } },
            ],
          },
        },
      },
    },
    // By Service reference: Warden in its Pod. A Warden run outside the cluster re-points it at its URL.
    quotaWebhookConfiguration({ service: true }, webhook.caCert),
  ];
}
