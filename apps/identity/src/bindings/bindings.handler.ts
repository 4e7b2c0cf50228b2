import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { IsUUID } from 'class-validator';
import { CreateRoleBindingBody, Envelope, IdentitySubjects, ListRoleBindingsQuery, MeReply, Page, RoleBinding } from '@cube/contracts';
import { validatePayload } from '@cube/messaging';
import { Audited } from '@cube/service-runtime';
import { BindingsService } from './bindings.service';

class BindingIdPayload {
  @IsUUID() id!: string;
}

@Controller()
export class BindingsHandler {
  constructor(private readonly bindings: BindingsService) {}

  @MessagePattern(IdentitySubjects.roleList)
  roles() {
    return this.bindings.roles();
  }

  @MessagePattern(IdentitySubjects.bindingList)
  list(@Payload() envelope: Envelope): Promise<Page<RoleBinding>> {
    return this.bindings.list(envelope.actor, validatePayload(ListRoleBindingsQuery, envelope.payload));
  }

  @MessagePattern(IdentitySubjects.bindingCreate)
  @Audited({ action: 'rolebinding.create', target: (p) => ({ kind: 'RoleBinding', name: String(p['role']), subject: p['subject'], scope: p['scope'] }) })
  create(@Payload() envelope: Envelope): Promise<RoleBinding> {
    return this.bindings.create(envelope.actor, validatePayload(CreateRoleBindingBody, envelope.payload));
  }

  @MessagePattern(IdentitySubjects.bindingDelete)
  @Audited({ action: 'rolebinding.delete', target: (p) => ({ kind: 'RoleBinding', name: String(p['id']) }) })
  async delete(@Payload() envelope: Envelope): Promise<null> {
    await this.bindings.delete(envelope.actor, validatePayload(BindingIdPayload, envelope.payload).id);
    return null;
  }

  @MessagePattern(IdentitySubjects.me)
  me(@Payload() envelope: Envelope): Promise<MeReply> {
    return this.bindings.me(envelope.actor);
  }
}
