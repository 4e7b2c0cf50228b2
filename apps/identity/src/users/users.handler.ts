import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { CreateUserBody, Envelope, IdentitySubjects, Page, SetPasswordBody, UpdateUserBody, User } from '@cube/contracts';
import { validatePayload } from '@cube/messaging';
import { Audited } from '@cube/service-runtime';
import { UsersService } from './users.service';

class ListUsersPayload {
  @IsOptional() @IsInt() @Min(1) @Max(500) limit?: number;
  @IsOptional() @IsString() cursor?: string;
}

class UserNamePayload {
  @IsString() name!: string;
}

class UserChangePayload<T> {
  @IsString() name!: string;
  body!: T;
}

@Controller()
export class UsersHandler {
  constructor(private readonly users: UsersService) {}

  @MessagePattern(IdentitySubjects.userList)
  list(@Payload() envelope: Envelope): Promise<Page<User>> {
    const payload = validatePayload(ListUsersPayload, envelope.payload);
    return this.users.list(envelope.actor, payload.limit ?? 50, payload.cursor ?? null);
  }

  @MessagePattern(IdentitySubjects.userGet)
  get(@Payload() envelope: Envelope): Promise<User> {
    return this.users.get(envelope.actor, validatePayload(UserNamePayload, envelope.payload).name);
  }

  @MessagePattern(IdentitySubjects.userCreate)
  @Audited({ action: 'user.create', target: (p) => ({ kind: 'User', name: String(p['name']) }) })
  create(@Payload() envelope: Envelope): Promise<User> {
    return this.users.create(envelope.actor, validatePayload(CreateUserBody, envelope.payload));
  }

  @MessagePattern(IdentitySubjects.userUpdate)
  @Audited({ action: 'user.update', target: (p) => ({ kind: 'User', name: String(p['name']) }) })
  update(@Payload() envelope: Envelope<UserChangePayload<unknown>>): Promise<User> {
    const { name } = validatePayload(UserNamePayload, { name: envelope.payload?.name });
    return this.users.update(envelope.actor, name, validatePayload(UpdateUserBody, envelope.payload?.body));
  }

  @MessagePattern(IdentitySubjects.userSetPassword)
  @Audited({ action: 'user.set-password', target: (p) => ({ kind: 'User', name: String(p['name']) }) })
  async setPassword(@Payload() envelope: Envelope<UserChangePayload<unknown>>): Promise<null> {
    const { name } = validatePayload(UserNamePayload, { name: envelope.payload?.name });
    await this.users.setPassword(envelope.actor, name, validatePayload(SetPasswordBody, envelope.payload?.body));
    return null;
  }

  @MessagePattern(IdentitySubjects.userDelete)
  @Audited({ action: 'user.delete', target: (p) => ({ kind: 'User', name: String(p['name']) }) })
  async delete(@Payload() envelope: Envelope): Promise<null> {
    await this.users.delete(envelope.actor, validatePayload(UserNamePayload, envelope.payload).name);
    return null;
  }
}
