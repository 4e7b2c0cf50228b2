import { RoleBindingEntity } from './bindings/role-binding.entity';
import { LoginThrottleEntity } from './login/login-throttle.entity';
import { OidcLoginEntity } from './oidc/oidc-login.entity';
import { ApiTokenEntity } from './tokens/api-token.entity';
import { RefreshTokenEntity } from './tokens/refresh-token.entity';
import { SigningKeyEntity } from './tokens/signing-key.entity';
import { UserEntity } from './users/user.entity';

/**
 * Every TypeORM entity of this service; `entities.spec.ts` proves they match the migrations. The
 * outbox is the one table without an entity: `@cube/messaging` owns its statements.
 */
export const entities = [
  UserEntity,
  ApiTokenEntity,
  RefreshTokenEntity,
  SigningKeyEntity,
  LoginThrottleEntity,
  OidcLoginEntity,
  RoleBindingEntity,
];
