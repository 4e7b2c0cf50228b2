import { CubeError } from '@cube/contracts';
import type { PlatformAbility } from './ability.factory';
import type { PlatformSubjectKind } from './platform-subjects';

/**
 * A SQL condition with named parameters (`:readable_0`, …), as TypeORM's QueryBuilder takes them:
 * `qb.andWhere(condition.sql, condition.params)`.
 */
export interface SqlCondition {
  sql: string;
  params: Record<string, string>;
}

/**
 * The `read` rules of `kind` as a WHERE condition over `columns` (rule attribute → SQL column), so a
 * list is filtered by the query itself and LIMIT stays exact. A rule without conditions makes
 * everything visible; no rule makes nothing visible. Built-in roles only grant with string equality
 * conditions; anything else is refused loudly rather than guessed at. Parameter names start with
 * `prefix`, so two conditions can share one query.
 */
export function readableWhere(
  ability: PlatformAbility,
  kind: PlatformSubjectKind,
  columns: Record<string, string>,
  prefix = 'readable',
): SqlCondition {
  const params: Record<string, string> = {};
  let count = 0;
  const branches: string[] = [];
  // Several roles grant the same condition (a tenant admin reads its tenant's bindings by two rules): one branch each.
  const seen = new Set<string>();
  for (const rule of ability.rulesFor('read', kind)) {
    if (rule.inverted) throw new CubeError('INTERNAL', `a "cannot read ${kind}" rule cannot be turned into a query`);
    const entries = Object.entries((rule.conditions ?? {}) as Record<string, unknown>);
    const key = JSON.stringify(entries);
    if (seen.has(key)) continue;
    seen.add(key);
    const terms: string[] = [];
    for (const [attribute, value] of entries) {
      const column = columns[attribute];
      if (!column || typeof value !== 'string') {
        throw new CubeError('INTERNAL', `a read rule on ${kind}.${attribute} cannot be turned into a query`);
      }
      const name = `${prefix}_${count++}`;
      params[name] = value;
      terms.push(`${column} = :${name}`);
    }
    if (terms.length === 0) return { sql: 'TRUE', params: {} };
    branches.push(`(${terms.join(' AND ')})`);
  }
  return branches.length === 0 ? { sql: 'FALSE', params: {} } : { sql: `(${branches.join(' OR ')})`, params };
}
