import { CubeError } from '@cube/contracts';
import { BUILT_IN_COMPONENTS } from './built-in-components';
import { monitoring } from './monitoring/monitoring.component';
import { canonicalJson, deepMerge, ValuesValidator } from './values';

describe('component values', () => {
  it('deep-merges maps, replaces lists and scalars, and lets the override win', () => {
    const merged = deepMerge({ a: { b: 1, c: [1, 2], d: 'x' }, keep: true }, { a: { c: [3], d: 'y', e: null } });
    expect(merged).toEqual({ a: { b: 1, c: [3], d: 'y', e: null }, keep: true });
  });

  it('writes the same JSON for the same values whatever the key order', () => {
    expect(canonicalJson({ b: 1, a: { d: 2, c: [{ f: 1, e: 2 }] } })).toBe(canonicalJson({ a: { c: [{ e: 2, f: 1 }], d: 2 }, b: 1 }));
  });

  it('refuses values that break the schema with 422 and JSON pointers to each bad field', () => {
    const values = deepMerge(monitoring.defaultValues, { prometheus: { retention: 'forever', replicas: 0 }, extra: 1 });
    let thrown: unknown;
    try {
      new ValuesValidator().check('monitoring', monitoring.valuesSchema, values);
    } catch (error: unknown) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(CubeError);
    const { code, details } = thrown as CubeError;
    expect(code).toBe('UNPROCESSABLE');
    expect((details as { fields: { field: string }[] }).fields.map((f) => f.field).sort()).toEqual([
      '/extra',
      '/prometheus/replicas',
      '/prometheus/retention',
    ]);
  });

  it('accepts the catalog defaults of every built-in component', () => {
    const validator = new ValuesValidator();
    for (const component of BUILT_IN_COMPONENTS.values()) {
      expect(() => validator.check(component.name, component.valuesSchema, component.defaultValues)).not.toThrow();
    }
  });
});
