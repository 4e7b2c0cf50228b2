import { Validator, type OutputUnit } from '@cfworker/json-schema';
import { parse } from 'yaml';
import { ApiError } from '../api/api-error';

export type ComponentValues = Record<string, unknown>;

/** One problem with the values, at a JSON pointer into them (`/prometheus/retention`), as the API reports it. */
export interface FieldProblem {
  field: string;
  message: string;
}

const isMap = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The editor's YAML as a values map, or what is wrong with it. An empty text is `{}`. */
export function parseValues(text: string): { values?: ComponentValues; problem?: string } {
  let value: unknown;
  try {
    value = parse(text);
  } catch (error: unknown) {
    return { problem: error instanceof Error ? error.message : String(error) };
  }
  if (value === null || value === undefined) return { values: {} };
  if (!isMap(value)) return { problem: 'not a map of values' };
  return { values: value };
}

// Summaries of a child's failure: the child's own error says more, at its own pointer.
const SUMMARY_KEYWORDS = new Set(['properties', 'items', 'additionalProperties', 'prefixItems', '$ref', 'allOf']);

/**
 * Checks values against a component's JSON Schema in the browser, before anything is sent (hotplug
 * validates the merged values with Ajv and answers 422 with the same pointers). An interpreting
 * validator, because the console's Content-Security-Policy forbids the `eval` Ajv compiles with.
 * `unknownField` is the message for a key the schema does not allow.
 */
export function schemaProblems(schema: Record<string, unknown>, values: ComponentValues, unknownField: string): FieldProblem[] {
  const result = new Validator(schema as never, '2019-09', false).validate(values);
  if (result.valid) return [];
  const problems = result.errors
    .filter((unit: OutputUnit) => !SUMMARY_KEYWORDS.has(unit.keyword))
    .map((unit) => ({ field: pointerOf(unit.instanceLocation), message: unit.keyword === 'false' ? unknownField : unit.error }));
  const seen = new Set<string>();
  return problems.filter((problem) => {
    const key = `${problem.field}\u0000${problem.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** `#/a/b` → `/a/b`, the root `#` → `/` (the API's spelling). */
function pointerOf(location: string): string {
  const pointer = location.replace(/^#/, '');
  return pointer === '' ? '/' : pointer;
}

/** The problems of a 422 from the API (`details.fields` with JSON pointers), for the same list. */
export function apiProblems(error: unknown): FieldProblem[] {
  if (!(error instanceof ApiError)) return [];
  return Object.entries(error.fields).map(([field, message]) => ({ field, message: message || error.message }));
}

/** A JSON pointer read as a path a person recognises: `/prometheus/remoteWrite/url` → `prometheus.remoteWrite.url`. */
export function fieldLabel(pointer: string): string {
  if (pointer === '/' || pointer === '') return '(values)';
  return pointer
    .slice(1)
    .split('/')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .join('.');
}
