import { ArgumentMetadata, PipeTransform, ValidationError, ValidationPipe } from '@nestjs/common';
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

/** Throws 400 `BAD_REQUEST` naming every field of `value` that holds a NUL character. */
export function refuseNul(value: unknown, prefix = ''): void {
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
 * Validates a payload that arrived inside an envelope against its DTO class: NUL characters refused
 * first, an absent payload is `{}`, unknown fields refused, 400/422 with `details.fields`. Services
 * validate again what the gateway already validated: the bus has other clients than the gateway.
 */
function validatePayload<T extends object>(dto: new () => T, payload: unknown): T {
  refuseNul(payload);
  const instance = plainToInstance(dto, payload ?? {});
  const errors = validateSync(instance, { whitelist: true, forbidNonWhitelisted: true });
  if (errors.length > 0) throw validationError(errors);
  return instance;
}

/** The key of a message handler's payload argument: `@Payload('payload') body: SomeDto`. */
export const PAYLOAD_KEY = 'payload';

const NOT_DTOS: readonly unknown[] = [Object, String, Number, Boolean, Array, Promise, Function, Symbol, BigInt];

/**
 * The services' global pipe (`CubeServiceModule` registers it): a message handler's
 * `@Payload('payload') body: SomeDto` is validated against `SomeDto` (see `validatePayload` above);
 * any other bus argument (a whole envelope taken with `@Payload()`) has its NUL characters refused,
 * as before; `@Actor()`/`@RequestId()` check their own field.
 */
class MessagePayloadPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type === 'custom') return value;
    if (metadata.data !== PAYLOAD_KEY) {
      refuseNul(value, metadata.data ?? '');
      return value;
    }
    const dto = metadata.metatype;
    if (typeof dto !== 'function' || NOT_DTOS.includes(dto)) {
      // A programming error, seen by the first test that calls the handler: the payload would go unvalidated.
      throw new Error(`a @Payload('${PAYLOAD_KEY}') argument must be typed with a DTO class, not ${dto?.name ?? 'an interface'}`);
    }
    return validatePayload(dto as new () => object, value);
  }
}

/** The one validation mechanism of message handlers (the gateway's is `cubeValidationPipe`). */
export function messagePayloadPipe(): PipeTransform {
  return new MessagePayloadPipe();
}
