import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import { CubeError } from '@cube/contracts';
import { ComponentValues } from './component';

const isMap = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Defaults deep-merged with an override (API.md, Hotplug): maps merge key by key, lists and
 * scalars are replaced, the override wins. `null` in the override is a value like any other.
 */
export function deepMerge(base: ComponentValues, override: ComponentValues): ComponentValues {
  const merged: ComponentValues = { ...base };
  for (const [key, value] of Object.entries(override)) {
    const current = merged[key];
    merged[key] = isMap(current) && isMap(value) ? deepMerge(current, value) : value;
  }
  return merged;
}

/** JSON with its object keys sorted: the same values always give the same bytes. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (!isMap(value)) return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sortKeys(value[key])]),
  );
}

/** One compiled validator per schema object (schemas are constants of the catalog or of a custom component). */
export class ValuesValidator {
  private readonly ajv = new Ajv({ allErrors: true, strict: true });
  private readonly compiled = new WeakMap<object, ValidateFunction>();

  /** 422 UNPROCESSABLE listing each problem under `details.fields`, `field` a JSON pointer into the values. */
  check(component: string, schema: Record<string, unknown>, values: ComponentValues): void {
    let validate = this.compiled.get(schema);
    if (!validate) {
      validate = this.ajv.compile(schema);
      this.compiled.set(schema, validate);
    }
    if (validate(values)) return;
    const fields = (validate.errors ?? []).map(describe);
    throw new CubeError('UNPROCESSABLE', `the values of component "${component}" do not match its schema`, { fields });
  }
}

function describe(error: ErrorObject): { field: string; problems: string[] } {
  // additionalProperties/required name the offending key in params, not in the path.
  const params = error.params as { additionalProperty?: string; missingProperty?: string };
  const extra = params.additionalProperty ?? params.missingProperty;
  const pointer = extra === undefined ? error.instancePath : `${error.instancePath}/${extra.replace(/~/g, '~0').replace(/\//g, '~1')}`;
  return { field: pointer === '' ? '/' : pointer, problems: [error.message ?? 'is invalid'] };
}
