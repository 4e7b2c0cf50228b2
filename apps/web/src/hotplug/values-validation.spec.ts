import { describe, expect, it } from 'vitest';
import { ApiError } from '../api/api-error';
import { apiProblems, fieldLabel, parseValues, schemaProblems } from './values-validation';

// The shape of the built-in monitoring component's schema (apps/hotplug/src/catalog/monitoring): $defs, required, patterns, nulls.
const schema = {
  type: 'object',
  additionalProperties: false,
  required: ['prometheus'],
  properties: {
    prometheus: {
      type: 'object',
      additionalProperties: false,
      required: ['image', 'replicas', 'retention'],
      properties: {
        image: { $ref: '#/$defs/image' },
        replicas: { type: 'integer', minimum: 1, maximum: 5 },
        retention: { type: 'string', pattern: '^[0-9]+(ms|s|m|h|d|w|y)$' },
        remoteWrite: {
          type: ['object', 'null'],
          additionalProperties: false,
          required: ['url'],
          properties: { url: { type: 'string', pattern: '^https?://[^\\s]+$' } },
        },
      },
    },
  },
  $defs: { image: { type: 'string', minLength: 1 } },
};
const good = { prometheus: { image: 'quay.io/prometheus/prometheus:v2.54.1', replicas: 1, retention: '15d', remoteWrite: null } };

describe('component values', () => {
  it('accepts values that match the schema', () => {
    expect(schemaProblems(schema, good, 'unknown')).toEqual([]);
  });

  it('names every bad field by its JSON pointer, not the objects around it', () => {
    const problems = schemaProblems(
      schema,
      { prometheus: { image: '', replicas: 9, retention: 'forever', remoteWrite: { url: 'ftp://x' }, extra: true } },
      'is not a field of this component',
    );
    expect(problems.map((p) => p.field).sort()).toEqual([
      '/prometheus/extra',
      '/prometheus/image',
      '/prometheus/remoteWrite/url',
      '/prometheus/replicas',
      '/prometheus/retention',
    ]);
    expect(problems.find((p) => p.field === '/prometheus/extra')?.message).toBe('is not a field of this component');
    expect(problems.find((p) => p.field === '/prometheus/replicas')?.message).toMatch(/5/);
  });

  it('reports a missing required field at the object that lacks it', () => {
    expect(schemaProblems(schema, { prometheus: { image: 'x', replicas: 1 } }, 'unknown')).toEqual([
      { field: '/prometheus', message: expect.stringContaining('retention') },
    ]);
  });

  it('parses YAML into a map of values, an empty text as no values, and refuses anything else', () => {
    expect(parseValues('prometheus:\n  replicas: 2\n')).toEqual({ values: { prometheus: { replicas: 2 } } });
    expect(parseValues('')).toEqual({ values: {} });
    expect(parseValues('- a\n- b').problem).toBe('not a map of values');
    expect(parseValues('a: [1').problem).toBeTruthy();
  });

  it("lists the API's 422 fields the same way", () => {
    const error = new ApiError(422, 'UNPROCESSABLE', 'the values do not match', {
      fields: [{ field: '/prometheus/retention', problems: ['must match pattern'] }],
    });
    expect(apiProblems(error)).toEqual([{ field: '/prometheus/retention', message: 'must match pattern' }]);
    expect(apiProblems(new Error('x'))).toEqual([]);
  });

  it('reads pointers as dotted paths, unescaping ~1 and ~0', () => {
    expect(fieldLabel('/prometheus/remoteWrite/url')).toBe('prometheus.remoteWrite.url');
    expect(fieldLabel('/labels/app.kubernetes.io~1name/a~0b')).toBe('labels.app.kubernetes.io/name.a~b');
    expect(fieldLabel('/')).toBe('(values)');
  });
});
