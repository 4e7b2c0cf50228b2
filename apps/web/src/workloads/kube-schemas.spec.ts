import { Validator } from '@cfworker/json-schema';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { RESOURCE_KINDS, kindByKey } from './kinds';
import { schemaFor } from './kube-schemas';
import { templateFor } from './yaml-editor';

const kind = (key: string) => {
  const found = kindByKey(key);
  if (!found) throw new Error(`no kind ${key}`);
  return found;
};
const problems = (key: string, object: unknown) =>
  new Validator(schemaFor(kind(key)) as never, '2019-09', false).validate(object).errors.map((e) => e.instanceLocation);

describe('YAML editor hint schemas', () => {
  it('accept the template of every kind once it has a name (hints never mark a valid object)', () => {
    for (const kind of RESOURCE_KINDS) {
      const object = parse(templateFor(kind, 'team-a')) as { metadata: { name: string } };
      object.metadata.name = 'example';
      expect({ kind: kind.kind, problems: problems(kind.key, object) }).toEqual({ kind: kind.kind, problems: [] });
    }
  });

  it('mark what the API server would refuse: a wrong kind, a bad name, replicas as text, a port out of range', () => {
    const deployment = parse(templateFor(kind('deployments'), 'team-a')) as Record<string, unknown>;
    expect(problems('deployments', { ...deployment, kind: 'Pod', metadata: { name: 'Not_A_Name' }, spec: { replicas: 'two' } })).toEqual(
      expect.arrayContaining(['#/kind', '#/metadata/name', '#/spec/replicas', '#/spec']),
    );
    expect(
      problems('services', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { ports: [{ port: 70000 }] } }),
    ).toContain('#/spec/ports/0/port');
  });

  it('keeps one schema object per kind, so the editor is not rebuilt on every render', () => {
    expect(schemaFor(kind('configmaps'))).toBe(schemaFor(kind('configmaps')));
  });
});
