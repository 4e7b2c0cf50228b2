import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { Type } from 'class-transformer';
import { IsString, MaxLength, ValidateNested } from 'class-validator';
import { AlertReceiver, AlertReceiverBody, AlertRule, AlertRuleBody, AlertSubjects, FiringAlert, Page } from '@cube/contracts';
import { Actor } from '@cube/messaging';
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
  listRules(@Payload('payload') p: ProjectPagePayload, @Actor() actor: Actor): Promise<Page<AlertRule>> {
    return this.alerts.listRules(actor, keyOf(p), p);
  }

  @MessagePattern(AlertSubjects.ruleGet)
  getRule(@Payload('payload') p: RuleRef, @Actor() actor: Actor): Promise<AlertRule> {
    return this.alerts.getRule(actor, keyOf(p), p.rule);
  }

  @MessagePattern(AlertSubjects.ruleCreate)
  @Audited({ action: 'alert-rule.create', target: (p) => target('AlertRule', p, bodyName(p)) })
  createRule(@Payload('payload') p: CreateRulePayload, @Actor() actor: Actor): Promise<AlertRule> {
    return this.alerts.createRule(actor, keyOf(p), p.body);
  }

  @MessagePattern(AlertSubjects.ruleUpdate)
  @Audited({ action: 'alert-rule.update', target: (p) => target('AlertRule', p, p['rule']) })
  updateRule(@Payload('payload') p: UpdateRulePayload, @Actor() actor: Actor): Promise<AlertRule> {
    return this.alerts.updateRule(actor, keyOf(p), p.rule, p.body);
  }

  @MessagePattern(AlertSubjects.ruleDelete)
  @Audited({ action: 'alert-rule.delete', target: (p) => target('AlertRule', p, p['rule']) })
  async deleteRule(@Payload('payload') p: RuleRef, @Actor() actor: Actor): Promise<null> {
    await this.alerts.deleteRule(actor, keyOf(p), p.rule);
    return null;
  }

  @MessagePattern(AlertSubjects.receiverList)
  listReceivers(@Payload('payload') p: ProjectPagePayload, @Actor() actor: Actor): Promise<Page<AlertReceiver>> {
    return this.alerts.listReceivers(actor, keyOf(p), p);
  }

  @MessagePattern(AlertSubjects.receiverGet)
  getReceiver(@Payload('payload') p: ReceiverRef, @Actor() actor: Actor): Promise<AlertReceiver> {
    return this.alerts.getReceiver(actor, keyOf(p), p.receiver);
  }

  @MessagePattern(AlertSubjects.receiverCreate)
  @Audited({ action: 'alert-receiver.create', target: (p) => target('AlertReceiver', p, bodyName(p)) })
  createReceiver(@Payload('payload') p: CreateReceiverPayload, @Actor() actor: Actor): Promise<AlertReceiver> {
    return this.alerts.createReceiver(actor, keyOf(p), p.body);
  }

  @MessagePattern(AlertSubjects.receiverUpdate)
  @Audited({ action: 'alert-receiver.update', target: (p) => target('AlertReceiver', p, p['receiver']) })
  updateReceiver(@Payload('payload') p: UpdateReceiverPayload, @Actor() actor: Actor): Promise<AlertReceiver> {
    return this.alerts.updateReceiver(actor, keyOf(p), p.receiver, p.body);
  }

  @MessagePattern(AlertSubjects.receiverDelete)
  @Audited({ action: 'alert-receiver.delete', target: (p) => target('AlertReceiver', p, p['receiver']) })
  async deleteReceiver(@Payload('payload') p: ReceiverRef, @Actor() actor: Actor): Promise<null> {
    await this.alerts.deleteReceiver(actor, keyOf(p), p.receiver);
    return null;
  }

  @MessagePattern(AlertSubjects.firing)
  firing(@Payload('payload') p: ProjectRef, @Actor() actor: Actor): Promise<Page<FiringAlert>> {
    return this.alerts.firing(actor, keyOf(p));
  }
}
