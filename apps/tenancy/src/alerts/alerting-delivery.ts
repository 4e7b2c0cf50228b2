import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { SERVICE_ENVIRONMENT } from '@cube/service-runtime';
import { HierarchyRepository } from '../hierarchy/hierarchy.repository';
import { TenancyEnvironment } from '../tenancy-environment';
import { AlertsRepository } from './alerts.repository';
import { ProjectNamespaces, renderAlertmanagerConfig, renderRuleFile } from './alerting-config';

/**
 * Delivers the rule and receiver tables to the central evaluator: renders the Prometheus rule file
 * and Alertmanager's configuration, writes each only when it changed (atomically, by rename), and
 * asks both to reload (`POST /-/reload`). Runs after every write of this replica and every
 * CUBE_ALERT_RESYNC_SECONDS, which also picks up namespace changes and other replicas' writes.
 * Renders run one at a time; a render asked for while one runs runs once more after it.
 */
@Injectable()
export class AlertingDelivery implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AlertingDelivery.name);
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;

  constructor(
    @Inject(SERVICE_ENVIRONMENT) private readonly env: TenancyEnvironment,
    private readonly alerts: AlertsRepository,
    private readonly hierarchy: HierarchyRepository,
  ) {}

  get enabled(): boolean {
    return this.env.CUBE_ALERT_RULES_FILE !== '' || this.env.CUBE_ALERTMANAGER_CONFIG_FILE !== '';
  }

  get smtpConfigured(): boolean {
    return this.env.CUBE_ALERT_SMTP_SMARTHOST !== '' && this.env.CUBE_ALERT_SMTP_FROM !== '';
  }

  onApplicationBootstrap(): void {
    if (!this.enabled) return;
    this.request();
    this.timer = setInterval(() => this.request(), this.env.CUBE_ALERT_RESYNC_SECONDS * 1000);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  /** Renders soon; resolves when a render that started after this call has finished. */
  async deliver(): Promise<void> {
    if (!this.enabled) return;
    this.request();
    while (this.running) await this.running;
  }

  private request(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.renderOnce()
      .catch((error: unknown) =>
        this.logger.warn({ reason: error instanceof Error ? error.message : String(error) }, 'alerting delivery failed'),
      )
      .finally(() => {
        this.running = null;
        if (this.again) {
          this.again = false;
          this.request();
        }
      });
  }

  private async renderOnce(): Promise<void> {
    const { rules, receivers } = await this.alerts.everything();
    const projectKeys = new Map(rules.map((rule) => [`${rule.tenant}/${rule.project}`, { tenant: rule.tenant, project: rule.project }]));
    const projects: ProjectNamespaces[] = [];
    for (const { tenant, project } of projectKeys.values()) {
      const namespaces = await this.hierarchy.namespacesOf(tenant, project);
      projects.push({ tenant, project, namespaces: namespaces.map((n) => ({ cluster: n.cluster, namespace: n.name })) });
    }
    if (this.env.CUBE_ALERT_RULES_FILE) {
      const { yaml, skipped } = renderRuleFile(rules, projects);
      for (const rule of skipped) this.logger.warn(rule, 'alert rule left out: its expression cannot be scoped');
      if (await this.replace(this.env.CUBE_ALERT_RULES_FILE, yaml)) await this.reload(this.env.CUBE_ALERT_PROMETHEUS_URL);
    }
    if (this.env.CUBE_ALERTMANAGER_CONFIG_FILE) {
      const smtp = this.smtpConfigured ? { smarthost: this.env.CUBE_ALERT_SMTP_SMARTHOST, from: this.env.CUBE_ALERT_SMTP_FROM } : null;
      const yaml = renderAlertmanagerConfig(receivers, { groupWait: this.env.CUBE_ALERT_GROUP_WAIT, smtp });
      if (await this.replace(this.env.CUBE_ALERTMANAGER_CONFIG_FILE, yaml)) await this.reload(this.env.CUBE_ALERTMANAGER_URL);
    }
  }

  /** Writes `content` when it differs from the file's; true when it wrote. */
  private async replace(path: string, content: string): Promise<boolean> {
    const current = await readFile(path, 'utf8').catch(() => null);
    if (current === content) return false;
    const temporary = `${path}.${process.pid}.tmp`;
    await writeFile(temporary, content);
    await rename(temporary, path);
    return true;
  }

  private async reload(url: string): Promise<void> {
    if (!url) return;
    const response = await fetch(`${url}/-/reload`, { method: 'POST', signal: AbortSignal.timeout(10_000) });
    if (!response.ok) throw new Error(`${url}/-/reload answered ${response.status}: ${(await response.text()).slice(0, 500)}`);
  }

  /** The evaluator's alerts (Prometheus `/api/v1/alerts`); null when no evaluator is configured. */
  async evaluatorAlerts(): Promise<EvaluatorAlert[] | null> {
    if (!this.env.CUBE_ALERT_PROMETHEUS_URL) return null;
    const response = await fetch(`${this.env.CUBE_ALERT_PROMETHEUS_URL}/api/v1/alerts`, { signal: AbortSignal.timeout(10_000) });
    if (!response.ok) throw new Error(`the alert evaluator answered ${response.status}`);
    const body = (await response.json()) as { data?: { alerts?: EvaluatorAlert[] } };
    return body.data?.alerts ?? [];
  }
}

export interface EvaluatorAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: 'firing' | 'pending' | 'inactive';
  activeAt: string;
  value: string;
}
