import { IsString, Matches, ValidateNested } from 'class-validator';
import { Type } from 'class-transformer';
import { CubeError } from '@cube/contracts';
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
});
