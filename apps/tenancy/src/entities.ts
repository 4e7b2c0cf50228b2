import { RoleBindingEntity } from './access/role-binding.entity';
import { AlertReceiverEntity } from './alerts/alert-receiver.entity';
import { AlertRuleEntity } from './alerts/alert-rule.entity';
import { NamespaceEntity } from './hierarchy/namespace.entity';
import { ProjectEntity } from './hierarchy/project.entity';
import { TenantEntity } from './hierarchy/tenant.entity';

/**
 * Every TypeORM entity of this service. The migrations create the tables; `entities.spec.ts` proves
 * these entities describe exactly what the migrations made. Tables without an entity are written by
 * raw SQL only, for a reason named beside it (the quota ledger's lock, heartbeat upserts, the outbox).
 */
export const entities = [TenantEntity, ProjectEntity, NamespaceEntity, RoleBindingEntity, AlertRuleEntity, AlertReceiverEntity];
