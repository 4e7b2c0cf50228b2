import { ValidationError, ValidationPipe } from '@nestjs/common';
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
  return new CubeError(breaksRules ? 'UNPROCESSABLE' : 'BAD_REQUEST', `invalid request: ${fields.map((f) => f.field).join(', ')}`, { fields });
}

/** The one validation mechanism of the repo: class-validator DTOs, unknown fields refused. */
export function cubeValidationPipe(): ValidationPipe {
  return new ValidationPipe({
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
  const instance = plainToInstance(dto, payload ?? {});
  const errors = validateSync(instance, { whitelist: true, forbidNonWhitelisted: true });
  if (errors.length > 0) throw validationError(errors);
  return instance;
}
