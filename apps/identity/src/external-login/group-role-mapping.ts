import { plainToInstance, Type } from 'class-transformer';
import { IsIn, IsString, MaxLength, MinLength, validateSync, ValidateNested } from 'class-validator';
import { roleAllowsScope } from '@cube/auth';
import { BindingScope, BindingScopeBody, ROLE_NAMES, RoleName } from '@cube/contracts';
import { ConfigurationError } from '@cube/service-runtime';

/** One row of a group → role table: members of `group` get `role` at `scope`. */
export interface GroupRoleMapping {
  group: string;
  role: RoleName;
  scope: BindingScope;
}

class GroupRoleMappingEntry {
  @IsString()
  @MinLength(1)
  @MaxLength(1024)
  group!: string;

  @IsIn(ROLE_NAMES)
  role!: RoleName;

  @ValidateNested()
  @Type(() => BindingScopeBody)
  scope!: BindingScopeBody;
}

function toScope(body: BindingScopeBody): BindingScope {
  if (body.kind === 'platform') return { kind: 'platform' };
  if (body.kind === 'tenant') return { kind: 'tenant', tenant: body.tenant ?? '' };
  return { kind: 'project', tenant: body.tenant ?? '', project: body.project ?? '' };
}

/**
 * Parses a mapping table given as JSON in the variable `variable`, e.g.
 * `[{"group":"cn=ops,ou=groups,dc=example,dc=org","role":"platform-admin","scope":{"kind":"platform"}}]`.
 * Throws a ConfigurationError naming the variable and the bad entry.
 */
export function parseGroupRoleMapping(variable: string, json: string): GroupRoleMapping[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new ConfigurationError(`invalid configuration: ${variable} must be a JSON array of { group, role, scope }`);
  }
  if (!Array.isArray(parsed))
    throw new ConfigurationError(`invalid configuration: ${variable} must be a JSON array of { group, role, scope }`);
  return parsed.map((raw: unknown, index) => {
    const entry = plainToInstance(GroupRoleMappingEntry, raw);
    const [first] =
      typeof raw === 'object' && raw !== null ? validateSync(entry, { whitelist: true, forbidNonWhitelisted: true }) : [undefined];
    if (typeof raw !== 'object' || raw === null || first) {
      const problem = first ? (Object.values(first.constraints ?? {})[0] ?? `${first.property} is invalid`) : 'not an object';
      throw new ConfigurationError(`invalid configuration: ${variable}[${index}]: ${problem}`);
    }
    if (!roleAllowsScope(entry.role, entry.scope.kind)) {
      throw new ConfigurationError(
        `invalid configuration: ${variable}[${index}]: role ${entry.role} cannot be bound at ${entry.scope.kind} scope`,
      );
    }
    return { group: entry.group, role: entry.role, scope: toScope(entry.scope) };
  });
}

/** The identity of a binding for reconciliation: role and scope (the subject is the user logging in). */
export function bindingKey(binding: { role: RoleName; scope: BindingScope }): string {
  const scope = binding.scope;
  const where =
    scope.kind === 'platform'
      ? 'platform'
      : scope.kind === 'tenant'
        ? `tenant:${scope.tenant}`
        : `project:${scope.tenant}/${scope.project}`;
  return `${binding.role}@${where}`;
}

/**
 * The bindings a user's groups call for, one per role and scope (the first mapped group names it).
 * `sameGroup` decides equality of group names: LDAP DNs compare loosely, OIDC claims exactly.
 */
export function bindingsForGroups(
  mapping: GroupRoleMapping[],
  groups: string[],
  sameGroup: (a: string, b: string) => boolean = (a, b) => a === b,
): GroupRoleMapping[] {
  const wanted = new Map<string, GroupRoleMapping>();
  for (const row of mapping) {
    const member = groups.find((group) => sameGroup(group, row.group));
    if (member === undefined) continue;
    const key = bindingKey(row);
    if (!wanted.has(key)) wanted.set(key, row);
  }
  return [...wanted.values()];
}
