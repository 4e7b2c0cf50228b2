import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { Type } from 'class-transformer';
import { IsUUID, ValidateNested } from 'class-validator';
import {
  CreateWebhookBody,
  Envelope,
  Page,
  PageQuery,
  UpdateWebhookBody,
  WebhookDelivery,
  WebhookSubjects,
  WebhookSubscription,
} from '@cube/contracts';
import { validatePayload } from '@cube/messaging';
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
  list(@Payload() envelope: Envelope): Promise<Page<WebhookSubscription>> {
    return this.webhooks.list(envelope.actor, validatePayload(PageQuery, envelope.payload));
  }

  @MessagePattern(WebhookSubjects.get)
  get(@Payload() envelope: Envelope): Promise<WebhookSubscription> {
    return this.webhooks.get(envelope.actor, validatePayload(WebhookRef, envelope.payload).id);
  }

  @MessagePattern(WebhookSubjects.create)
  @Audited({ action: 'webhook.create', target: (p) => ({ kind: 'WebhookSubscription', name: originOf(p['url']), events: p['events'] }) })
  create(@Payload() envelope: Envelope): Promise<WebhookSubscription> {
    return this.webhooks.create(envelope.actor, validatePayload(CreateWebhookBody, envelope.payload));
  }

  @MessagePattern(WebhookSubjects.update)
  @Audited({ action: 'webhook.update', target: (p) => ({ kind: 'WebhookSubscription', name: String(p['id']) }) })
  update(@Payload() envelope: Envelope): Promise<WebhookSubscription> {
    const { id, body } = validatePayload(UpdateWebhookPayload, envelope.payload);
    return this.webhooks.update(envelope.actor, id, body);
  }

  @MessagePattern(WebhookSubjects.delete)
  @Audited({ action: 'webhook.delete', target: (p) => ({ kind: 'WebhookSubscription', name: String(p['id']) }) })
  async delete(@Payload() envelope: Envelope): Promise<null> {
    await this.webhooks.delete(envelope.actor, validatePayload(WebhookRef, envelope.payload).id);
    return null;
  }

  @MessagePattern(WebhookSubjects.deliveries)
  deliveries(@Payload() envelope: Envelope): Promise<Page<WebhookDelivery>> {
    const { id, ...page } = validatePayload(DeliveriesPayload, envelope.payload);
    return this.webhooks.deliveriesOf(envelope.actor, id, page);
  }
}
