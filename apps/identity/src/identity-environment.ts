import { Type } from 'class-transformer';
import { IsBase64, IsInt, IsOptional, IsString, Length, Max, Min, MinLength } from 'class-validator';
import { DatabaseServiceEnvironment } from '@cube/service-runtime';

/** Identity's variables on top of a database service's. */
export class IdentityEnvironment extends DatabaseServiceEnvironment {
  /** Password of the bootstrap `admin`; when unset a random one is generated once. */
  @IsOptional()
  @IsString()
  @MinLength(10, { message: 'CUBE_ADMIN_PASSWORD must be at least 10 characters long' })
  CUBE_ADMIN_PASSWORD: string | undefined = undefined;

  /** 32 random bytes, base64: seals the signing keys at rest (AES-256-GCM). Unset stores them in clear, with a warning. */
  @IsOptional()
  @IsBase64(undefined, { message: 'CUBE_SECRET_KEY must be base64 (32 random bytes, e.g. openssl rand -base64 32)' })
  @Length(44, 44, { message: 'CUBE_SECRET_KEY must be 32 bytes, base64-encoded (44 characters)' })
  CUBE_SECRET_KEY: string | undefined = undefined;

  /** Where a generated bootstrap password is written (once, mode 0600). */
  @IsString()
  CUBE_ADMIN_PASSWORD_FILE = '.cube/admin-password';

  @Type(() => Number)
  @IsInt()
  @Min(60)
  @Max(86_400)
  CUBE_ACCESS_TOKEN_TTL_SECONDS = 900;

  @Type(() => Number)
  @IsInt()
  @Min(300)
  @Max(90 * 86_400)
  CUBE_REFRESH_TOKEN_TTL_SECONDS = 7 * 86_400;

  @Type(() => Number)
  @IsInt()
  @Min(600)
  CUBE_SIGNING_KEY_ROTATION_SECONDS = 86_400;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  CUBE_LOGIN_MAX_FAILURES_PER_USER = 5;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  CUBE_LOGIN_MAX_FAILURES_PER_IP = 20;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  CUBE_LOGIN_LOCKOUT_SECONDS = 300;
}
