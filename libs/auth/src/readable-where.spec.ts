import { createMongoAbility } from '@casl/ability';
import { CubeError } from '@cube/contracts';
import { defineAbilityFor, PlatformAbility } from './ability.factory';
import { makeBinding } from './make-binding.testing';
import { readableWhere } from './readable-where';

const COLUMNS = { role: '"role"', scope: '"scope_kind"', tenant: '"tenant"', project: '"project"' };
const alice = { kind: 'user' as const, name: 'alice', groups: [] };

describe('readableWhere', () => {
  it('turns a tenant admin and a project viewer into OR-ed equalities with named parameters', () => {
    const ability = defineAbilityFor(alice, [
      makeBinding('tenant-admin', { kind: 'tenant', tenant: 'acme' }),
      makeBinding('viewer', { kind: 'project', tenant: 'globex', project: 'web' }),
    ]);
    const condition = readableWhere(ability, 'RoleBinding', COLUMNS, 'visible');
    // Each placeholder is one parameter of the given prefix, and stands for the value its rule compares.
    const placeholders = [...condition.sql.matchAll(/:(\w+)/g)].map((m) => m[1]);
    expect(placeholders.sort()).toEqual(Object.keys(condition.params).sort());
    expect(placeholders.every((name) => name?.startsWith('visible_'))).toBe(true);
    const bound = condition.sql.replace(/:(\w+)/g, (_, name: string) => `'${condition.params[name] ?? '?'}'`);
    expect(bound).toMatch(/^\(.* OR .*\)$/);
    const branches = bound.slice(1, -1).split(' OR ');
    expect(branches.sort()).toEqual([`("tenant" = 'acme')`, `("tenant" = 'globex' AND "project" = 'web')`]);
  });

  it('sees everything with an unconditional rule and nothing without a rule', () => {
    const admin = defineAbilityFor(alice, [makeBinding('platform-admin', { kind: 'platform' })]);
    expect(readableWhere(admin, 'RoleBinding', COLUMNS)).toEqual({ sql: 'TRUE', params: {} });
    expect(readableWhere(defineAbilityFor(alice, []), 'RoleBinding', COLUMNS)).toEqual({ sql: 'FALSE', params: {} });
  });

  it('refuses rules it cannot express rather than widening them', () => {
    const inverted = createMongoAbility<PlatformAbility>([{ action: 'read', subject: 'RoleBinding', inverted: true }]);
    expect(() => readableWhere(inverted, 'RoleBinding', COLUMNS)).toThrow(CubeError);
    const unknownColumn = createMongoAbility<PlatformAbility>([{ action: 'read', subject: 'RoleBinding', conditions: { owner: 'x' } }]);
    expect(() => readableWhere(unknownColumn, 'RoleBinding', COLUMNS)).toThrow(CubeError);
  });
});
