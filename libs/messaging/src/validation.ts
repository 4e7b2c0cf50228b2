import { ArgumentMetadata, ValidationError, ValidationPipe } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { CubeError, RULE_CONSTRAINTS } from '@cube/contracts';

export interface FieldError {
  field: string;
  problems: string[];
}

/** Flattens class-validator errors into `details.fields`, one entry per bad field (API.md). */
export function fieldErrors(errors: ValidationError[], prefix = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = prefix ? `${prefix}.${error.property}` : error.property;
    const own = error.constraints ? [{ field, problems: Object.values(error.constraints) }] : [];
    return [...own, ...fieldErrors(error.children ?? [], field)];
  });
}

/**
 * 422 when every failed constraint is a naming or quota rule (the request is well-formed JSON of the
 * right shape but a name is not a DNS label, a quota key or quantity is not allowed), else 400.
 */
export function validationError(errors: ValidationError[]): CubeError {
  const fields = fieldErrors(errors);
  const failed = (list: ValidationError[]): string[] =>
    list.flatMap((error) => [...Object.keys(error.constraints ?? {}), ...failed(error.children ?? [])]);
  const names = failed(errors);
  const breaksRules = names.length > 0 && names.every((name) => (RULE_CONSTRAINTS as readonly string[]).includes(name));
  return new CubeError(breaksRules ? 'UNPROCESSABLE' : 'BAD_REQUEST', `invalid request: ${fields.map((f) => f.field).join(', ')}`, {
    fields,
  });
}

/**
 * Every string (and object key) of a request holding a NUL character, by path. PostgreSQL cannot
 * store U+0000 in text or jsonb and answers such a query with an error, so no field of any DTO may
 * carry one: one rule here rather than a decorator on every string field.
 */
export function nulFields(value: unknown, prefix = '', depth = 0): FieldError[] {
  const problem = (field: string): FieldError => ({
    field: field || '(root)',
    problems: [`${field || 'the value'} must not contain a NUL character`],
  });
  if (typeof value === 'string') return value.includes('\u0000') ? [problem(prefix)] : [];
  // Deeper than any DTO nests: such a value fails its DTO anyway, so the walk stops rather than recursing on.
  if (typeof value !== 'object' || value === null || depth > 32) return [];
  return Object.entries(value).flatMap(([key, inner]) => {
    const field = prefix ? `${prefix}.${key}` : key;
    return key.includes('\u0000') ? [problem(field)] : nulFields(inner, field, depth + 1);
  });
}

function refuseNul(value: unknown, prefix = ''): void {
  const fields = nulFields(value, prefix);
  if (fields.length > 0) throw new CubeError('BAD_REQUEST', `invalid request: ${fields.map((f) => f.field).join(', ')}`, { fields });
}

/** The gateway's pipe: NUL characters refused in bodies, queries and path parameters before any DTO rule. */
class CubeValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type !== 'custom') refuseNul(value, metadata.data ?? '');
    return super.transform(value, metadata);
  }
}

/** The one validation mechanism of the repo: class-validator DTOs, unknown fields refused. */
export function cubeValidationPipe(): ValidationPipe {
  return new CubeValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    exceptionFactory: validationError,
  });
}

/**
 * Validates a payload that arrived inside an envelope against its DTO class. Services validate
 * again what the gateway already validated: the bus has other clients than the gateway.
 */
export function validatePayload<T extends object>(dto: new () => T, payload: unknown): T {
  refuseNul(payload);
  const instance = plainToInstance(dto, payload ?? {});
  const errors = validateSync(instance, { whitelist: true, forbidNonWhitelisted: true });
  if (errors.length > 0) throw validationError(errors);
  return instance;
}
