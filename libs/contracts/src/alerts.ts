import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsEmail, IsIn, IsOptional, IsString, IsUrl, Length, Matches, MaxLength, ValidateNested } from 'class-validator';
import { IsDnsLabel } from './tenancy-dto';

/**
 * Alert rules and receivers of a project (README "Metrics and alerts"), owned by tenancy next to the
 * projects they belong to. Request-reply subjects; events are `cube.events.metrics.<rule|receiver>.<created|updated|deleted>`.
 */
export const AlertSubjects = {
  ruleList: 'cube.tenancy.alert-rule.list', // { tenant, project } → Page<AlertRule>
  ruleGet: 'cube.tenancy.alert-rule.get', // { tenant, project, rule } → AlertRule
  ruleCreate: 'cube.tenancy.alert-rule.create', // { tenant, project, body: AlertRuleBody } → AlertRule
  ruleUpdate: 'cube.tenancy.alert-rule.update', // { tenant, project, rule, body: AlertRuleBody } → AlertRule
  ruleDelete: 'cube.tenancy.alert-rule.delete', // { tenant, project, rule } → null
  receiverList: 'cube.tenancy.alert-receiver.list', // { tenant, project } → Page<AlertReceiver>
  receiverGet: 'cube.tenancy.alert-receiver.get', // { tenant, project, receiver } → AlertReceiver
  receiverCreate: 'cube.tenancy.alert-receiver.create', // { tenant, project, body: AlertReceiverBody } → AlertReceiver
  receiverUpdate: 'cube.tenancy.alert-receiver.update', // { tenant, project, receiver, body } → AlertReceiver
  receiverDelete: 'cube.tenancy.alert-receiver.delete', // { tenant, project, receiver } → null
  firing: 'cube.tenancy.alert.firing', // { tenant, project } → Page<FiringAlert>
} as const;

export const ALERT_SEVERITIES = ['critical', 'warning', 'info'] as const;
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];

/** A Prometheus duration (`30s`, `5m`, `1h30m`), as `for` takes it. */
export const PROMETHEUS_DURATION = /^(\d+(ms|s|m|h|d|w|y))+$/;

export class AlertRuleBody {
  @ApiProperty({ description: 'Rule name (DNS label), unique in the project; the alert is named after it', example: 'high-error-rate' })
  @IsDnsLabel()
  name!: string;

  @ApiProperty({ description: "PromQL; scoped to the project's namespaces before evaluation", example: 'rate(http_errors_total[5m]) > 1' })
  @IsString()
  @Length(1, 4096)
  expr!: string;

  @ApiProperty({ description: 'How long the expression must hold before the alert fires (Prometheus duration)', example: '5m' })
  @Matches(PROMETHEUS_DURATION, { message: 'for must be a Prometheus duration such as 30s, 5m or 1h30m' })
  for!: string;

  @ApiProperty({ enum: ALERT_SEVERITIES })
  @IsIn(ALERT_SEVERITIES)
  severity!: AlertSeverity;

  @ApiProperty({ description: 'One line sent with the alert', maxLength: 1024 })
  @IsString()
  @MaxLength(1024)
  summary!: string;
}

export class AlertRule extends AlertRuleBody {
  @ApiProperty() tenant!: string;
  @ApiProperty() project!: string;
  @ApiProperty() createdBy!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
  @ApiProperty() version!: number;
}

export class WebhookTarget {
  @ApiProperty({ description: 'http(s) URL Alertmanager posts its webhook payload to', example: 'https://hooks.example.org/alerts' })
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_tld: false })
  @MaxLength(2048)
  url!: string;
}

export class EmailTarget {
  @ApiProperty({ description: 'Recipient address', example: 'oncall@example.org' })
  @IsEmail()
  to!: string;
}

export class AlertReceiverBody {
  @ApiProperty({ description: 'Receiver name (DNS label), unique in the project' })
  @IsDnsLabel()
  name!: string;

  @ApiPropertyOptional({ type: WebhookTarget })
  @IsOptional()
  @ValidateNested()
  @Type(() => WebhookTarget)
  webhook?: WebhookTarget;

  @ApiPropertyOptional({ type: EmailTarget })
  @IsOptional()
  @ValidateNested()
  @Type(() => EmailTarget)
  email?: EmailTarget;
}

export class AlertReceiver extends AlertReceiverBody {
  @ApiProperty() tenant!: string;
  @ApiProperty() project!: string;
  @ApiProperty() createdBy!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
  @ApiProperty() version!: number;
}

/** A firing alert of a project, as the evaluator reports it. */
export class FiringAlert {
  @ApiProperty({ description: 'The rule it comes from' }) rule!: string;
  @ApiProperty({ enum: ALERT_SEVERITIES }) severity!: string;
  @ApiProperty() summary!: string;
  @ApiProperty({
    description: "The alert's labels (the series' labels plus the rule's)",
    type: 'object',
    additionalProperties: { type: 'string' },
  })
  labels!: Record<string, string>;
  @ApiProperty({ description: 'Value of the expression when last evaluated' }) value!: string;
  @ApiProperty({ format: 'date-time', description: 'Since when the condition holds' }) activeAt!: string;
}
