import { ValidationError, ValidationPipe } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { CubeError } from '@cube/contracts';

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

/** The one validation mechanism of the repo: class-validator DTOs, unknown fields refused. */
export function cubeValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    exceptionFactory: (errors) => {
      const fields = fieldErrors(errors);
      return new CubeError('BAD_REQUEST', `invalid request: ${fields.map((f) => f.field).join(', ')}`, { fields });
    },
  });
}

/**
 * Validates a payload that arrived inside an envelope against its DTO class. Services validate
 * again what the gateway already validated: the bus has other clients than the gateway.
 */
export function validatePayload<T extends object>(dto: new () => T, payload: unknown): T {
  const instance = plainToInstance(dto, payload ?? {});
  const errors = validateSync(instance, { whitelist: true, forbidNonWhitelisted: true });
  if (errors.length > 0) {
    const fields = fieldErrors(errors);
    throw new CubeError('BAD_REQUEST', `invalid request: ${fields.map((f) => f.field).join(', ')}`, { fields });
  }
  return instance;
}
