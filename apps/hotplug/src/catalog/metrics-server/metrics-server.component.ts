import type { KubernetesObject, V1Deployment, V1RoleBinding, V1Service } from '@kubernetes/client-node';
import { ComponentDefinition, componentLabels, RESOURCES_SCHEMA, SCHEMA_DEFS } from '../component';
import { clusterReader, resourcesOf, serviceAccount } from '../workload-parts';

const NAME = 'metrics-server';
const VERSION = '0.7.2';
const NAMESPACE = 'kube-system';

interface MetricsServerValues {
  image: string;
  replicas: number;
  resources: { requests?: Record<string, string>; limits?: Record<string, string> };
  kubeletInsecureTLS: boolean;
}

/** The resource metrics API (`kubectl top`, HPA): the upstream components.yaml of v0.7.2, typed. */
export const metricsServer: ComponentDefinition = {
  name: NAME,
  displayName: 'Metrics Server',
  description: 'Resource metrics API (metrics.k8s.io) for kubectl top and autoscaling.',
  version: VERSION,
  namespace: NAMESPACE,
  valuesSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['image', 'replicas'],
    properties: {
      image: { $ref: '#/$defs/image' },
      replicas: { type: 'integer', minimum: 1, maximum: 10 },
      resources: RESOURCES_SCHEMA,
      kubeletInsecureTLS: { type: 'boolean' },
    },
    $defs: SCHEMA_DEFS,
  },
  defaultValues: {
    image: `registry.k8s.io/metrics-server/metrics-server:v${VERSION}`,
    replicas: 1,
    resources: { requests: { cpu: '100m', memory: '200Mi' } },
    kubeletInsecureTLS: false,
  },
  build(raw) {
    const values = raw as unknown as MetricsServerValues;
    const labels = componentLabels(NAME, NAME, VERSION);
    const selector = { 'app.kubernetes.io/name': NAME };
    const authReader: V1RoleBinding = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'metrics-server-auth-reader', namespace: NAMESPACE, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'extension-apiserver-authentication-reader' },
      subjects: [{ kind: 'ServiceAccount', name: NAME, namespace: NAMESPACE }],
    };
    const service: V1Service = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: NAME, namespace: NAMESPACE, labels },
      spec: { selector, ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 'https' }] },
    };
    const args = [
      '--cert-dir=/tmp',
      '--secure-port=10250',
      '--kubelet-preferred-address-types=InternalIP,ExternalIP,Hostname',
      '--kubelet-use-node-status-port',
      '--metric-resolution=15s',
    ];
    if (values.kubeletInsecureTLS) args.push('--kubelet-insecure-tls');
    const deployment: V1Deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: NAME, namespace: NAMESPACE, labels },
      spec: {
        replicas: values.replicas,
        selector: { matchLabels: selector },
        template: {
          metadata: { labels: { ...labels, ...selector } },
          spec: {
            serviceAccountName: NAME,
            priorityClassName: 'system-cluster-critical',
            containers: [
              {
                name: NAME,
                image: values.image,
                args,
                ports: [{ name: 'https', containerPort: 10250, protocol: 'TCP' }],
                resources: resourcesOf(values.resources),
                securityContext: { readOnlyRootFilesystem: true, runAsNonRoot: true, runAsUser: 1000, allowPrivilegeEscalation: false },
              },
            ],
          },
        },
      },
    };
    const apiService: KubernetesObject & { spec: Record<string, unknown> } = {
      apiVersion: 'apiregistration.k8s.io/v1',
      kind: 'APIService',
      metadata: { name: 'v1beta1.metrics.k8s.io', labels },
      spec: {
        group: 'metrics.k8s.io',
        version: 'v1beta1',
        service: { name: NAME, namespace: NAMESPACE },
        insecureSkipTLSVerify: true,
        groupPriorityMinimum: 100,
        versionPriority: 100,
      },
    };
    return [
      serviceAccount(NAMESPACE, NAME, labels),
      ...clusterReader(
        'system:metrics-server',
        { namespace: NAMESPACE, name: NAME },
        [
          { apiGroups: [''], resources: ['nodes/metrics'], verbs: ['get'] },
          { apiGroups: [''], resources: ['pods', 'nodes'], verbs: ['get', 'list', 'watch'] },
        ],
        labels,
      ),
      authReader,
      service,
      deployment,
      apiService,
    ];
  },
};
