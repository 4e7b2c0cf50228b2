import type { V1ConfigMap, V1DaemonSet, V1Deployment, V1Service } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { ComponentDefinition, componentLabels, RESOURCES_SCHEMA, SCHEMA_DEFS } from '../component';
import { clusterReader, namespaceOf, resourcesOf, serviceAccount } from '../workload-parts';

const NAME = 'monitoring';
const VERSION = '1.0.0';
export const MONITORING_NAMESPACE = 'cube-monitoring';
/** The ConfigMap of alert rules Prometheus loads when present (the `alerting` component writes it). */
export const ALERT_RULES_CONFIGMAP = 'cube-alert-rules';
/** Where Prometheus sends alerts when the `alerting` component runs. */
export const ALERTMANAGER_TARGET = `alertmanager.${MONITORING_NAMESPACE}.svc:9093`;

interface Resources {
  requests?: Record<string, string>;
  limits?: Record<string, string>;
}
interface MonitoringValues {
  prometheus: {
    image: string;
    replicas: number;
    retention: string;
    scrapeInterval: string;
    resources: Resources;
    remoteWrite?: { url: string } | null;
  };
  kubeStateMetrics: { image: string; resources: Resources };
  nodeExporter: { image: string; resources: Resources };
}

const imageAndResources = {
  type: 'object',
  additionalProperties: false,
  required: ['image'],
  properties: { image: { $ref: '#/$defs/image' }, resources: RESOURCES_SCHEMA },
};

/**
 * Metrics of the cluster: kube-state-metrics, a node-exporter DaemonSet and a Prometheus server that
 * labels every series with `cluster` (externalLabels) and may remote-write to the platform's
 * central store (ARCHITECTURE.md, Metrics and alerts).
 */
export const monitoring: ComponentDefinition = {
  name: NAME,
  displayName: 'Monitoring',
  description:
    'Prometheus with kube-state-metrics and node-exporter; series carry the cluster name and may be remote-written to a central store.',
  version: VERSION,
  namespace: MONITORING_NAMESPACE,
  valuesSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['prometheus', 'kubeStateMetrics', 'nodeExporter'],
    properties: {
      prometheus: {
        type: 'object',
        additionalProperties: false,
        required: ['image', 'replicas', 'retention', 'scrapeInterval'],
        properties: {
          image: { $ref: '#/$defs/image' },
          replicas: { type: 'integer', minimum: 1, maximum: 5 },
          retention: { type: 'string', pattern: '^[0-9]+(ms|s|m|h|d|w|y)$' },
          scrapeInterval: { type: 'string', pattern: '^[0-9]+(ms|s|m|h)$' },
          resources: RESOURCES_SCHEMA,
          remoteWrite: {
            type: ['object', 'null'],
            additionalProperties: false,
            required: ['url'],
            properties: { url: { type: 'string', pattern: '^https?://[^\\s]+$', maxLength: 2048 } },
          },
        },
      },
      kubeStateMetrics: imageAndResources,
      nodeExporter: imageAndResources,
    },
    $defs: SCHEMA_DEFS,
  },
  defaultValues: {
    prometheus: {
      image: 'quay.io/prometheus/prometheus:v2.54.1',
      replicas: 1,
      retention: '15d',
      scrapeInterval: '30s',
      resources: { requests: { cpu: '200m', memory: '512Mi' } },
      remoteWrite: null,
    },
    kubeStateMetrics: {
      image: 'registry.k8s.io/kube-state-metrics/kube-state-metrics:v2.13.0',
      resources: { requests: { cpu: '50m', memory: '100Mi' } },
    },
    nodeExporter: { image: 'quay.io/prometheus/node-exporter:v1.8.2', resources: { requests: { cpu: '50m', memory: '50Mi' } } },
  },
  build(raw, { cluster }) {
    const values = raw as unknown as MonitoringValues;
    const ns = MONITORING_NAMESPACE;
    const ksmLabels = componentLabels(NAME, 'kube-state-metrics', VERSION);
    const nodeLabels = componentLabels(NAME, 'node-exporter', VERSION);
    const promLabels = componentLabels(NAME, 'prometheus', VERSION);
    const select = (part: string) => ({ 'app.kubernetes.io/name': part });

    const ksmDeployment: V1Deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'kube-state-metrics', namespace: ns, labels: ksmLabels },
      spec: {
        replicas: 1,
        selector: { matchLabels: select('kube-state-metrics') },
        template: {
          metadata: { labels: ksmLabels },
          spec: {
            serviceAccountName: 'kube-state-metrics',
            containers: [
              {
                name: 'kube-state-metrics',
                image: values.kubeStateMetrics.image,
                ports: [{ name: 'http-metrics', containerPort: 8080 }],
                resources: resourcesOf(values.kubeStateMetrics.resources),
              },
            ],
          },
        },
      },
    };
    const nodeExporter: V1DaemonSet = {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'node-exporter', namespace: ns, labels: nodeLabels },
      spec: {
        selector: { matchLabels: select('node-exporter') },
        template: {
          metadata: { labels: nodeLabels },
          spec: {
            hostNetwork: true,
            hostPID: true,
            tolerations: [{ operator: 'Exists' }],
            containers: [
              {
                name: 'node-exporter',
                image: values.nodeExporter.image,
                args: ['--path.rootfs=/host', '--web.listen-address=:9100'],
                ports: [{ name: 'metrics', containerPort: 9100 }],
                resources: resourcesOf(values.nodeExporter.resources),
                volumeMounts: [{ name: 'root', mountPath: '/host', readOnly: true, mountPropagation: 'HostToContainer' }],
              },
            ],
            volumes: [{ name: 'root', hostPath: { path: '/' } }],
          },
        },
      },
    };
    const prometheusConfig = {
      global: { scrape_interval: values.prometheus.scrapeInterval, external_labels: { cluster } },
      rule_files: ['/etc/prometheus/rules/*.yml'],
      alerting: { alertmanagers: [{ static_configs: [{ targets: [ALERTMANAGER_TARGET] }] }] },
      scrape_configs: [
        { job_name: 'kube-state-metrics', static_configs: [{ targets: [`kube-state-metrics.${ns}.svc:8080`] }] },
        {
          job_name: 'node-exporter',
          kubernetes_sd_configs: [{ role: 'endpoints', namespaces: { names: [ns] } }],
          relabel_configs: [{ source_labels: ['__meta_kubernetes_service_name'], regex: 'node-exporter', action: 'keep' }],
        },
        {
          job_name: 'kubelet',
          scheme: 'https',
          kubernetes_sd_configs: [{ role: 'node' }],
          bearer_token_file: '/var/run/secrets/kubernetes.io/serviceaccount/token',
          tls_config: { insecure_skip_verify: true },
        },
      ],
      ...(values.prometheus.remoteWrite ? { remote_write: [{ url: values.prometheus.remoteWrite.url }] } : {}),
    };
    const config: V1ConfigMap = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'prometheus-config', namespace: ns, labels: promLabels },
      data: { 'prometheus.yml': stringify(prometheusConfig) },
    };
    const prometheus: V1Deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'prometheus', namespace: ns, labels: promLabels },
      spec: {
        replicas: values.prometheus.replicas,
        selector: { matchLabels: select('prometheus') },
        template: {
          metadata: { labels: promLabels },
          spec: {
            serviceAccountName: 'prometheus',
            containers: [
              {
                name: 'prometheus',
                image: values.prometheus.image,
                args: [
                  '--config.file=/etc/prometheus/prometheus.yml',
                  '--storage.tsdb.path=/prometheus',
                  `--storage.tsdb.retention.time=${values.prometheus.retention}`,
                  '--web.enable-lifecycle',
                ],
                ports: [{ name: 'web', containerPort: 9090 }],
                resources: resourcesOf(values.prometheus.resources),
                volumeMounts: [
                  { name: 'config', mountPath: '/etc/prometheus/prometheus.yml', subPath: 'prometheus.yml' },
                  { name: 'rules', mountPath: '/etc/prometheus/rules' },
                  { name: 'data', mountPath: '/prometheus' },
                ],
              },
            ],
            volumes: [
              { name: 'config', configMap: { name: 'prometheus-config' } },
              // Optional: the alert rules exist only while the alerting component is enabled.
              { name: 'rules', configMap: { name: ALERT_RULES_CONFIGMAP, optional: true } },
              { name: 'data', emptyDir: {} },
            ],
          },
        },
      },
    };
    const service = (name: string, port: number, labels: Record<string, string>): V1Service => ({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace: ns, labels },
      spec: { selector: select(name), ports: [{ name: 'http', port, targetPort: port }] },
    });
    return [
      namespaceOf(ns, NAME, VERSION),
      serviceAccount(ns, 'kube-state-metrics', ksmLabels),
      ...clusterReader(
        'cube-kube-state-metrics',
        { namespace: ns, name: 'kube-state-metrics' },
        [
          {
            apiGroups: ['', 'apps', 'batch', 'autoscaling', 'policy', 'networking.k8s.io', 'storage.k8s.io'],
            resources: ['*'],
            verbs: ['list', 'watch'],
          },
        ],
        ksmLabels,
      ),
      serviceAccount(ns, 'prometheus', promLabels),
      ...clusterReader(
        'cube-prometheus',
        { namespace: ns, name: 'prometheus' },
        [
          { apiGroups: [''], resources: ['nodes', 'nodes/metrics', 'services', 'endpoints', 'pods'], verbs: ['get', 'list', 'watch'] },
          { nonResourceURLs: ['/metrics'], verbs: ['get'] },
        ],
        promLabels,
      ),
      config,
      service('kube-state-metrics', 8080, ksmLabels),
      service('node-exporter', 9100, nodeLabels),
      service('prometheus', 9090, promLabels),
      ksmDeployment,
      nodeExporter,
      prometheus,
    ];
  },
};
