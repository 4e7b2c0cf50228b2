import { FieldSet, pathToString } from './field-set';

describe('FieldSet', () => {
  const fieldsV1 = {
    'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
    'f:spec': {
      'f:containers': {
        'k:{"name":"app"}': { '.': {}, 'f:image': {}, 'f:name': {} },
      },
      'f:finalizers': { 'v:"a"': {} },
    },
  };

  it('reads and writes FieldsV1 without changing it', () => {
    expect(FieldSet.fromFieldsV1(fieldsV1).toFieldsV1()).toEqual(fieldsV1);
  });

  it('writes members with children as "." and sorts field names before keys and values', () => {
    const set = FieldSet.of([['f:b'], ['f:a', 'k:{"x":1}'], ['f:a', 'k:{"x":1}', 'f:y'], ['f:a', 'f:z']]);
    expect(JSON.stringify(set.toFieldsV1())).toBe('{"f:a":{"f:z":{},"k:{\\"x\\":1}":{".":{},"f:y":{}}},"f:b":{}}');
  });

  it('computes union, exact difference and intersection', () => {
    const a = FieldSet.of([['f:data', 'f:a'], ['f:data', 'f:b'], ['f:data']]);
    const b = FieldSet.of([['f:data', 'f:b']]);
    expect(a.difference(b).paths()).toEqual([['f:data'], ['f:data', 'f:a']]);
    expect(a.intersection(b).paths()).toEqual([['f:data', 'f:b']]);
    expect(b.union(FieldSet.of([['f:x']])).paths()).toEqual([['f:x'], ['f:data', 'f:b']]);
    expect(a.withoutSubtrees([['f:data']]).isEmpty()).toBe(true);
  });

  it('prints paths as conflict messages do', () => {
    expect(pathToString(['f:spec', 'f:containers', 'k:{"name":"app"}', 'f:image'])).toBe('.spec.containers[name="app"].image');
    expect(pathToString(['f:spec', 'f:ports', 'k:{"port":80,"protocol":"TCP"}'])).toBe('.spec.ports[port=80,protocol="TCP"]');
    expect(pathToString(['f:metadata', 'f:finalizers', 'v:"a"'])).toBe('.metadata.finalizers[="a"]');
  });
});
