import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { Type } from 'class-transformer';
import { IsUUID, ValidateNested } from 'class-validator';
import {
  CreateWebhookBody,
  Page,
  PageQuery,
  UpdateWebhookBody,
  WebhookDelivery,
  WebhookSubjects,
  WebhookSubscription,
} from '@cube/contracts';
import { Actor } from '@cube/messaging';
import { Audited } from '@cube/service-runtime';
import { WebhooksService } from './webhooks.service';

class WebhookRef {
  @IsUUID() id!: string;
}

class UpdateWebhookPayload extends WebhookRef {
  @ValidateNested() @Type(() => UpdateWebhookBody) body!: UpdateWebhookBody;
}

class DeliveriesPayload extends PageQuery {
  @IsUUID() id!: string;
}

/** The origin of a URL only: some receivers (chat incoming webhooks) carry a credential in their path. */
const originOf = (url: unknown): string => {
  try {
    return new URL(String(url)).origin;
  } catch {
    return '';
  }
};

@Controller()
export class WebhooksHandler {
  constructor(private readonly webhooks: WebhooksService) {}

  @MessagePattern(WebhookSubjects.list)
  list(@Payload('payload') page: PageQuery, @Actor() actor: Actor): Promise<Page<WebhookSubscription>> {
    return this.webhooks.list(actor, page);
  }

  @MessagePattern(WebhookSubjects.get)
  get(@Payload('payload') ref: WebhookRef, @Actor() actor: Actor): Promise<WebhookSubscription> {
    return this.webhooks.get(actor, ref.id);
  }

  @MessagePattern(WebhookSubjects.create)
  @Audited({ action: 'webhook.create', target: (p) => ({ kind: 'WebhookSubscription', name: originOf(p['url']), events: p['events'] }) })
  create(@Payload('payload') body: CreateWebhookBody, @Actor() actor: Actor): Promise<WebhookSubscription> {
    return this.webhooks.create(actor, body);
  }

  @MessagePattern(WebhookSubjects.update)
  @Audited({ action: 'webhook.update', target: (p) => ({ kind: 'WebhookSubscription', name: String(p['id']) }) })
  update(@Payload('payload') payload: UpdateWebhookPayload, @Actor() actor: Actor): Promise<WebhookSubscription> {
    return this.webhooks.update(actor, payload.id, payload.body);
  }

  @MessagePattern(WebhookSubjects.delete)
  @Audited({ action: 'webhook.delete', target: (p) => ({ kind: 'WebhookSubscription', name: String(p['id']) }) })
  async delete(@Payload('payload') ref: WebhookRef, @Actor() actor: Actor): Promise<null> {
    await this.webhooks.delete(actor, ref.id);
    return null;
  }

  @MessagePattern(WebhookSubjects.deliveries)
  deliveries(@Payload('payload') payload: DeliveriesPayload, @Actor() actor: Actor): Promise<Page<WebhookDelivery>> {
    const { id, ...page } = payload;
    return this.webhooks.deliveriesOf(actor, id, page);
  }
}
