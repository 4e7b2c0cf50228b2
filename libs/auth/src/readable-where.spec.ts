import { createMongoAbility } from '@casl/ability';
import { CubeError } from '@cube/contracts';
import { defineAbilityFor, PlatformAbility } from './ability.factory';
import { makeBinding } from './make-binding.testing';
import { readableWhere } from './readable-where';

const COLUMNS = { role: '"role"', scope: '"scope_kind"', tenant: '"tenant"', project: '"project"' };
const alice = { kind: 'user' as const, name: 'alice', groups: [] };

describe('readableWhere', () => {
  it('turns a tenant admin and a project viewer into OR-ed equalities, numbered from the given parameter', () => {
    const ability = defineAbilityFor(alice, [
      makeBinding('tenant-admin', { kind: 'tenant', tenant: 'acme' }),
      makeBinding('viewer', { kind: 'project', tenant: 'globex', project: 'web' }),
    ]);
    const condition = readableWhere(ability, 'RoleBinding', COLUMNS, 4);
    // Placeholders run $4, $5, … one per parameter, and each stands for the value its rule compares.
    const placeholders = [...condition.sql.matchAll(/\$(\d+)/g)].map((m) => Number(m[1]));
    expect(placeholders).toEqual(condition.params.map((_, i) => 4 + i));
    const bound = condition.sql.replace(/\$(\d+)/g, (_, n: string) => `'${String(condition.params[Number(n) - 4])}'`);
    expect(bound).toMatch(/^\(.* OR .*\)$/);
    const branches = bound.slice(1, -1).split(' OR ');
    expect(branches.sort()).toEqual([`("tenant" = 'acme')`, `("tenant" = 'globex' AND "project" = 'web')`]);
  });

  it('sees everything with an unconditional rule and nothing without a rule', () => {
    const admin = defineAbilityFor(alice, [makeBinding('platform-admin', { kind: 'platform' })]);
    expect(readableWhere(admin, 'RoleBinding', COLUMNS, 1)).toEqual({ sql: 'TRUE', params: [] });
    expect(readableWhere(defineAbilityFor(alice, []), 'RoleBinding', COLUMNS, 1)).toEqual({ sql: 'FALSE', params: [] });
  });

  it('refuses rules it cannot express rather than widening them', () => {
    const inverted = createMongoAbility<PlatformAbility>([{ action: 'read', subject: 'RoleBinding', inverted: true }]);
    expect(() => readableWhere(inverted, 'RoleBinding', COLUMNS, 1)).toThrow(CubeError);
    const unknownColumn = createMongoAbility<PlatformAbility>([{ action: 'read', subject: 'RoleBinding', conditions: { owner: 'x' } }]);
    expect(() => readableWhere(unknownColumn, 'RoleBinding', COLUMNS, 1)).toThrow(CubeError);
  });
});
