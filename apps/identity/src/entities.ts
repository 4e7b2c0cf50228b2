import { RoleBindingEntity } from './bindings/role-binding.entity';
import { ApiTokenEntity } from './tokens/api-token.entity';
import { UserEntity } from './users/user.entity';

/**
 * Every TypeORM entity of this service; `entities.spec.ts` proves they match the migrations. The
 * other tables (refresh tokens, signing keys, login throttle, OIDC logins, the outbox) are small
 * single-owner tables written by raw SQL for a reason named beside each statement.
 */
export const entities = [UserEntity, ApiTokenEntity, RoleBindingEntity];
