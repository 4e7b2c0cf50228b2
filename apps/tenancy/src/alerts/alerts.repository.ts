import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { AlertReceiverBody, AlertRuleBody } from '@cube/contracts';
import { AlertReceiverEntity } from './alert-receiver.entity';
import { AlertRuleEntity } from './alert-rule.entity';

export interface ProjectKey {
  tenant: string;
  project: string;
}

/** The one owner of `tenancy.alert_rules` and `tenancy.alert_receivers`. */
@Injectable()
export class AlertsRepository {
  constructor(private readonly db: DataSource) {}

  rulesOf(key: ProjectKey, page: { limit: number; after?: string }): Promise<AlertRuleEntity[]> {
    const query = this.db.getRepository(AlertRuleEntity).createQueryBuilder('r').where('r.tenant = :tenant AND r.project = :project', key);
    if (page.after !== undefined) query.andWhere('r.name > :after', { after: page.after });
    return query
      .orderBy('r.name')
      .limit(page.limit + 1)
      .getMany();
  }

  findRule(key: ProjectKey, name: string, manager: EntityManager = this.db.manager): Promise<AlertRuleEntity | null> {
    return manager.getRepository(AlertRuleEntity).findOneBy({ ...key, name });
  }

  /** Inserts, or returns null when the project already has a rule of that name. */
  async insertRule(tx: EntityManager, key: ProjectKey, body: AlertRuleBody, createdBy: string): Promise<AlertRuleEntity | null> {
    const rules = tx.getRepository(AlertRuleEntity);
    const result = await rules
      .createQueryBuilder()
      .insert()
      .values({ ...key, name: body.name, expr: body.expr, for: body.for, severity: body.severity, summary: body.summary, createdBy })
      .orIgnore()
      .returning(['name'])
      .execute();
    return (result.raw as unknown[]).length > 0 ? rules.findOneBy({ ...key, name: body.name }) : null;
  }

  async updateRule(tx: EntityManager, key: ProjectKey, name: string, body: AlertRuleBody): Promise<AlertRuleEntity | null> {
    const rules = tx.getRepository(AlertRuleEntity);
    const result = await rules.update(
      { ...key, name },
      {
        expr: body.expr,
        for: body.for,
        severity: body.severity,
        summary: body.summary,
        updatedAt: () => 'now()',
        version: () => '"version" + 1',
      },
    );
    return result.affected ? rules.findOneBy({ ...key, name }) : null;
  }

  async deleteRule(tx: EntityManager, key: ProjectKey, name: string): Promise<AlertRuleEntity | null> {
    const rules = tx.getRepository(AlertRuleEntity);
    const row = await rules.findOneBy({ ...key, name });
    if (row) await rules.delete({ ...key, name });
    return row;
  }

  receiversOf(key: ProjectKey, page: { limit: number; after?: string }): Promise<AlertReceiverEntity[]> {
    const query = this.db
      .getRepository(AlertReceiverEntity)
      .createQueryBuilder('r')
      .where('r.tenant = :tenant AND r.project = :project', key);
    if (page.after !== undefined) query.andWhere('r.name > :after', { after: page.after });
    return query
      .orderBy('r.name')
      .limit(page.limit + 1)
      .getMany();
  }

  findReceiver(key: ProjectKey, name: string): Promise<AlertReceiverEntity | null> {
    return this.db.getRepository(AlertReceiverEntity).findOneBy({ ...key, name });
  }

  async insertReceiver(
    tx: EntityManager,
    key: ProjectKey,
    body: AlertReceiverBody,
    createdBy: string,
  ): Promise<AlertReceiverEntity | null> {
    const receivers = tx.getRepository(AlertReceiverEntity);
    const result = await receivers
      .createQueryBuilder()
      .insert()
      .values({ ...key, name: body.name, webhookUrl: body.webhook?.url ?? null, emailTo: body.email?.to ?? null, createdBy })
      .orIgnore()
      .returning(['name'])
      .execute();
    return (result.raw as unknown[]).length > 0 ? receivers.findOneBy({ ...key, name: body.name }) : null;
  }

  async updateReceiver(tx: EntityManager, key: ProjectKey, name: string, body: AlertReceiverBody): Promise<AlertReceiverEntity | null> {
    const receivers = tx.getRepository(AlertReceiverEntity);
    const result = await receivers.update(
      { ...key, name },
      { webhookUrl: body.webhook?.url ?? null, emailTo: body.email?.to ?? null, updatedAt: () => 'now()', version: () => '"version" + 1' },
    );
    return result.affected ? receivers.findOneBy({ ...key, name }) : null;
  }

  async deleteReceiver(tx: EntityManager, key: ProjectKey, name: string): Promise<AlertReceiverEntity | null> {
    const receivers = tx.getRepository(AlertReceiverEntity);
    const row = await receivers.findOneBy({ ...key, name });
    if (row) await receivers.delete({ ...key, name });
    return row;
  }

  /** Everything the evaluator needs, for rendering its configuration. */
  async everything(): Promise<{ rules: AlertRuleEntity[]; receivers: AlertReceiverEntity[] }> {
    const rules = await this.db.getRepository(AlertRuleEntity).find({ order: { tenant: 'ASC', project: 'ASC', name: 'ASC' } });
    const receivers = await this.db.getRepository(AlertReceiverEntity).find({ order: { tenant: 'ASC', project: 'ASC', name: 'ASC' } });
    return { rules, receivers };
  }
}
