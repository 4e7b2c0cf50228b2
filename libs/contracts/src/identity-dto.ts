import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsDefined,
  IsEmail,
  IsIn,
  IsISO8601,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  MinLength,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { BINDING_ORIGINS, BindingOrigin, ROLE_NAMES, RoleName } from './identity';
import { OptionalDisplayName } from './dto-fields';
import { PageQuery } from './page-query';

/** DNS label, as Kubernetes names it (API.md: every Cube name). */
export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
export const DNS_LABEL_MESSAGE = '$property must be a DNS label: lower-case letters, digits and "-", at most 63 characters';

export class LoginBody {
  @ApiProperty({ example: 'admin' })
  @IsString()
  @MaxLength(256)
  username!: string;

  @ApiProperty({ format: 'password' })
  @IsString()
  @MaxLength(1024)
  password!: string;

  @ApiPropertyOptional({
    enum: ['local', 'ldap'],
    default: 'local',
    description: '`ldap` is refused with 400 (details.reason `provider_not_configured`) when LDAP is not configured',
  })
  @IsOptional()
  @IsIn(['local', 'ldap'])
  provider?: 'local' | 'ldap';
}

export class RefreshBody {
  @ApiProperty()
  @IsString()
  @MaxLength(512)
  refreshToken!: string;
}

export class TokenPairView {
  @ApiProperty() accessToken!: string;
  @ApiProperty() refreshToken!: string;
  @ApiProperty({ description: 'seconds until the access token expires' }) expiresIn!: number;
  @ApiProperty({ enum: ['Bearer'] }) tokenType!: 'Bearer';
}

export class CreateUserBody {
  @ApiProperty({ example: 'alice', pattern: DNS_LABEL.source })
  @Matches(DNS_LABEL, { message: DNS_LABEL_MESSAGE })
  name!: string;

  @OptionalDisplayName()
  displayName?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsEmail()
  @MaxLength(320)
  email?: string;

  @ApiPropertyOptional({ format: 'password', minLength: 10 })
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  password?: string;
}

export class UpdateUserBody {
  @OptionalDisplayName()
  displayName?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsEmail()
  @MaxLength(320)
  email?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(64)
  phone?: string;

  @ApiPropertyOptional({ enum: ['active', 'disabled'] })
  @IsOptional()
  @IsIn(['active', 'disabled'])
  state?: 'active' | 'disabled';
}

export class SetPasswordBody {
  @ApiPropertyOptional({ format: 'password', description: 'required unless the caller is a platform admin' })
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  currentPassword?: string;

  @ApiProperty({ format: 'password', minLength: 10 })
  @IsString()
  @MinLength(1)
  @MaxLength(1024)
  newPassword!: string;
}

export class CreateApiTokenBody {
  @ApiProperty({ example: 'ci-pipeline' })
  @IsString()
  @MinLength(1)
  @MaxLength(128)
  name!: string;

  @ApiPropertyOptional({ format: 'date-time' })
  @IsOptional()
  @IsISO8601({ strict: true })
  expiresAt?: string;
}

export class UserView {
  @ApiProperty() name!: string;
  @ApiProperty() displayName!: string;
  @ApiProperty({ nullable: true, type: String }) email!: string | null;
  @ApiProperty({ nullable: true, type: String }) phone!: string | null;
  @ApiProperty({ enum: ['active', 'disabled'] }) state!: 'active' | 'disabled';
  @ApiProperty({ enum: ['local', 'ldap', 'oidc'] }) source!: 'local' | 'ldap' | 'oidc';
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) lastLoginAt!: string | null;
  @ApiProperty() version!: number;
}

export class ApiTokenItemView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) expiresAt!: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) lastUsedAt!: string | null;
}

export class CreatedApiTokenView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ description: 'the secret; shown only in this response' }) token!: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) expiresAt!: string | null;
}

export class ErrorView {
  @ApiProperty({
    enum: [
      'BAD_REQUEST',
      'UNAUTHENTICATED',
      'FORBIDDEN',
      'NOT_FOUND',
      'CONFLICT',
      'PAYLOAD_TOO_LARGE',
      'UNPROCESSABLE',
      'RATE_LIMITED',
      'UNAVAILABLE',
    ],
  })
  code!: string;
  @ApiProperty() message!: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) details!: Record<string, unknown>;
}

export class BindingSubjectBody {
  @ApiProperty({ enum: ['User', 'Group'] })
  @IsIn(['User', 'Group'])
  kind!: 'User' | 'Group';

  @ApiProperty({ example: 'alice' })
  @IsString()
  @MinLength(1)
  @MaxLength(256)
  name!: string;
}

export class BindingScopeBody {
  @ApiProperty({ enum: ['platform', 'tenant', 'project'] })
  @IsIn(['platform', 'tenant', 'project'])
  kind!: 'platform' | 'tenant' | 'project';

  @ApiPropertyOptional({ description: 'required for tenant and project scope' })
  @ValidateIf((scope: BindingScopeBody) => scope.kind !== 'platform')
  @Matches(DNS_LABEL, { message: DNS_LABEL_MESSAGE })
  tenant?: string;

  @ApiPropertyOptional({ description: 'required for project scope' })
  @ValidateIf((scope: BindingScopeBody) => scope.kind === 'project')
  @Matches(DNS_LABEL, { message: DNS_LABEL_MESSAGE })
  project?: string;
}

export class CreateRoleBindingBody {
  @ApiProperty({ type: BindingSubjectBody })
  @IsDefined()
  @ValidateNested()
  @Type(() => BindingSubjectBody)
  subject!: BindingSubjectBody;

  @ApiProperty({ enum: ROLE_NAMES })
  @IsIn(ROLE_NAMES)
  role!: RoleName;

  @ApiProperty({ type: BindingScopeBody })
  @IsDefined()
  @ValidateNested()
  @Type(() => BindingScopeBody)
  scope!: BindingScopeBody;
}

export class RoleBindingView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ type: BindingSubjectBody }) subject!: BindingSubjectBody;
  @ApiProperty({ enum: ROLE_NAMES }) role!: RoleName;
  @ApiProperty({ type: BindingScopeBody }) scope!: BindingScopeBody;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty() createdBy!: string;
  @ApiProperty({ enum: BINDING_ORIGINS, description: '`manual` (made through the API) or the login source whose group mapping made it' })
  origin!: BindingOrigin;
  @ApiProperty() version!: number;
}

export class ListRoleBindingsQuery extends PageQuery {
  @ApiPropertyOptional({ description: '`platform`, `tenant:<tenant>` or `project:<tenant>/<project>`' })
  @IsOptional()
  @Matches(/^(platform|tenant:[a-z0-9-]{1,63}|project:[a-z0-9-]{1,63}\/[a-z0-9-]{1,63})$/, {
    message: 'scope must be platform, tenant:<tenant> or project:<tenant>/<project>',
  })
  scope?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(256)
  user?: string;
}

export class OidcLoginQuery {
  @ApiPropertyOptional({
    description: 'where the SPA wants to land after login; must match CUBE_OIDC_ALLOWED_REDIRECTS (default: its first entry)',
  })
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  redirect?: string;
}

/** `GET /api/v1/me`. */
export class MeView {
  @ApiProperty({ type: UserView }) user!: UserView;
  @ApiProperty({ type: RoleBindingView, isArray: true, description: "the caller's bindings and those of their groups" })
  bindings!: RoleBindingView[];
  @ApiProperty({
    type: 'array',
    items: { type: 'array', items: {} },
    description: 'packed CASL rules (`packRules` of @casl/ability/extra): unpack them to ask what the caller may do',
  })
  rules!: unknown[];
}

const STRING_OR_STRINGS = { oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] };

/** A platform (CASL) rule of a built-in role, before a binding's scope narrows it. */
export class PlatformRuleView {
  @ApiProperty({ ...STRING_OR_STRINGS, description: 'read, create, update, delete or manage (all of them)' }) action!: string | string[];
  @ApiProperty({ ...STRING_OR_STRINGS, description: 'a platform object kind (Tenant, Project, Namespace, …) or all' }) subject!:
    | string
    | string[];
  @ApiPropertyOptional({ enum: ['scope', 'tenant', 'none'], description: "how far the binding's scope narrows the rule (default scope)" })
  narrowTo?: 'scope' | 'tenant' | 'none';
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string' },
    description: 'fixed conditions, e.g. { level: namespace }',
  })
  where?: Record<string, string>;
  @ApiPropertyOptional({ enum: ['platform', 'tenant', 'project'], isArray: true, description: 'only at these scope kinds' })
  onlyAt?: string[];
  @ApiPropertyOptional({ type: String, isArray: true }) fields?: string[];
}

/** A rule of the `cube:<role>` ClusterRole in member clusters (Kubernetes PolicyRule). */
export class NativePolicyRuleView {
  @ApiPropertyOptional({ type: String, isArray: true }) apiGroups?: string[];
  @ApiPropertyOptional({ type: String, isArray: true }) resources?: string[];
  @ApiPropertyOptional({ type: String, isArray: true }) resourceNames?: string[];
  @ApiPropertyOptional({ type: String, isArray: true }) nonResourceURLs?: string[];
  @ApiProperty({ type: String, isArray: true }) verbs!: string[];
}

/** An item of `GET /api/v1/roles`. */
export class RoleView {
  @ApiProperty({ enum: ROLE_NAMES }) name!: RoleName;
  @ApiProperty() description!: string;
  @ApiProperty({ description: 'platform-admin 5 > tenant-admin 4 > project-admin 3 > member 2 > viewer 1; nobody grants above their own' })
  rank!: number;
  @ApiProperty({ enum: ['platform', 'tenant', 'project'], isArray: true, description: 'scope kinds a binding of this role may have' })
  scopes!: string[];
  @ApiProperty({ type: PlatformRuleView, isArray: true }) platformRules!: PlatformRuleView[];
  @ApiProperty({ type: NativePolicyRuleView, isArray: true }) nativeRules!: NativePolicyRuleView[];
}

/** A public key of `GET /.well-known/jwks.json` (RFC 7517; Ed25519 as RFC 8037 OKP). */
export class JsonWebKeyView {
  @ApiProperty() kid!: string;
  @ApiProperty({ example: 'OKP' }) kty!: string;
  @ApiPropertyOptional({ example: 'Ed25519' }) crv?: string;
  @ApiPropertyOptional({ description: 'the public key, base64url' }) x?: string;
  @ApiPropertyOptional({ example: 'EdDSA' }) alg?: string;
  @ApiPropertyOptional({ example: 'sig' }) use?: string;
}

export class JsonWebKeySetView {
  @ApiProperty({ type: JsonWebKeyView, isArray: true }) keys!: JsonWebKeyView[];
}
