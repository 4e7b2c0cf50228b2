import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { IsUUID } from 'class-validator';
import { CreateRoleBindingBody, IdentitySubjects, ListRoleBindingsQuery, MeReply, Page, RoleBinding } from '@cube/contracts';
import { Actor } from '@cube/messaging';
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
  list(@Payload('payload') query: ListRoleBindingsQuery, @Actor() actor: Actor): Promise<Page<RoleBinding>> {
    return this.bindings.list(actor, query);
  }

  @MessagePattern(IdentitySubjects.bindingCreate)
  @Audited({
    action: 'rolebinding.create',
    target: (p) => ({ kind: 'RoleBinding', name: String(p['role']), subject: p['subject'], scope: p['scope'] }),
  })
  create(@Payload('payload') body: CreateRoleBindingBody, @Actor() actor: Actor): Promise<RoleBinding> {
    return this.bindings.create(actor, body);
  }

  @MessagePattern(IdentitySubjects.bindingDelete)
  @Audited({ action: 'rolebinding.delete', target: (p) => ({ kind: 'RoleBinding', name: String(p['id']) }) })
  async delete(@Payload('payload') { id }: BindingIdPayload, @Actor() actor: Actor): Promise<null> {
    await this.bindings.delete(actor, id);
    return null;
  }

  @MessagePattern(IdentitySubjects.me)
  me(@Actor() actor: Actor): Promise<MeReply> {
    return this.bindings.me(actor);
  }
}
