import { CubeError } from '@cube/contracts';
import { bundleObjects, checkBundle } from './bundle';

const rules = { allowedClusterKinds: new Set(['Namespace']) };
const fieldsOf = (bundle: string) => {
  try {
    checkBundle(bundle, rules);
  } catch (error: unknown) {
    if (error instanceof CubeError) return (error.details as { fields: { field: string; problems: string[] }[] }).fields;
    throw error;
  }
  throw new Error('accepted');
};

describe('custom bundles', () => {
  const good = [
    'apiVersion: v1',
    'kind: ConfigMap',
    'metadata:',
    '  name: "{{cluster}}-settings"',
    'data:',
    '  cluster: "{{ cluster }}"',
  ].join('\n');

  it('counts the objects of a valid bundle and substitutes the cluster name when rendering', () => {
    expect(checkBundle(`${good}\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: extra\n`, rules)).toBe(2);
    const [object] = bundleObjects(good, 'east') as { metadata: { name: string }; data: Record<string, string> }[];
    expect(object?.metadata.name).toBe('east-settings');
    expect(object?.data).toEqual({ cluster: 'east' });
  });

  it('names the document and field of every problem', () => {
    const bundle = [
      good,
      'kind: Service\nmetadata:\n  name: web',
      'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: admin-ish',
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {}',
    ].join('\n---\n');
    expect(fieldsOf(bundle).map((f) => f.field)).toEqual(['bundle[1].apiVersion', 'bundle[2].kind', 'bundle[3].metadata.name']);
  });

  it('refuses YAML that does not parse, naming the document', () => {
    expect(fieldsOf(`${good}\n---\nkind: [unclosed\n`)[0]?.field).toBe('bundle[1]');
  });

  it('refuses a bundle over 2 MiB', () => {
    expect(fieldsOf(`${good}\n#${'x'.repeat(2 * 1024 * 1024)}`)[0]?.field).toBe('bundle');
  });
});
