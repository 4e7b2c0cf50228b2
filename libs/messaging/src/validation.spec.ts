import { IsString, Matches, ValidateNested } from 'class-validator';
import { Type } from 'class-transformer';
import { CreateNamespaceBody, CubeError } from '@cube/contracts';
import { cubeValidationPipe } from './validation';

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
    expect((error as CubeError).toBody().details['fields']).toEqual([
      { field: 'admin', problems: ['property admin should not exist'] },
    ]);
  });

  it('passes a valid body through as a DTO instance', async () => {
    const value = await pipe.transform({ name: 'ok', scope: { kind: 'x' } }, metadata);
    expect(value).toBeInstanceOf(CreateThingDto);
  });

  it('answers 422 UNPROCESSABLE when only naming or quota rules are broken', async () => {
    const namespace = { type: 'body' as const, metatype: CreateNamespaceBody };
    const error = await pipe.transform({ name: 'Bad_Name', cluster: 'c1', quota: { hard: { cpu: '1' } } }, namespace).catch((e: unknown) => e);
    const body = (error as CubeError).toBody();
    expect(body.code).toBe('UNPROCESSABLE');
    expect((body.details['fields'] as { field: string }[]).map((f) => f.field).sort()).toEqual(['name', 'quota.hard']);
    const mixed = await pipe.transform({ name: 'Bad_Name', cluster: 'c1', admin: true }, namespace).catch((e: unknown) => e);
    expect((mixed as CubeError).code).toBe('BAD_REQUEST');
  });
});
