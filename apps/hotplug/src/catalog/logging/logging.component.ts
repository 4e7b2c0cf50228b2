import type { V1ConfigMap, V1DaemonSet } from '@kubernetes/client-node';
import { ComponentDefinition, componentLabels, RESOURCES_SCHEMA, SCHEMA_DEFS } from '../component';
import { clusterReader, namespaceOf, resourcesOf, serviceAccount } from '../workload-parts';

const NAME = 'logging';
const VERSION = '1.0.0';
const NAMESPACE = 'cube-logging';

interface LoggingValues {
  image: string;
  resources: { requests?: Record<string, string>; limits?: Record<string, string> };
  elasticsearch: { host: string; port: number; tls: boolean; indexPrefix: string };
}

/** Fluent Bit's classic config: one section per block, `Key Value` lines, fixed order (deterministic). */
function section(name: string, entries: [string, string | number][]): string {
  return [`[${name}]`, ...entries.map(([key, value]) => `    ${key} ${value}`)].join('\n');
}

/**
 * Container logs of every node to Elasticsearch: a Fluent Bit DaemonSet tailing
 * /var/log/containers, enriched by the kubernetes filter (namespace, pod) and a `cluster` field.
 */
export const logging: ComponentDefinition = {
  name: NAME,
  displayName: 'Logging',
  description: 'Fluent Bit on every node, shipping container logs with cluster, namespace and pod to Elasticsearch.',
  version: VERSION,
  namespace: NAMESPACE,
  valuesSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['image', 'elasticsearch'],
    properties: {
      image: { $ref: '#/$defs/image' },
      resources: RESOURCES_SCHEMA,
      elasticsearch: {
        type: 'object',
        additionalProperties: false,
        required: ['host', 'port', 'indexPrefix'],
        properties: {
          host: { type: 'string', minLength: 1, maxLength: 253, pattern: '^[A-Za-z0-9.-]+$' },
          port: { type: 'integer', minimum: 1, maximum: 65535 },
          tls: { type: 'boolean' },
          indexPrefix: { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]{0,63}$' },
        },
      },
    },
    $defs: SCHEMA_DEFS,
  },
  defaultValues: {
    image: 'cr.fluentbit.io/fluent/fluent-bit:3.1.9',
    resources: { requests: { cpu: '50m', memory: '64Mi' } },
    elasticsearch: { host: 'elasticsearch.cube-system.svc', port: 9200, tls: false, indexPrefix: 'cube-logs' },
  },
  build(raw, { cluster }) {
    const values = raw as unknown as LoggingValues;
    const labels = componentLabels(NAME, 'fluent-bit', VERSION);
    const es = values.elasticsearch;
    const conf = [
      section('SERVICE', [
        ['Flush', 5],
        ['Log_Level', 'info'],
        ['Parsers_File', '/fluent-bit/etc/parsers.conf'],
      ]),
      section('INPUT', [
        ['Name', 'tail'],
        ['Tag', 'kube.*'],
        ['Path', '/var/log/containers/*.log'],
        ['multiline.parser', 'docker, cri'],
        ['Mem_Buf_Limit', '50MB'],
      ]),
      section('FILTER', [
        ['Name', 'kubernetes'],
        ['Match', 'kube.*'],
        ['Merge_Log', 'On'],
        ['Labels', 'Off'],
        ['Annotations', 'Off'],
      ]),
      // Flatten the kubernetes metadata to top-level namespace/pod fields, and name the cluster.
      section('FILTER', [
        ['Name', 'nest'],
        ['Match', 'kube.*'],
        ['Operation', 'lift'],
        ['Nested_under', 'kubernetes'],
        ['Add_prefix', 'k8s_'],
      ]),
      section('FILTER', [
        ['Name', 'modify'],
        ['Match', 'kube.*'],
        ['Rename', 'k8s_namespace_name namespace'],
        ['Rename', 'k8s_pod_name pod'],
        ['Add', `cluster ${cluster}`],
      ]),
      section('OUTPUT', [
        ['Name', 'es'],
        ['Match', 'kube.*'],
        ['Host', es.host],
        ['Port', es.port],
        ['tls', es.tls ? 'On' : 'Off'],
        ['Logstash_Format', 'On'],
        ['Logstash_Prefix', es.indexPrefix],
        ['Suppress_Type_Name', 'On'],
        ['Replace_Dots', 'On'],
      ]),
    ].join('\n\n');
    const config: V1ConfigMap = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'fluent-bit-config', namespace: NAMESPACE, labels },
      data: { 'fluent-bit.conf': `${conf}\n` },
    };
    const daemonSet: V1DaemonSet = {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'fluent-bit', namespace: NAMESPACE, labels },
      spec: {
        selector: { matchLabels: { 'app.kubernetes.io/name': 'fluent-bit' } },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: 'fluent-bit',
            tolerations: [{ operator: 'Exists' }],
            containers: [
              {
                name: 'fluent-bit',
                image: values.image,
                resources: resourcesOf(values.resources),
                volumeMounts: [
                  { name: 'config', mountPath: '/fluent-bit/etc/fluent-bit.conf', subPath: 'fluent-bit.conf' },
                  { name: 'varlog', mountPath: '/var/log', readOnly: true },
                ],
              },
            ],
            volumes: [
              { name: 'config', configMap: { name: 'fluent-bit-config' } },
              { name: 'varlog', hostPath: { path: '/var/log' } },
            ],
          },
        },
      },
    };
    return [
      namespaceOf(NAMESPACE, NAME, VERSION),
      serviceAccount(NAMESPACE, 'fluent-bit', labels),
      ...clusterReader(
        'cube-fluent-bit',
        { namespace: NAMESPACE, name: 'fluent-bit' },
        [{ apiGroups: [''], resources: ['namespaces', 'pods'], verbs: ['get', 'list', 'watch'] }],
        labels,
      ),
      config,
      daemonSet,
    ];
  },
};
