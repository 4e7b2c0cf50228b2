import { IsString, Matches, ValidateNested } from 'class-validator';
import { Type } from 'class-transformer';
import { CreateNamespaceBody, CubeError } from '@cube/contracts';
import { cubeValidationPipe, nulFields } from './validation';

class ScopeDto {
  @IsString()
  kind!: string;
}

class CreateThingDto {
  @Matches(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/)
  name!: string;

  @ValidateNested()
  @Type(() => ScopeDto)
  scope!: ScopeDto;
}

describe('cubeValidationPipe', () => {
  const pipe = cubeValidationPipe();
  const metadata = { type: 'body' as const, metatype: CreateThingDto };

  it('lists every bad field, nested ones by path', async () => {
    const error = await pipe.transform({ name: 'Not_A_Label', scope: { kind: 3 } }, metadata).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CubeError);
    const body = (error as CubeError).toBody();
    expect(body.code).toBe('BAD_REQUEST');
    expect((body.details['fields'] as { field: string }[]).map((f) => f.field).sort()).toEqual(['name', 'scope.kind']);
  });

  it('refuses fields the DTO does not declare', async () => {
    const error = await pipe.transform({ name: 'ok', scope: { kind: 'x' }, admin: true }, metadata).catch((e: unknown) => e);
    expect((error as CubeError).toBody().details['fields']).toEqual([{ field: 'admin', problems: ['property admin should not exist'] }]);
  });

  it('passes a valid body through as a DTO instance', async () => {
    const value = await pipe.transform({ name: 'ok', scope: { kind: 'x' } }, metadata);
    expect(value).toBeInstanceOf(CreateThingDto);
  });

  it('answers 422 UNPROCESSABLE when only naming or quota rules are broken', async () => {
    const namespace = { type: 'body' as const, metatype: CreateNamespaceBody };
    const error = await pipe
      .transform({ name: 'Bad_Name', cluster: 'c1', quota: { hard: { cpu: '1' } } }, namespace)
      .catch((e: unknown) => e);
    const body = (error as CubeError).toBody();
    expect(body.code).toBe('UNPROCESSABLE');
    expect((body.details['fields'] as { field: string }[]).map((f) => f.field).sort()).toEqual(['name', 'quota.hard']);
    const mixed = await pipe.transform({ name: 'Bad_Name', cluster: 'c1', admin: true }, namespace).catch((e: unknown) => e);
    expect((mixed as CubeError).code).toBe('BAD_REQUEST');
  });
});

describe('NUL characters', () => {
  const pipe = cubeValidationPipe();

  it('are refused with 400 naming each field, in bodies, nested values, keys, queries and path parameters', async () => {
    const body = await pipe
      .transform({ name: 'a\u0000b', scope: { kind: 'x\u0000' }, labels: { 'k\u0000': 'v' } }, { type: 'body', metatype: CreateThingDto })
      .catch((e: unknown) => e);
    expect((body as CubeError).toBody()).toMatchObject({
      code: 'BAD_REQUEST',
      details: { fields: [{ field: 'name' }, { field: 'scope.kind' }, { field: 'labels.k\u0000' }] },
    });
    const query = await pipe.transform({ cursor: '\u0000' }, { type: 'query', metatype: Object }).catch((e: unknown) => e);
    expect((query as CubeError).toBody().details['fields']).toEqual([
      { field: 'cursor', problems: ['cursor must not contain a NUL character'] },
    ]);
    const param = await pipe.transform('a\u0000b', { type: 'param', metatype: String, data: 'tenant' }).catch((e: unknown) => e);
    expect((param as CubeError).toBody()).toMatchObject({ code: 'BAD_REQUEST', details: { fields: [{ field: 'tenant' }] } });
  });

  it('are found by path in arrays too (message payloads: handler-params.spec.ts)', () => {
    expect(nulFields({ a: ['x', 'y\u0000'] })).toEqual([{ field: 'a.1', problems: ['a.1 must not contain a NUL character'] }]);
    expect(nulFields({ a: 'é ☃ \u0001' })).toEqual([]);
  });
});
