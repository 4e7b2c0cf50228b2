import {
  createMongoAbility,
  subject as tagSubject,
  type ForcedSubject,
  type MongoAbility,
  type MongoQuery,
  type RawRuleOf,
} from '@casl/ability';
import { packRules, unpackRules, type PackRule } from '@casl/ability/extra';
import { CubeError, type AccessTokenClaims, type BindingScope, type RoleBinding } from '@cube/contracts';
import type { PlatformAction, PlatformSubjectAttributes, PlatformSubjectKind, PlatformSubjectType } from './platform-subjects';
import { BUILT_IN_ROLES, type PlatformRuleTemplate } from './roles';

/** A subject instance: its attributes tagged with its kind, as CASL expects. */
export type PlatformSubjectObject = {
  [K in PlatformSubjectKind]: PlatformSubjectAttributes[K] & ForcedSubject<K>;
}[PlatformSubjectKind];
export type PlatformSubject = PlatformSubjectType | PlatformSubjectObject;
export type PlatformAbility = MongoAbility<[PlatformAction, PlatformSubject]>;
export type PlatformRawRule = RawRuleOf<PlatformAbility>;
export type PackedPlatformRule = PackRule<PlatformRawRule>;

/** Who acts: the user name (the token's `sub`) and their groups. */
export interface Actor {
  name: string;
  groups: string[];
}

/** The actor of a verified access token: `sub` is the user name, `name` only its display form. */
export function actorFromClaims(claims: Pick<AccessTokenClaims, 'sub' | 'groups'>): Actor {
  return { name: claims.sub, groups: [...claims.groups] };
}

/**
 * What every signed-in user may do whatever their bindings: see and edit their own profile
 * (not its state: disabling is an admin's call), manage their own API tokens, and see or end their
 * own console sessions.
 */
function selfRules(actor: Actor): PlatformRawRule[] {
  return [
    { action: 'read', subject: 'User', conditions: { user: actor.name } },
    {
      action: 'update',
      subject: 'User',
      conditions: { user: actor.name },
      fields: ['displayName', 'email', 'phone', 'password'],
    },
    {
      action: 'manage',
      subject: 'ApiToken',
      conditions: { owner: actor.name },
    },
    {
      action: ['read', 'delete'],
      subject: 'ConsoleSession',
      conditions: { owner: actor.name },
    },
  ];
}

/** The bindings that apply to an actor: theirs by name and those of any of their groups. */
export function bindingsOf(actor: Actor, bindings: readonly RoleBinding[]): RoleBinding[] {
  return bindings.filter(({ subject }) => (subject.kind === 'User' ? subject.name === actor.name : actor.groups.includes(subject.name)));
}

function conditionsFor(template: PlatformRuleTemplate, scope: BindingScope): MongoQuery | undefined {
  const narrowing: Record<string, string> = {};
  const narrowTo = template.narrowTo ?? 'scope';
  if (scope.kind !== 'platform' && narrowTo !== 'none') {
    narrowing['tenant'] = scope.tenant;
    if (scope.kind === 'project' && narrowTo === 'scope') narrowing['project'] = scope.project;
  }
  const conditions = { ...template.where, ...narrowing };
  return Object.keys(conditions).length > 0 ? conditions : undefined;
}

/** The CASL rules one binding yields: its role's templates narrowed to the binding's scope. */
export function rulesForBinding(binding: RoleBinding): PlatformRawRule[] {
  const role = BUILT_IN_ROLES[binding.role];
  // A binding at a scope its role does not allow is refused when granted; if one slipped into
  // storage anyway it yields nothing rather than rights nobody meant to give.
  if (!role.scopes.includes(binding.scope.kind)) return [];
  return role.platformRules
    .filter((template) => template.onlyAt === undefined || template.onlyAt.includes(binding.scope.kind))
    .map((template) => {
      const rule: PlatformRawRule = {
        action: template.action,
        subject: template.subject,
      };
      const conditions = conditionsFor(template, binding.scope);
      if (conditions) rule.conditions = conditions;
      if (template.fields) rule.fields = template.fields;
      return rule;
    });
}

/** The raw CASL rules of an actor: the self rules plus those of every binding that applies. */
export function rulesFor(actor: Actor, bindings: readonly RoleBinding[]): PlatformRawRule[] {
  return [...selfRules(actor), ...bindingsOf(actor, bindings).flatMap(rulesForBinding)];
}

/** The CASL ability of an actor from the bindings (theirs and their groups'; others are ignored). */
export function defineAbilityFor(actor: Actor, bindings: readonly RoleBinding[]): PlatformAbility {
  return createMongoAbility<PlatformAbility>(rulesFor(actor, bindings));
}

/** Packed rules for `GET /api/v1/me`, so the SPA can hide what the user cannot do. */
export function packRulesFor(actor: Actor, bindings: readonly RoleBinding[]): PackedPlatformRule[] {
  return packRules(rulesFor(actor, bindings));
}

/** The SPA's side of `/me`: the ability back from packed rules. */
export function abilityFromPackedRules(packed: PackedPlatformRule[]): PlatformAbility {
  return createMongoAbility<PlatformAbility>(unpackRules<PlatformRawRule>(packed));
}

/**
 * A subject to check, e.g. `ability.can('update', subjectOf('Project', { tenant, project }))`.
 * The attributes are copied: CASL tags the object it is given.
 */
export function subjectOf<K extends PlatformSubjectKind>(
  kind: K,
  attributes: PlatformSubjectAttributes[K],
): PlatformSubjectAttributes[K] & ForcedSubject<K> {
  return tagSubject(kind, { ...attributes });
}

/** A stored binding as a subject, for checking who may read or delete it. */
export function roleBindingSubject(binding: Pick<RoleBinding, 'role' | 'scope'>): PlatformSubjectObject {
  const { scope } = binding;
  return subjectOf('RoleBinding', {
    role: binding.role,
    scope: scope.kind,
    ...(scope.kind === 'platform' ? {} : { tenant: scope.tenant }),
    ...(scope.kind === 'project' ? { project: scope.project } : {}),
  });
}

/**
 * Throws `FORBIDDEN` unless the ability allows the action. Callers that refuse a resource the
 * actor may not even `read` should throw `NOT_FOUND` instead: API.md says "a resource the caller
 * may not see is 404, not 403", so existence does not leak. `authorizeVisible` does both.
 */
export function authorize(ability: PlatformAbility, action: PlatformAction, target: PlatformSubject, field?: string): void {
  if (ability.can(action, target, field)) return;
  throw new CubeError('FORBIDDEN', `not allowed to ${action} ${kindOf(target)}`, {
    action,
    subject: kindOf(target),
  });
}

/**
 * For an existing resource: `NOT_FOUND` when the actor may not read it, else `FORBIDDEN` when
 * they may not act on it. (To create, check `create` with `authorize` on the would-be subject.)
 */
export function authorizeVisible(ability: PlatformAbility, action: PlatformAction, target: PlatformSubjectObject, field?: string): void {
  if (!ability.can('read', target)) {
    throw new CubeError('NOT_FOUND', `${kindOf(target)} not found`, {
      subject: kindOf(target),
    });
  }
  authorize(ability, action, target, field);
}

function kindOf(target: PlatformSubject): string {
  return typeof target === 'string' ? target : target.__caslSubjectType__;
}
