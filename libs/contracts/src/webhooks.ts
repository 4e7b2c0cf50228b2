import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsOptional,
  IsString,
  Length,
  Matches,
  ValidateBy,
  ValidationOptions,
} from 'class-validator';
import { OptionalDescription } from './dto-fields';
import { PageQuery } from './page-query';

/**
 * Outbound webhooks (issue #22, part 4): platform admins subscribe an HTTP endpoint to domain events
 * of `CUBE_EVENTS`; the audit service, which already runs Cube's durable consumers and keeps the
 * platform's records, delivers them as signed CloudEvents and keeps the delivery history.
 */
export const WebhookSubjects = {
  list: 'cube.audit.webhook.list', // PageRequest → Page<WebhookSubscription>
  get: 'cube.audit.webhook.get', // { id } → WebhookSubscription
  create: 'cube.audit.webhook.create', // CreateWebhookBody → WebhookSubscription
  update: 'cube.audit.webhook.update', // { id, body: UpdateWebhookBody } → WebhookSubscription
  delete: 'cube.audit.webhook.delete', // { id } → null
  deliveries: 'cube.audit.webhook.deliveries', // { id, limit?, cursor? } → Page<WebhookDelivery>
} as const;

/** Headers of every delivery (the Standard Webhooks scheme): the event id, the send time, the signature. */
export const WEBHOOK_ID_HEADER = 'webhook-id';
export const WEBHOOK_TIMESTAMP_HEADER = 'webhook-timestamp';
export const WEBHOOK_SIGNATURE_HEADER = 'webhook-signature';

/**
 * An event type filter: a `CUBE_EVENTS` subject with NATS wildcards, e.g. `cube.events.tenancy.namespace.*`
 * (`*` one token, `>` the rest), always under `cube.events.`.
 */
export const WEBHOOK_EVENT_FILTER = /^cube\.events(\.([a-z0-9-]+|\*))*(\.>)?$/;

/** True when the event subject matches one NATS-style filter. */
export function webhookFilterMatches(filter: string, subject: string): boolean {
  const wanted = filter.split('.');
  const tokens = subject.split('.');
  for (let i = 0; i < wanted.length; i++) {
    if (wanted[i] === '>') return tokens.length > i;
    if (i >= tokens.length) return false;
    if (wanted[i] !== '*' && wanted[i] !== tokens[i]) return false;
  }
  return wanted.length === tokens.length;
}

/** An absolute http(s) URL without user info (URLs are shown in the API; credentials belong in the signature secret). */
export function IsWebhookUrl(options?: ValidationOptions) {
  return ValidateBy(
    {
      name: 'isWebhookUrl',
      validator: {
        validate: (value: unknown) => {
          if (typeof value !== 'string' || value.length > 2048) return false;
          try {
            const url = new URL(value);
            return (url.protocol === 'http:' || url.protocol === 'https:') && !url.username && !url.password && url.hostname !== '';
          } catch {
            return false;
          }
        },
        defaultMessage: () => '$property must be an absolute http:// or https:// URL without user info, at most 2048 characters',
      },
    },
    options,
  );
}

export const WEBHOOK_DELIVERY_STATES = ['pending', 'delivered', 'failed'] as const;
export type WebhookDeliveryState = (typeof WEBHOOK_DELIVERY_STATES)[number];

export class CreateWebhookBody {
  @ApiProperty({
    description: 'where events are POSTed: an http(s) URL, not the gateway itself',
    example: 'https://chatops.example.com/cube',
  })
  @IsWebhookUrl()
  url!: string;

  @ApiProperty({
    type: [String],
    description: 'event types: CUBE_EVENTS subjects with NATS wildcards (`*` one token, `>` the rest)',
    example: ['cube.events.tenancy.namespace.*'],
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(32)
  @IsString({ each: true })
  @Matches(WEBHOOK_EVENT_FILTER, { each: true, message: 'each event type must be a cube.events subject, with * or > wildcards' })
  events!: string[];

  @ApiProperty({
    description: 'HMAC-SHA256 key of the signatures, 24 to 256 characters; stored sealed and never returned',
    writeOnly: true,
  })
  @IsString()
  @Length(24, 256)
  secret!: string;

  @OptionalDescription() description?: string;
}

export class UpdateWebhookBody {
  @ApiPropertyOptional() @IsOptional() @IsWebhookUrl() url?: string;

  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(32)
  @IsString({ each: true })
  @Matches(WEBHOOK_EVENT_FILTER, { each: true, message: 'each event type must be a cube.events subject, with * or > wildcards' })
  events?: string[];

  @ApiPropertyOptional({ description: 'a new signing key (24 to 256 characters)', writeOnly: true })
  @IsOptional()
  @IsString()
  @Length(24, 256)
  secret?: string;

  @ApiPropertyOptional({
    description: 'true re-enables a subscription that was disabled after repeated failures (its failure count restarts)',
  })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  @OptionalDescription() description?: string;
}

/** A subscription as the API shows it: never its secret. */
export interface WebhookSubscription {
  id: string;
  url: string;
  events: string[];
  description: string | null;
  enabled: boolean;
  /** Why it was disabled (after repeated failed deliveries), else null. */
  disabledReason: string | null;
  consecutiveFailures: number;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
}

export interface WebhookDelivery {
  id: string;
  subscriptionId: string;
  /** The event id: the CloudEvent `id` and the `webhook-id` header, the same on every attempt. */
  eventId: string;
  eventType: string;
  state: WebhookDeliveryState;
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  nextAttemptAt: string | null;
  deliveredAt: string | null;
  createdAt: string;
}

export class WebhookView implements WebhookSubscription {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() url!: string;
  @ApiProperty({ type: [String] }) events!: string[];
  @ApiProperty({ type: String, nullable: true }) description!: string | null;
  @ApiProperty() enabled!: boolean;
  @ApiProperty({ type: String, nullable: true }) disabledReason!: string | null;
  @ApiProperty() consecutiveFailures!: number;
  @ApiProperty() createdBy!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
}

export class WebhookDeliveryView implements WebhookDelivery {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) subscriptionId!: string;
  @ApiProperty() eventId!: string;
  @ApiProperty({ example: 'cube.events.tenancy.namespace.created' }) eventType!: string;
  @ApiProperty({ enum: WEBHOOK_DELIVERY_STATES }) state!: WebhookDeliveryState;
  @ApiProperty() attempts!: number;
  @ApiProperty({ type: Number, nullable: true, description: 'HTTP status of the last attempt' }) lastStatus!: number | null;
  @ApiProperty({ type: String, nullable: true }) lastError!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) nextAttemptAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) deliveredAt!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

/** `GET /api/v1/webhooks/{id}/deliveries`: newest first. */
export class WebhookDeliveriesQuery extends PageQuery {}
