import { stringify } from 'yaml';
import { scopeQuery, visiblePairs } from '@cube/promql';
import { AlertReceiverEntity } from './alert-receiver.entity';
import { AlertRuleEntity } from './alert-rule.entity';

/*
 * What the central evaluator runs, rendered from the rule and receiver tables. Each rule's expression
 * is scoped exactly like a query of a project member (@cube/promql over the project's namespaces), so
 * a rule only sees its project's series. The rule's labels `cube_tenant`/`cube_project`/`cube_rule`
 * are set by Prometheus after evaluation and override any label of the series, so an expression
 * cannot route its alert to another project; Alertmanager routes on exactly these labels.
 */

export const TENANT_LABEL = 'cube_tenant';
export const PROJECT_LABEL = 'cube_project';
export const RULE_LABEL = 'cube_rule';

export interface ProjectNamespaces {
  tenant: string;
  project: string;
  namespaces: { cluster: string; namespace: string }[];
}

export interface AlertmanagerSettings {
  groupWait: string;
  smtp: { smarthost: string; from: string } | null;
}

/** The Prometheus rule file: one group per project. A rule whose expression cannot be scoped is left out (and reported). */
export function renderRuleFile(
  rules: readonly AlertRuleEntity[],
  projects: readonly ProjectNamespaces[],
): { yaml: string; skipped: { tenant: string; project: string; rule: string; reason: string }[] } {
  const skipped: { tenant: string; project: string; rule: string; reason: string }[] = [];
  const byProject = new Map<string, AlertRuleEntity[]>();
  for (const rule of rules) byProject.set(key(rule), [...(byProject.get(key(rule)) ?? []), rule]);
  const namespaces = new Map(projects.map((p) => [key(p), p.namespaces]));
  const groups = [...byProject].map(([projectKey, projectRules]) => {
    const pairs = namespaces.get(projectKey) ?? [];
    const first = projectRules[0] as AlertRuleEntity;
    return {
      name: `cube/${first.tenant}/${first.project}`,
      rules: projectRules.flatMap((rule) => {
        let expr: string;
        try {
          expr = scopeQuery(rule.expr, visiblePairs(pairs));
        } catch (error: unknown) {
          skipped.push({ tenant: rule.tenant, project: rule.project, rule: rule.name, reason: String(error) });
          return [];
        }
        return [
          {
            alert: rule.name,
            expr,
            for: rule.for,
            labels: { severity: rule.severity, [TENANT_LABEL]: rule.tenant, [PROJECT_LABEL]: rule.project, [RULE_LABEL]: rule.name },
            annotations: { summary: rule.summary },
          },
        ];
      }),
    };
  });
  return { yaml: stringify({ groups }), skipped };
}

/** Alertmanager's configuration: a route per project with receivers, matching the rule labels; nothing else is sent anywhere. */
export function renderAlertmanagerConfig(receivers: readonly AlertReceiverEntity[], settings: AlertmanagerSettings): string {
  const byProject = new Map<string, AlertReceiverEntity[]>();
  for (const receiver of receivers) byProject.set(key(receiver), [...(byProject.get(key(receiver)) ?? []), receiver]);
  const projectReceivers = [...byProject.values()].map((list) => {
    const first = list[0] as AlertReceiverEntity;
    const webhooks = list.filter((r) => r.webhookUrl).map((r) => ({ url: r.webhookUrl as string, send_resolved: true }));
    const emails = settings.smtp ? list.filter((r) => r.emailTo).map((r) => ({ to: r.emailTo as string, send_resolved: true })) : [];
    return {
      tenant: first.tenant,
      project: first.project,
      receiver: {
        name: receiverName(first.tenant, first.project),
        ...(webhooks.length > 0 ? { webhook_configs: webhooks } : {}),
        ...(emails.length > 0 ? { email_configs: emails } : {}),
      },
    };
  });
  const config = {
    ...(settings.smtp ? { global: { smtp_smarthost: settings.smtp.smarthost, smtp_from: settings.smtp.from } } : {}),
    route: {
      receiver: 'cube-unrouted',
      group_by: [TENANT_LABEL, PROJECT_LABEL, 'alertname'],
      group_wait: settings.groupWait,
      group_interval: '1m',
      repeat_interval: '4h',
      routes: projectReceivers.map(({ tenant, project, receiver }) => ({
        receiver: receiver.name,
        matchers: [`${TENANT_LABEL}=${JSON.stringify(tenant)}`, `${PROJECT_LABEL}=${JSON.stringify(project)}`],
      })),
    },
    receivers: [{ name: 'cube-unrouted' }, ...projectReceivers.map(({ receiver }) => receiver)],
  };
  return stringify(config);
}

function receiverName(tenant: string, project: string): string {
  return `cube/${tenant}/${project}`;
}

function key(of: { tenant: string; project: string }): string {
  return `${of.tenant}/${of.project}`;
}
