import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'cube:isPublic';

/** A route anyone may call without credentials (health, login, the JWKS). */
export const Public = () => SetMetadata(IS_PUBLIC, true);
