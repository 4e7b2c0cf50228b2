import type { V1ConfigMap, V1Deployment, V1Service } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { ComponentDefinition, componentLabels, RESOURCES_SCHEMA, SCHEMA_DEFS } from '../component';
import { ALERT_RULES_CONFIGMAP, MONITORING_NAMESPACE } from '../monitoring/monitoring.component';
import { resourcesOf } from '../workload-parts';
import { defaultRuleGroups } from './default-rules';

const NAME = 'alerting';
const VERSION = '1.0.0';

interface AlertingValues {
  image: string;
  replicas: number;
  resources: { requests?: Record<string, string>; limits?: Record<string, string> };
  webhookUrl: string | null;
  thresholds: { quotaUsedRatio: number; volumeFullRatio: number };
}

/**
 * An Alertmanager and the default rule set, in the monitoring component's namespace: the rules are
 * the ConfigMap its Prometheus mounts (optional there), and Prometheus sends to this Alertmanager.
 * Without monitoring the namespace is missing and the apply fails, which the phase then says.
 */
export const alerting: ComponentDefinition = {
  name: NAME,
  displayName: 'Alerting',
  description: 'Alertmanager and default alert rules (node/pod health, quota nearly used, PVC nearly full) for the monitoring component.',
  version: VERSION,
  namespace: MONITORING_NAMESPACE,
  valuesSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['image', 'replicas', 'thresholds'],
    properties: {
      image: { $ref: '#/$defs/image' },
      replicas: { type: 'integer', minimum: 1, maximum: 5 },
      resources: RESOURCES_SCHEMA,
      webhookUrl: { type: ['string', 'null'], pattern: '^https?://[^\\s]+$', maxLength: 2048 },
      thresholds: {
        type: 'object',
        additionalProperties: false,
        required: ['quotaUsedRatio', 'volumeFullRatio'],
        properties: {
          quotaUsedRatio: { type: 'number', exclusiveMinimum: 0, maximum: 1 },
          volumeFullRatio: { type: 'number', exclusiveMinimum: 0, maximum: 1 },
        },
      },
    },
    $defs: SCHEMA_DEFS,
  },
  defaultValues: {
    image: 'quay.io/prometheus/alertmanager:v0.27.0',
    replicas: 1,
    resources: { requests: { cpu: '50m', memory: '64Mi' } },
    webhookUrl: null,
    thresholds: { quotaUsedRatio: 0.9, volumeFullRatio: 0.85 },
  },
  build(raw, { cluster }) {
    const values = raw as unknown as AlertingValues;
    const ns = MONITORING_NAMESPACE;
    const labels = componentLabels(NAME, 'alertmanager', VERSION);
    const receiver = values.webhookUrl
      ? { name: 'default', webhook_configs: [{ url: values.webhookUrl, send_resolved: true }] }
      : { name: 'default' };
    const rules: V1ConfigMap = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: ALERT_RULES_CONFIGMAP, namespace: ns, labels: componentLabels(NAME, 'alert-rules', VERSION) },
      data: { 'cube-default.yml': stringify(defaultRuleGroups(values.thresholds)) },
    };
    const config: V1ConfigMap = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'alertmanager-config', namespace: ns, labels },
      data: {
        'alertmanager.yml': stringify({
          global: {},
          route: { receiver: 'default', group_by: ['alertname', 'namespace'], routes: [] },
          receivers: [receiver],
          templates: [],
          inhibit_rules: [],
        }),
      },
    };
    const deployment: V1Deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'alertmanager', namespace: ns, labels },
      spec: {
        replicas: values.replicas,
        selector: { matchLabels: { 'app.kubernetes.io/name': 'alertmanager' } },
        template: {
          metadata: { labels },
          spec: {
            containers: [
              {
                name: 'alertmanager',
                image: values.image,
                args: ['--config.file=/etc/alertmanager/alertmanager.yml', '--storage.path=/alertmanager', `--cluster.label=${cluster}`],
                ports: [{ name: 'web', containerPort: 9093 }],
                resources: resourcesOf(values.resources),
                volumeMounts: [
                  { name: 'config', mountPath: '/etc/alertmanager' },
                  { name: 'data', mountPath: '/alertmanager' },
                ],
              },
            ],
            volumes: [
              { name: 'config', configMap: { name: 'alertmanager-config' } },
              { name: 'data', emptyDir: {} },
            ],
          },
        },
      },
    };
    const service: V1Service = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'alertmanager', namespace: ns, labels },
      spec: { selector: { 'app.kubernetes.io/name': 'alertmanager' }, ports: [{ name: 'web', port: 9093, targetPort: 9093 }] },
    };
    return [rules, config, service, deployment];
  },
};
