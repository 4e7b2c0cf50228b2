import { useQuery } from '@tanstack/react-query';
import { must } from '../api/api';
import { useApi } from '../api/api-context';
import { ApiError } from '../api/api-error';
import type { components } from '../api/schema.gen';

export type AlertRule = components['schemas']['AlertRule'];
export type AlertRuleBody = components['schemas']['AlertRuleBody'];
export type AlertReceiver = components['schemas']['AlertReceiver'];
export type AlertReceiverBody = components['schemas']['AlertReceiverBody'];
export type FiringAlert = components['schemas']['FiringAlert'];
export const SEVERITIES = ['critical', 'warning', 'info'] as const;

export interface ProjectKey {
  tenant: string;
  project: string;
}

export const metricsKeys = {
  query: (key: ProjectKey, query: string) => ['metrics', key.tenant, key.project, 'query', query] as const,
  range: (key: ProjectKey, query: string) => ['metrics', key.tenant, key.project, 'range', query] as const,
  alerts: (key: ProjectKey) => ['alerts', key.tenant, key.project] as const,
  firing: (key: ProjectKey) => ['alerts', key.tenant, key.project, 'firing'] as const,
  rules: (key: ProjectKey) => ['alerts', key.tenant, key.project, 'rules'] as const,
  receivers: (key: ProjectKey) => ['alerts', key.tenant, key.project, 'receivers'] as const,
};

/** One series of a Prometheus answer: its labels and its [time, value] points (one for an instant query). */
export interface Series {
  metric: Record<string, string>;
  /** `raw` is the store's own text of the value (exact; `value` is for charts). */
  points: { time: number; value: number; raw: string }[];
}

type PromResult = { resultType: string; result: unknown[] };

/** Prometheus' `data` as series, whatever the result type (a scalar or a string is one label-less series). */
export function seriesOf(data: PromResult): Series[] {
  const point = (pair: unknown) => {
    const [time, value] = Array.isArray(pair) ? pair : [];
    return { time: Number(time), value: Number(value), raw: String(value) };
  };
  if (data.resultType === 'scalar' || data.resultType === 'string') return [{ metric: {}, points: [point(data.result)] }];
  return data.result.map((entry) => {
    const item = entry as { metric?: Record<string, string>; value?: unknown[]; values?: unknown[][] };
    return { metric: item.metric ?? {}, points: item.values ? item.values.map(point) : item.value ? [point(item.value)] : [] };
  });
}

/** `name{a="1", b="2"}` as Prometheus prints a series. */
export function seriesLabel(metric: Record<string, string>): string {
  const { __name__: name = '', ...labels } = metric;
  const pairs = Object.entries(labels)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, value]) => `${key}="${value}"`);
  return pairs.length ? `${name}{${pairs.join(', ')}}` : name || '{}';
}

/** The metrics API's reason for a 4xx/503 (`details.reason`), e.g. metrics_not_configured. */
export function reasonOf(error: unknown): string | undefined {
  if (!(error instanceof ApiError)) return undefined;
  const reason = error.details['reason'];
  return typeof reason === 'string' ? reason : undefined;
}

/** An instant query over the project's namespaces. */
export function useInstantQuery(key: ProjectKey, query: string, enabled = true) {
  const { client } = useApi();
  return useQuery({
    queryKey: metricsKeys.query(key, query),
    enabled: enabled && query.trim() !== '',
    retry: false,
    queryFn: async () => {
      const params = { tenant: key.tenant, project: key.project, query };
      const data = (await must(client.GET('/api/v1/metrics/query', { params: { query: params } }))).data as PromResult;
      return { resultType: data.resultType, series: seriesOf(data) };
    },
  });
}

/** A range query over the last hour, one point a minute. */
export function useRangeQuery(key: ProjectKey, query: string, enabled = true) {
  const { client } = useApi();
  return useQuery({
    queryKey: metricsKeys.range(key, query),
    enabled: enabled && query.trim() !== '',
    retry: false,
    refetchInterval: 60_000,
    queryFn: async () => {
      const end = Math.floor(Date.now() / 1000);
      const params = { tenant: key.tenant, project: key.project, query, start: String(end - 3600), end: String(end), step: '60' };
      return seriesOf((await must(client.GET('/api/v1/metrics/query_range', { params: { query: params } }))).data as PromResult);
    },
  });
}

export function useFiringAlerts(key: ProjectKey) {
  const { client } = useApi();
  return useQuery({
    queryKey: metricsKeys.firing(key),
    retry: false,
    refetchInterval: 30_000,
    queryFn: () => must(client.GET('/api/v1/tenants/{tenant}/projects/{project}/alerts', { params: { path: key } })),
  });
}

export function useAlertRules(key: ProjectKey) {
  const { client } = useApi();
  return useQuery({
    queryKey: metricsKeys.rules(key),
    queryFn: () =>
      must(client.GET('/api/v1/tenants/{tenant}/projects/{project}/alerts/rules', { params: { path: key, query: { limit: 500 } } })),
  });
}

export function useAlertReceivers(key: ProjectKey) {
  const { client } = useApi();
  return useQuery({
    queryKey: metricsKeys.receivers(key),
    queryFn: () =>
      must(client.GET('/api/v1/tenants/{tenant}/projects/{project}/alerts/receivers', { params: { path: key, query: { limit: 500 } } })),
  });
}

/**
 * What the console shows of a webhook: its origin only. The path or query of a webhook URL often holds
 * a token (Slack, Teams, PagerDuty), so the stored URL is never shown back in full.
 */
export function webhookOrigin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '';
  }
}
