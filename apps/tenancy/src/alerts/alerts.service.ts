import { Injectable } from '@nestjs/common';
import { authorize, PlatformAbility, subjectOf } from '@cube/auth';
import { Actor, AlertReceiver, AlertReceiverBody, AlertRule, AlertRuleBody, CubeError, FiringAlert, Page } from '@cube/contracts';
import { DEFAULT_PAGE_SIZE, Keyset } from '@cube/persistence';
import { parsePromql } from '@cube/promql';
import { EntityManager } from 'typeorm';
import { TenancyAccess } from '../access/tenancy-access';
import { HierarchyRepository } from '../hierarchy/hierarchy.repository';
import { TenancyEvents } from '../shared/tenancy-events';
import { AlertReceiverEntity } from './alert-receiver.entity';
import { AlertRuleEntity } from './alert-rule.entity';
import { PROJECT_LABEL, RULE_LABEL, TENANT_LABEL } from './alerting-config';
import { AlertingDelivery } from './alerting-delivery';
import { AlertsRepository, ProjectKey } from './alerts.repository';

const BY_NAME = new Keyset<[name: string]>(['text']);
type Change = 'created' | 'updated' | 'deleted';

const toRule = (row: AlertRuleEntity): AlertRule => ({
  tenant: row.tenant,
  project: row.project,
  name: row.name,
  expr: row.expr,
  for: row.for,
  severity: row.severity as AlertRule['severity'],
  summary: row.summary,
  createdBy: row.createdBy,
  createdAt: row.createdAt.toISOString(),
  updatedAt: row.updatedAt.toISOString(),
  version: row.version,
});

const toReceiver = (row: AlertReceiverEntity): AlertReceiver => ({
  tenant: row.tenant,
  project: row.project,
  name: row.name,
  ...(row.webhookUrl ? { webhook: { url: row.webhookUrl } } : {}),
  ...(row.emailTo ? { email: { to: row.emailTo } } : {}),
  createdBy: row.createdBy,
  createdAt: row.createdAt.toISOString(),
  updatedAt: row.updatedAt.toISOString(),
  version: row.version,
});

const notFound = (kind: string, key: ProjectKey, name: string) =>
  new CubeError('NOT_FOUND', `${kind} "${name}" not found in project "${key.project}" of tenant "${key.tenant}"`, { ...key, name });

/**
 * A project's alert rules and receivers: whoever sees the project reads them, whoever may update the
 * project (project and tenant admins, platform admins) writes them. Writes are one transaction with
 * their `cube.events.metrics.*` event (tenancy's outbox), then delivered to the evaluator.
 */
@Injectable()
export class AlertsService {
  constructor(
    private readonly alerts: AlertsRepository,
    private readonly hierarchy: HierarchyRepository,
    private readonly access: TenancyAccess,
    private readonly events: TenancyEvents,
    private readonly delivery: AlertingDelivery,
  ) {}

  async listRules(actor: Actor, key: ProjectKey, page: { limit?: number; cursor?: string }): Promise<Page<AlertRule>> {
    await this.visible(await this.access.abilityOf(actor), key);
    const limit = page.limit ?? DEFAULT_PAGE_SIZE;
    const rows = await this.alerts.rulesOf(key, { limit, after: BY_NAME.decode(page.cursor)?.[0] });
    return BY_NAME.page(rows, limit, (row) => [row.name], toRule);
  }

  async getRule(actor: Actor, key: ProjectKey, name: string): Promise<AlertRule> {
    await this.visible(await this.access.abilityOf(actor), key);
    const row = await this.alerts.findRule(key, name);
    if (!row) throw notFound('alert rule', key, name);
    return toRule(row);
  }

  async createRule(actor: Actor, key: ProjectKey, body: AlertRuleBody): Promise<AlertRule> {
    await this.writable(actor, key);
    parseExpr(body.expr);
    const rule = await this.events.transaction(async (tx) => {
      const row = await this.alerts.insertRule(tx, key, body, actor.name);
      if (!row)
        throw new CubeError('CONFLICT', `alert rule "${body.name}" already exists in project "${key.project}"`, {
          ...key,
          name: body.name,
        });
      return this.ruleEvent(tx, actor, 'created', toRule(row));
    });
    await this.delivery.deliver();
    return rule;
  }

  async updateRule(actor: Actor, key: ProjectKey, name: string, body: AlertRuleBody): Promise<AlertRule> {
    await this.writable(actor, key);
    if (body.name !== name) {
      throw new CubeError('UNPROCESSABLE', 'a rule cannot be renamed: the name in the body must be the one in the path', {
        fields: [{ field: 'name', problems: ['must equal the rule name in the path'] }],
      });
    }
    parseExpr(body.expr);
    const rule = await this.events.transaction(async (tx) => {
      const row = await this.alerts.updateRule(tx, key, name, body);
      if (!row) throw notFound('alert rule', key, name);
      return this.ruleEvent(tx, actor, 'updated', toRule(row));
    });
    await this.delivery.deliver();
    return rule;
  }

  async deleteRule(actor: Actor, key: ProjectKey, name: string): Promise<void> {
    await this.writable(actor, key);
    await this.events.transaction(async (tx) => {
      const row = await this.alerts.deleteRule(tx, key, name);
      if (!row) throw notFound('alert rule', key, name);
      await this.ruleEvent(tx, actor, 'deleted', toRule(row));
    });
    await this.delivery.deliver();
  }

  async listReceivers(actor: Actor, key: ProjectKey, page: { limit?: number; cursor?: string }): Promise<Page<AlertReceiver>> {
    await this.visible(await this.access.abilityOf(actor), key);
    const limit = page.limit ?? DEFAULT_PAGE_SIZE;
    const rows = await this.alerts.receiversOf(key, { limit, after: BY_NAME.decode(page.cursor)?.[0] });
    return BY_NAME.page(rows, limit, (row) => [row.name], toReceiver);
  }

  async getReceiver(actor: Actor, key: ProjectKey, name: string): Promise<AlertReceiver> {
    await this.visible(await this.access.abilityOf(actor), key);
    const row = await this.alerts.findReceiver(key, name);
    if (!row) throw notFound('alert receiver', key, name);
    return toReceiver(row);
  }

  async createReceiver(actor: Actor, key: ProjectKey, body: AlertReceiverBody): Promise<AlertReceiver> {
    await this.writable(actor, key);
    this.checkTargets(body);
    const receiver = await this.events.transaction(async (tx) => {
      const row = await this.alerts.insertReceiver(tx, key, body, actor.name);
      if (!row) {
        throw new CubeError('CONFLICT', `alert receiver "${body.name}" already exists in project "${key.project}"`, {
          ...key,
          name: body.name,
        });
      }
      return this.receiverEvent(tx, actor, 'created', toReceiver(row));
    });
    await this.delivery.deliver();
    return receiver;
  }

  async updateReceiver(actor: Actor, key: ProjectKey, name: string, body: AlertReceiverBody): Promise<AlertReceiver> {
    await this.writable(actor, key);
    if (body.name !== name) {
      throw new CubeError('UNPROCESSABLE', 'a receiver cannot be renamed: the name in the body must be the one in the path', {
        fields: [{ field: 'name', problems: ['must equal the receiver name in the path'] }],
      });
    }
    this.checkTargets(body);
    const receiver = await this.events.transaction(async (tx) => {
      const row = await this.alerts.updateReceiver(tx, key, name, body);
      if (!row) throw notFound('alert receiver', key, name);
      return this.receiverEvent(tx, actor, 'updated', toReceiver(row));
    });
    await this.delivery.deliver();
    return receiver;
  }

  async deleteReceiver(actor: Actor, key: ProjectKey, name: string): Promise<void> {
    await this.writable(actor, key);
    await this.events.transaction(async (tx) => {
      const row = await this.alerts.deleteReceiver(tx, key, name);
      if (!row) throw notFound('alert receiver', key, name);
      await this.receiverEvent(tx, actor, 'deleted', toReceiver(row));
    });
    await this.delivery.deliver();
  }

  /** The project's alerts the evaluator reports firing (labels set by the rendered rules, so no other project's). */
  async firing(actor: Actor, key: ProjectKey): Promise<Page<FiringAlert>> {
    await this.visible(await this.access.abilityOf(actor), key);
    let alerts;
    try {
      alerts = await this.delivery.evaluatorAlerts();
    } catch (error: unknown) {
      throw new CubeError('UNAVAILABLE', 'the alert evaluator did not answer', {
        reason: 'alert_evaluator_unavailable',
        cause: String(error),
      });
    }
    if (alerts === null)
      throw new CubeError('UNAVAILABLE', 'no alert evaluator is configured (CUBE_ALERT_PROMETHEUS_URL)', {
        reason: 'alerting_not_configured',
      });
    const items = alerts
      .filter(
        (alert) => alert.state === 'firing' && alert.labels[TENANT_LABEL] === key.tenant && alert.labels[PROJECT_LABEL] === key.project,
      )
      .map((alert) => ({
        rule: alert.labels[RULE_LABEL] ?? alert.labels['alertname'] ?? '',
        severity: alert.labels['severity'] ?? '',
        summary: alert.annotations['summary'] ?? '',
        labels: alert.labels,
        value: alert.value,
        activeAt: alert.activeAt,
      }));
    return { items, nextCursor: null };
  }

  private checkTargets(body: AlertReceiverBody): void {
    if (!body.webhook && !body.email) {
      throw new CubeError('UNPROCESSABLE', 'a receiver needs a webhook, an e-mail address or both', {
        fields: [{ field: 'webhook', problems: ['webhook or email is required'] }],
      });
    }
    if (body.email && !this.delivery.smtpConfigured) {
      throw new CubeError('UNPROCESSABLE', 'e-mail receivers need an SMTP relay (CUBE_ALERT_SMTP_SMARTHOST, CUBE_ALERT_SMTP_FROM)', {
        reason: 'email_not_configured',
        fields: [{ field: 'email', problems: ['no SMTP relay is configured'] }],
      });
    }
  }

  private async ruleEvent(tx: EntityManager, actor: Actor, event: Change, rule: AlertRule): Promise<AlertRule> {
    await this.events.add(tx, {
      actor,
      service: 'metrics',
      entityKind: 'rule',
      event,
      entity: { kind: 'AlertRule', name: rule.name, tenant: rule.tenant, project: rule.project },
      version: rule.version,
      data: rule,
    });
    return rule;
  }

  private async receiverEvent(tx: EntityManager, actor: Actor, event: Change, receiver: AlertReceiver): Promise<AlertReceiver> {
    // The event carries the receiver without its targets: webhook URLs often hold a secret token.
    const { webhook: _webhook, email: _email, ...data } = receiver;
    await this.events.add(tx, {
      actor,
      service: 'metrics',
      entityKind: 'receiver',
      event,
      entity: { kind: 'AlertReceiver', name: receiver.name, tenant: receiver.tenant, project: receiver.project },
      version: receiver.version,
      data: { ...data, webhook: receiver.webhook !== undefined, email: receiver.email !== undefined },
    });
    return receiver;
  }

  private async writable(actor: Actor, key: ProjectKey): Promise<void> {
    const ability = await this.access.abilityOf(actor);
    await this.visible(ability, key);
    authorize(ability, 'update', subjectOf('Project', key));
  }

  private async visible(ability: PlatformAbility, key: ProjectKey): Promise<void> {
    if (!(await this.hierarchy.findTenant(key.tenant, ability))) {
      throw new CubeError('NOT_FOUND', `tenant "${key.tenant}" not found`, { tenant: key.tenant });
    }
    if (!(await this.hierarchy.findProject(key.tenant, key.project, ability))) {
      throw new CubeError('NOT_FOUND', `project "${key.project}" not found in tenant "${key.tenant}"`, { ...key });
    }
  }
}

function parseExpr(expr: string): void {
  try {
    parsePromql(expr);
  } catch (error: unknown) {
    if (error instanceof CubeError) {
      throw new CubeError(error.code, error.message, { ...error.details, fields: [{ field: 'expr', problems: [error.message] }] });
    }
    throw error;
  }
}
