/**
 * The default alert rules, as data (Prometheus rule groups): node and pod health, quota nearly
 * used, PVC nearly full. Thresholds come from the component's values.
 */
export interface RuleThresholds {
  quotaUsedRatio: number;
  volumeFullRatio: number;
}

export function defaultRuleGroups(thresholds: RuleThresholds) {
  const percent = (ratio: number) => `${Math.round(ratio * 100)}%`;
  return {
    groups: [
      {
        name: 'cube-nodes',
        rules: [
          {
            alert: 'NodeNotReady',
            expr: 'kube_node_status_condition{condition="Ready",status="true"} == 0',
            for: '5m',
            labels: { severity: 'critical' },
            annotations: { summary: 'Node {{ $labels.node }} of cluster {{ $externalLabels.cluster }} is not ready.' },
          },
        ],
      },
      {
        name: 'cube-pods',
        rules: [
          {
            alert: 'PodCrashLooping',
            expr: 'increase(kube_pod_container_status_restarts_total[15m]) > 3',
            for: '5m',
            labels: { severity: 'warning' },
            annotations: { summary: 'Pod {{ $labels.namespace }}/{{ $labels.pod }} restarts repeatedly.' },
          },
          {
            alert: 'PodNotReady',
            expr: 'sum by (namespace, pod) (kube_pod_status_phase{phase=~"Pending|Unknown|Failed"}) > 0',
            for: '15m',
            labels: { severity: 'warning' },
            annotations: { summary: 'Pod {{ $labels.namespace }}/{{ $labels.pod }} has not been ready for 15 minutes.' },
          },
        ],
      },
      {
        name: 'cube-quota',
        rules: [
          {
            alert: 'QuotaNearlyUsed',
            expr: `kube_resourcequota{type="used"} / ignoring(type) (kube_resourcequota{type="hard"} > 0) > ${thresholds.quotaUsedRatio}`,
            for: '15m',
            labels: { severity: 'warning' },
            annotations: {
              summary: `Namespace {{ $labels.namespace }} uses more than ${percent(thresholds.quotaUsedRatio)} of its {{ $labels.resource }} quota.`,
            },
          },
        ],
      },
      {
        name: 'cube-volumes',
        rules: [
          {
            alert: 'PersistentVolumeNearlyFull',
            expr: `kubelet_volume_stats_used_bytes / kubelet_volume_stats_capacity_bytes > ${thresholds.volumeFullRatio}`,
            for: '10m',
            labels: { severity: 'warning' },
            annotations: {
              summary: `PVC {{ $labels.namespace }}/{{ $labels.persistentvolumeclaim }} is more than ${percent(thresholds.volumeFullRatio)} full.`,
            },
          },
        ],
      },
    ],
  };
}
