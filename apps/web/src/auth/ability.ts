import { createMongoAbility, subject, type MongoAbility } from '@casl/ability';
import { unpackRules, type PackRule } from '@casl/ability/extra';
import type { RawRuleOf } from '@casl/ability';

/** Cube's platform actions and object kinds as libs/auth names them (platform-subjects.ts). */
export type PlatformAction = 'manage' | 'create' | 'read' | 'update' | 'delete';
export type PlatformKind =
  | 'Tenant'
  | 'Project'
  | 'Namespace'
  | 'Quota'
  | 'Cluster'
  | 'User'
  | 'RoleBinding'
  | 'ApiToken'
  | 'AuditEvent'
  | 'HotplugComponent'
  | 'ConsoleSession';

// Subjects are kinds or tagged attribute objects; the SPA only asks, the API remains the judge.
type Subject = PlatformKind | 'all' | (Record<string, unknown> & { __caslSubjectType__?: string });
export type PlatformAbility = MongoAbility<[PlatformAction, Subject]>;

/** The ability of `GET /api/v1/me`'s packed rules (packRules of @casl/ability/extra). */
export function abilityFromMe(packed: unknown[]): PlatformAbility {
  const rules = unpackRules<RawRuleOf<PlatformAbility>>(packed as PackRule<RawRuleOf<PlatformAbility>>[]);
  return createMongoAbility<PlatformAbility>(rules);
}

/** A subject with attributes, e.g. `on('Project', { tenant, project })`. */
export function on(kind: PlatformKind, attributes: Record<string, string>): Subject {
  return subject(kind, { ...attributes }) as Subject;
}
