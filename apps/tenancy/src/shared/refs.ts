import { Type } from 'class-transformer';
import { IsBoolean, IsOptional, IsString, MaxLength, ValidateNested } from 'class-validator';
import { CreateNamespaceBody, CreateProjectBody, PageQuery, QuotaBody, UpdateTenancyObjectBody } from '@cube/contracts';

// Path parameters are plain strings here: a name that cannot exist is simply not found (404).

export class TenantRef {
  @IsString() @MaxLength(253) tenant!: string;
}

export class ProjectRef extends TenantRef {
  @IsString() @MaxLength(253) project!: string;
}

export class NamespaceRef extends ProjectRef {
  @IsString() @MaxLength(253) cluster!: string;
  @IsString() @MaxLength(253) namespace!: string;
}

export class TenantPagePayload extends PageQuery {
  @IsString() @MaxLength(253) tenant!: string;
}

export class ProjectPagePayload extends TenantPagePayload {
  @IsString() @MaxLength(253) project!: string;
}

export class NamespaceListPayload extends PageQuery {
  @IsOptional() @IsString() @MaxLength(253) tenant?: string;
  @IsOptional() @IsString() @MaxLength(253) project?: string;
  @IsOptional() @IsString() @MaxLength(253) cluster?: string;
}

export class UpdateTenantPayload extends TenantRef {
  @ValidateNested() @Type(() => UpdateTenancyObjectBody) body!: UpdateTenancyObjectBody;
}

export class DeleteTenantPayload extends TenantRef {
  @IsOptional() @IsBoolean() cascade?: boolean;
}

export class CreateProjectPayload extends TenantRef {
  @ValidateNested() @Type(() => CreateProjectBody) body!: CreateProjectBody;
}

export class UpdateProjectPayload extends ProjectRef {
  @ValidateNested() @Type(() => UpdateTenancyObjectBody) body!: UpdateTenancyObjectBody;
}

export class DeleteProjectPayload extends ProjectRef {
  @IsOptional() @IsBoolean() cascade?: boolean;
}

export class CreateNamespacePayload extends ProjectRef {
  @ValidateNested() @Type(() => CreateNamespaceBody) body!: CreateNamespaceBody;
}

export class SetNamespaceQuotaPayload extends NamespaceRef {
  @ValidateNested() @Type(() => QuotaBody) body!: QuotaBody;
}

export class SetTenantQuotaPayload extends TenantRef {
  @IsString() @MaxLength(253) cluster!: string;
  @ValidateNested() @Type(() => QuotaBody) body!: QuotaBody;
}
