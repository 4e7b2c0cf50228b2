import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsBoolean, IsObject, IsOptional, ValidateBy, ValidateNested, ValidationOptions } from 'class-validator';
import { DNS_LABEL } from './identity-dto';
import { isCountingQuotaKey, isQuotaKey, QUOTA_RESOURCE_NAMES } from './quota-keys';
import { parseQuantity, QuantityError, isWholeQuantity } from './quantity';
import { OptionalDescription, OptionalDisplayName } from './dto-fields';

/**
 * Constraints whose failure means "well-formed, but breaks a naming, quota or webhook URL rule": validation
 * reports them as 422 UNPROCESSABLE (with `details.fields`), other malformed input as 400.
 */
export const RULE_CONSTRAINTS = ['isDnsLabel', 'isDnsSubdomain', 'isQuotaHard', 'isLabelMap', 'isWebhookUrl'] as const;

/** A Kubernetes DNS label (RFC 1123): the name of every tenant, project, namespace and cluster. */
export function IsDnsLabel(options?: ValidationOptions) {
  return ValidateBy(
    {
      name: 'isDnsLabel',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && DNS_LABEL.test(value),
        defaultMessage: () =>
          '$property must be a DNS label: lower-case letters, digits and "-", at most 63 characters, starting and ending with a letter or digit',
      },
    },
    options,
  );
}

/** A DNS subdomain (RFC 1123): the name of a pod. */
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export function IsDnsSubdomain(options?: ValidationOptions) {
  return ValidateBy(
    {
      name: 'isDnsSubdomain',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && value.length <= 253 && DNS_SUBDOMAIN.test(value),
        defaultMessage: () => '$property must be a DNS subdomain: lower-case letters, digits, "-" and ".", at most 253 characters',
      },
    },
    options,
  );
}

/** Problems of a quota `hard` map, one line per bad entry; empty when it is a valid quota. */
export function quotaHardProblems(hard: unknown): string[] {
  if (typeof hard !== 'object' || hard === null || Array.isArray(hard)) return ['must be an object of resource names to quantities'];
  const problems: string[] = [];
  const entries = Object.entries(hard as Record<string, unknown>);
  if (entries.length > 64) problems.push('at most 64 resources');
  for (const [key, value] of entries) {
    if (!isQuotaKey(key)) {
      problems.push(`"${key}" is not a quota resource (${QUOTA_RESOURCE_NAMES.join(', ')} or count/<resource>[.<group>])`);
      continue;
    }
    try {
      const amount = parseQuantity(String(value));
      if (typeof value !== 'string') problems.push(`"${key}" must be a quantity string`);
      else if (isCountingQuotaKey(key) && !isWholeQuantity(amount))
        problems.push(`"${key}" counts objects: ${value} is not a whole number`);
    } catch (error: unknown) {
      if (!(error instanceof QuantityError)) throw error;
      problems.push(`"${key}": ${error.message}`);
    }
  }
  return problems;
}

function IsQuotaHard(options?: ValidationOptions) {
  return ValidateBy(
    {
      name: 'isQuotaHard',
      validator: {
        validate: (value: unknown) => quotaHardProblems(value).length === 0,
        defaultMessage: (args) => `$property: ${quotaHardProblems(args?.value).join('; ')}`,
      },
    },
    options,
  );
}

// Kubernetes label keys ([prefix/]name) and values (RFC 1123-ish, 63 characters).
const LABEL_NAME = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)$/;
const LABEL_PREFIX = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;

function isLabelKey(key: string): boolean {
  const slash = key.lastIndexOf('/');
  if (slash < 0) return LABEL_NAME.test(key);
  const prefix = key.slice(0, slash);
  return prefix.length <= 253 && LABEL_PREFIX.test(prefix) && LABEL_NAME.test(key.slice(slash + 1));
}

function IsLabelMap(options?: ValidationOptions) {
  return ValidateBy(
    {
      name: 'isLabelMap',
      validator: {
        validate: (value: unknown) =>
          typeof value === 'object' &&
          value !== null &&
          !Array.isArray(value) &&
          Object.keys(value).length <= 64 &&
          Object.entries(value).every(([key, text]) => isLabelKey(key) && typeof text === 'string' && LABEL_VALUE.test(text)),
        defaultMessage: () => '$property must map Kubernetes label keys to label values (at most 64 labels)',
      },
    },
    options,
  );
}

export class CreateTenantBody {
  @ApiProperty({ example: 'acme', pattern: DNS_LABEL.source })
  @IsDnsLabel()
  name!: string;

  @OptionalDisplayName()
  displayName?: string;

  @OptionalDescription()
  description?: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' } })
  @IsOptional()
  @IsLabelMap()
  labels?: Record<string, string>;
}

/** Projects are created with the same fields as tenants. */
export class CreateProjectBody extends CreateTenantBody {}

/** PATCH of a tenant or project: only what is given changes. */
export class UpdateTenancyObjectBody {
  @OptionalDisplayName()
  displayName?: string;

  @OptionalDescription()
  description?: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' }, description: 'replaces the labels' })
  @IsOptional()
  @IsLabelMap()
  labels?: Record<string, string>;
}

export class QuotaBody {
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string' },
    example: { 'requests.cpu': '2', 'requests.memory': '4Gi', pods: '20' },
    description: `resource names (${QUOTA_RESOURCE_NAMES.join(', ')}, count/<resource>[.<group>]) to Kubernetes quantities`,
  })
  @IsObject()
  @IsQuotaHard()
  hard!: Record<string, string>;
}

export class CreateNamespaceBody {
  @ApiProperty({ example: 'team-a-dev', pattern: DNS_LABEL.source })
  @IsDnsLabel()
  name!: string;

  @ApiProperty({ example: 'member-a', pattern: DNS_LABEL.source, description: 'the member cluster the namespace lives in' })
  @IsDnsLabel()
  cluster!: string;

  @ApiPropertyOptional({ type: QuotaBody })
  @IsOptional()
  @ValidateNested()
  @Type(() => QuotaBody)
  quota?: QuotaBody;
}

/** `?cascade=true` on DELETE of a tenant or project. */
export class CascadeQuery {
  @ApiPropertyOptional({ type: Boolean, default: false })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean()
  cascade?: boolean;
}

export class ListNamespacesQuery {
  @ApiPropertyOptional()
  @IsOptional()
  @IsDnsLabel()
  cluster?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsDnsLabel()
  tenant?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsDnsLabel()
  project?: string;
}

export class TenantView {
  @ApiProperty() name!: string;
  @ApiProperty() displayName!: string;
  @ApiProperty() description!: string;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } }) labels!: Record<string, string>;
  @ApiProperty() createdBy!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
  @ApiProperty() version!: number;
}

export class ProjectView extends TenantView {
  @ApiProperty() tenant!: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'object', additionalProperties: { type: 'string' } },
    description: "per cluster, the sum of its namespaces' quotas (projects have no quota of their own)",
  })
  quota!: Record<string, Record<string, string>>;
}

export class NamespaceView {
  @ApiProperty() name!: string;
  @ApiProperty() cluster!: string;
  @ApiProperty() tenant!: string;
  @ApiProperty() project!: string;
  @ApiProperty({ type: QuotaBody, nullable: true }) quota!: { hard: Record<string, string> } | null;
  @ApiProperty() createdBy!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty() version!: number;
}

export class TenantQuotaView {
  @ApiProperty() cluster!: string;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } }) hard!: Record<string, string>;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' }, description: "sum of the namespaces' quotas" })
  allocated!: Record<string, string>;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' }, description: 'hard minus allocated' })
  free!: Record<string, string>;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string' },
    description: 'as reported by Warden from the ResourceQuota status',
  })
  used!: Record<string, string>;
}
