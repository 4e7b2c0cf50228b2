import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { subjectOf } from '@cube/auth';
import { Actor, CreateWebhookBody, CubeError, Page, UpdateWebhookBody, WebhookDelivery, WebhookSubscription } from '@cube/contracts';
import { DEFAULT_PAGE_SIZE } from '@cube/persistence';
import { PlatformAbilities } from '@cube/service-runtime';
import { WebhookSecrets } from './webhook-secrets';
import { DELIVERIES_NEWEST_FIRST, WebhookDeliveriesRepository } from './webhook-deliveries.repository';
import { publicSubscription, SUBSCRIPTIONS_BY_CREATION, WebhookSubscriptionsRepository } from './webhook-subscriptions.repository';

type Action = 'read' | 'create' | 'update' | 'delete';

/**
 * Webhook subscriptions are platform objects: platform admins manage them, a platform-scope viewer
 * reads them, and everyone else is refused (403 on the collection, 404 for one subscription).
 */
@Injectable()
export class WebhooksService {
  constructor(
    private readonly abilities: PlatformAbilities,
    private readonly subscriptions: WebhookSubscriptionsRepository,
    private readonly deliveries: WebhookDeliveriesRepository,
    private readonly secrets: WebhookSecrets,
  ) {}

  async list(actor: Actor, page: { limit?: number; cursor?: string }): Promise<Page<WebhookSubscription>> {
    await this.requireCollection(actor, 'read');
    const limit = page.limit ?? DEFAULT_PAGE_SIZE;
    const rows = await this.subscriptions.list({ limit: limit + 1, after: SUBSCRIPTIONS_BY_CREATION.decode(page.cursor) });
    return SUBSCRIPTIONS_BY_CREATION.page(
      rows,
      limit,
      (row) => row.key,
      (row) => row.subscription,
    );
  }

  async get(actor: Actor, id: string): Promise<WebhookSubscription> {
    await this.requireOne(actor, 'read', id);
    const row = await this.subscriptions.find(id);
    if (!row) throw notFound(id);
    return publicSubscription(row);
  }

  async create(actor: Actor, body: CreateWebhookBody): Promise<WebhookSubscription> {
    await this.requireCollection(actor, 'create');
    const { sealed, keyId } = this.secrets.seal(body.secret);
    const row = await this.subscriptions.insert({
      id: randomUUID(),
      url: body.url,
      events: [...new Set(body.events)],
      secret: sealed,
      secretKeyId: keyId,
      description: body.description ?? null,
      createdBy: actor.name,
    });
    return publicSubscription(row);
  }

  async update(actor: Actor, id: string, body: UpdateWebhookBody): Promise<WebhookSubscription> {
    await this.requireOne(actor, 'update', id);
    const row = await this.subscriptions.update(id, {
      ...(body.url !== undefined ? { url: body.url } : {}),
      ...(body.events !== undefined ? { events: [...new Set(body.events)] } : {}),
      ...(body.description !== undefined ? { description: body.description } : {}),
      ...(body.secret !== undefined ? { secret: this.secrets.seal(body.secret) } : {}),
      ...(body.enabled !== undefined ? { enable: body.enabled } : {}),
    });
    if (!row) throw notFound(id);
    return publicSubscription(row);
  }

  async delete(actor: Actor, id: string): Promise<void> {
    await this.requireOne(actor, 'delete', id);
    if (!(await this.subscriptions.delete(id))) throw notFound(id);
  }

  async deliveriesOf(actor: Actor, id: string, page: { limit?: number; cursor?: string }): Promise<Page<WebhookDelivery>> {
    await this.requireOne(actor, 'read', id);
    if (!(await this.subscriptions.find(id))) throw notFound(id);
    const limit = page.limit ?? DEFAULT_PAGE_SIZE;
    const rows = await this.deliveries.history(id, { limit: limit + 1, before: DELIVERIES_NEWEST_FIRST.decode(page.cursor) });
    return DELIVERIES_NEWEST_FIRST.page(
      rows,
      limit,
      (row) => row.key,
      (row) => row.delivery,
    );
  }

  private async requireCollection(actor: Actor, action: Action): Promise<void> {
    if (!(await this.may(actor, action, '*')))
      throw new CubeError('FORBIDDEN', 'only platform admins manage webhook subscriptions', { reason: 'platform_admin_only' });
  }

  /** 404 for those who may not even read webhooks (they learn nothing), 403 for readers who may not change them. */
  private async requireOne(actor: Actor, action: Action, id: string): Promise<void> {
    if (!(await this.may(actor, 'read', id))) throw notFound(id);
    if (action !== 'read' && !(await this.may(actor, action, id)))
      throw new CubeError('FORBIDDEN', 'only platform admins manage webhook subscriptions', { reason: 'platform_admin_only' });
  }

  private async may(actor: Actor, action: Action, id: string): Promise<boolean> {
    return (await this.abilities.abilityOf(actor)).can(action, subjectOf('WebhookSubscription', { id }));
  }
}

const notFound = (id: string) => new CubeError('NOT_FOUND', 'webhook subscription not found', { id });
