import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { Type } from 'class-transformer';
import { IsString, MaxLength, ValidateNested } from 'class-validator';
import { AlertReceiver, AlertReceiverBody, AlertRule, AlertRuleBody, AlertSubjects, Envelope, FiringAlert, Page } from '@cube/contracts';
import { validatePayload } from '@cube/messaging';
import { Audited } from '@cube/service-runtime';
import { ProjectPagePayload, ProjectRef } from '../shared/refs';
import { AlertsService } from './alerts.service';

class RuleRef extends ProjectRef {
  @IsString() @MaxLength(253) rule!: string;
}
class CreateRulePayload extends ProjectRef {
  @ValidateNested() @Type(() => AlertRuleBody) body!: AlertRuleBody;
}
class UpdateRulePayload extends RuleRef {
  @ValidateNested() @Type(() => AlertRuleBody) body!: AlertRuleBody;
}
class ReceiverRef extends ProjectRef {
  @IsString() @MaxLength(253) receiver!: string;
}
class CreateReceiverPayload extends ProjectRef {
  @ValidateNested() @Type(() => AlertReceiverBody) body!: AlertReceiverBody;
}
class UpdateReceiverPayload extends ReceiverRef {
  @ValidateNested() @Type(() => AlertReceiverBody) body!: AlertReceiverBody;
}

const target = (kind: string, p: Record<string, unknown>, name: unknown) => ({
  kind,
  name: String(name),
  tenant: String(p['tenant']),
  project: String(p['project']),
});
/** Only the project's address: the payload also carries the body and the page. */
const keyOf = (p: ProjectRef) => ({ tenant: p.tenant, project: p.project });
const bodyName = (p: Record<string, unknown>) => (p['body'] as Record<string, unknown> | undefined)?.['name'];

@Controller()
export class AlertsHandler {
  constructor(private readonly alerts: AlertsService) {}

  @MessagePattern(AlertSubjects.ruleList)
  listRules(@Payload() envelope: Envelope): Promise<Page<AlertRule>> {
    const p = validatePayload(ProjectPagePayload, envelope.payload);
    return this.alerts.listRules(envelope.actor, keyOf(p), p);
  }

  @MessagePattern(AlertSubjects.ruleGet)
  getRule(@Payload() envelope: Envelope): Promise<AlertRule> {
    const p = validatePayload(RuleRef, envelope.payload);
    return this.alerts.getRule(envelope.actor, keyOf(p), p.rule);
  }

  @MessagePattern(AlertSubjects.ruleCreate)
  @Audited({ action: 'alert-rule.create', target: (p) => target('AlertRule', p, bodyName(p)) })
  createRule(@Payload() envelope: Envelope): Promise<AlertRule> {
    const p = validatePayload(CreateRulePayload, envelope.payload);
    return this.alerts.createRule(envelope.actor, keyOf(p), p.body);
  }

  @MessagePattern(AlertSubjects.ruleUpdate)
  @Audited({ action: 'alert-rule.update', target: (p) => target('AlertRule', p, p['rule']) })
  updateRule(@Payload() envelope: Envelope): Promise<AlertRule> {
    const p = validatePayload(UpdateRulePayload, envelope.payload);
    return this.alerts.updateRule(envelope.actor, keyOf(p), p.rule, p.body);
  }

  @MessagePattern(AlertSubjects.ruleDelete)
  @Audited({ action: 'alert-rule.delete', target: (p) => target('AlertRule', p, p['rule']) })
  async deleteRule(@Payload() envelope: Envelope): Promise<null> {
    const p = validatePayload(RuleRef, envelope.payload);
    await this.alerts.deleteRule(envelope.actor, keyOf(p), p.rule);
    return null;
  }

  @MessagePattern(AlertSubjects.receiverList)
  listReceivers(@Payload() envelope: Envelope): Promise<Page<AlertReceiver>> {
    const p = validatePayload(ProjectPagePayload, envelope.payload);
    return this.alerts.listReceivers(envelope.actor, keyOf(p), p);
  }

  @MessagePattern(AlertSubjects.receiverGet)
  getReceiver(@Payload() envelope: Envelope): Promise<AlertReceiver> {
    const p = validatePayload(ReceiverRef, envelope.payload);
    return this.alerts.getReceiver(envelope.actor, keyOf(p), p.receiver);
  }

  @MessagePattern(AlertSubjects.receiverCreate)
  @Audited({ action: 'alert-receiver.create', target: (p) => target('AlertReceiver', p, bodyName(p)) })
  createReceiver(@Payload() envelope: Envelope): Promise<AlertReceiver> {
    const p = validatePayload(CreateReceiverPayload, envelope.payload);
    return this.alerts.createReceiver(envelope.actor, keyOf(p), p.body);
  }

  @MessagePattern(AlertSubjects.receiverUpdate)
  @Audited({ action: 'alert-receiver.update', target: (p) => target('AlertReceiver', p, p['receiver']) })
  updateReceiver(@Payload() envelope: Envelope): Promise<AlertReceiver> {
    const p = validatePayload(UpdateReceiverPayload, envelope.payload);
    return this.alerts.updateReceiver(envelope.actor, keyOf(p), p.receiver, p.body);
  }

  @MessagePattern(AlertSubjects.receiverDelete)
  @Audited({ action: 'alert-receiver.delete', target: (p) => target('AlertReceiver', p, p['receiver']) })
  async deleteReceiver(@Payload() envelope: Envelope): Promise<null> {
    const p = validatePayload(ReceiverRef, envelope.payload);
    await this.alerts.deleteReceiver(envelope.actor, keyOf(p), p.receiver);
    return null;
  }

  @MessagePattern(AlertSubjects.firing)
  firing(@Payload() envelope: Envelope): Promise<Page<FiringAlert>> {
    const p = validatePayload(ProjectRef, envelope.payload);
    return this.alerts.firing(envelope.actor, keyOf(p));
  }
}
