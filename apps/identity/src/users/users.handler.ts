import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { Type } from 'class-transformer';
import { IsInt, IsObject, IsOptional, IsString, Max, Min, ValidateNested } from 'class-validator';
import { CreateUserBody, IdentitySubjects, Page, SetPasswordBody, UpdateUserBody, User } from '@cube/contracts';
import { Actor } from '@cube/messaging';
import { Audited } from '@cube/service-runtime';
import { UsersService } from './users.service';

class ListUsersPayload {
  @IsOptional() @IsInt() @Min(1) @Max(500) limit?: number;
  @IsOptional() @IsString() cursor?: string;
}

class UserNamePayload {
  @IsString() name!: string;
}

class UpdateUserPayload {
  @IsString() name!: string;
  // Absent means no change, as an empty body.
  @IsOptional() @ValidateNested() @Type(() => UpdateUserBody) body?: UpdateUserBody;
}

class SetPasswordPayload {
  @IsString() name!: string;
  @IsObject() @ValidateNested() @Type(() => SetPasswordBody) body!: SetPasswordBody;
}

@Controller()
export class UsersHandler {
  constructor(private readonly users: UsersService) {}

  @MessagePattern(IdentitySubjects.userList)
  list(@Payload('payload') page: ListUsersPayload, @Actor() actor: Actor): Promise<Page<User>> {
    return this.users.list(actor, page.limit ?? 50, page.cursor ?? null);
  }

  @MessagePattern(IdentitySubjects.userGet)
  get(@Payload('payload') { name }: UserNamePayload, @Actor() actor: Actor): Promise<User> {
    return this.users.get(actor, name);
  }

  @MessagePattern(IdentitySubjects.userCreate)
  @Audited({ action: 'user.create', target: (p) => ({ kind: 'User', name: String(p['name']) }) })
  create(@Payload('payload') body: CreateUserBody, @Actor() actor: Actor): Promise<User> {
    return this.users.create(actor, body);
  }

  @MessagePattern(IdentitySubjects.userUpdate)
  @Audited({ action: 'user.update', target: (p) => ({ kind: 'User', name: String(p['name']) }) })
  update(@Payload('payload') { name, body }: UpdateUserPayload, @Actor() actor: Actor): Promise<User> {
    return this.users.update(actor, name, body ?? new UpdateUserBody());
  }

  @MessagePattern(IdentitySubjects.userSetPassword)
  @Audited({ action: 'user.set-password', target: (p) => ({ kind: 'User', name: String(p['name']) }) })
  async setPassword(@Payload('payload') { name, body }: SetPasswordPayload, @Actor() actor: Actor): Promise<null> {
    await this.users.setPassword(actor, name, body);
    return null;
  }

  @MessagePattern(IdentitySubjects.userDelete)
  @Audited({ action: 'user.delete', target: (p) => ({ kind: 'User', name: String(p['name']) }) })
  async delete(@Payload('payload') { name }: UserNamePayload, @Actor() actor: Actor): Promise<null> {
    await this.users.delete(actor, name);
    return null;
  }
}
