import type { BindingOrigin, BindingScope, RoleBinding, RoleName } from '@cube/contracts';

/** A role binding as a service stores it: identity's `role_bindings` and tenancy's projection of it share these columns. */
export interface StoredBindingRow {
  id: string;
  subjectKind: 'User' | 'Group';
  subjectName: string;
  role: RoleName;
  scopeKind: BindingScope['kind'];
  tenant: string | null;
  project: string | null;
  createdAt: Date;
  createdBy: string;
  origin: BindingOrigin;
  version: number;
}

function scopeOf(row: StoredBindingRow): BindingScope {
  if (row.scopeKind === 'tenant') return { kind: 'tenant', tenant: row.tenant ?? '' };
  if (row.scopeKind === 'project') return { kind: 'project', tenant: row.tenant ?? '', project: row.project ?? '' };
  return { kind: 'platform' };
}

/** The one mapping from a stored binding to the contract's RoleBinding. */
export function bindingFromRow(row: StoredBindingRow): RoleBinding {
  return {
    id: row.id,
    subject: { kind: row.subjectKind, name: row.subjectName },
    role: row.role,
    scope: scopeOf(row),
    createdAt: row.createdAt.toISOString(),
    createdBy: row.createdBy,
    origin: row.origin,
    version: row.version,
  };
}

/** The columns of a binding's scope, the inverse of the mapping above. */
export function scopeColumns(scope: BindingScope): Pick<StoredBindingRow, 'scopeKind' | 'tenant' | 'project'> {
  return {
    scopeKind: scope.kind,
    tenant: scope.kind === 'platform' ? null : scope.tenant,
    project: scope.kind === 'project' ? scope.project : null,
  };
}
