import type { AlertReceiver, AlertReceiverBody, AlertRule, AlertRuleBody, AlertSubjects, FiringAlert } from './alerts';
import type {
  AuditSubjects,
  AuditEntry,
  AuditEventRef,
  AuditQuery,
  AuditTrail,
  AuditVerifyQuery,
  AuditVerifyReply,
  ClusterTokenBody,
  K8sAuditIngest,
} from './audit';
import type { ClustersSubjects, ClusterConnection, ClusterView, RegisterClusterBody, UpdateClusterBody } from './clusters';
import type {
  AbandonedConsoleSession,
  ConsoleSubjects,
  ConsoleSessionQuery,
  ConsoleSessionView,
  EndConsoleSession,
  OpenConsoleSession,
  RecordingChunk,
  RedeemedConsoleSession,
  RedeemTicket,
} from './console';
import type { HealthReply } from './health';
import type {
  ClusterComponentView,
  ComponentDefaults,
  ComponentDefaultsBody,
  ComponentOverrideBody,
  ComponentView,
  CustomComponentPayload,
  HotplugSubjects,
} from './hotplug';
import type { RoleBinding, User } from './identity';
import type {
  CreateApiTokenBody,
  CreateRoleBindingBody,
  CreateUserBody,
  ListRoleBindingsQuery,
  SetPasswordBody,
  UpdateUserBody,
} from './identity-dto';
import type {
  ApiTokenView,
  AuthenticatedPrincipal,
  CreatedApiToken,
  IdentitySubjects,
  JsonWebKeySet,
  LoginRequest,
  MeReply,
  OidcBeginReply,
  OidcBeginRequest,
  OidcCompleteReply,
  OidcCompleteRequest,
  Page,
  RefreshRequest,
  TokenPair,
} from './identity-subjects';
import type { PageQuery } from './page-query';
import type { CubeService } from './services';
import type { CreateNamespaceBody, CreateProjectBody, CreateTenantBody, QuotaBody, UpdateTenancyObjectBody } from './tenancy-dto';
import type { Namespace, Project, TenancySubjects, Tenant, TenantQuota } from './tenancy-subjects';
import type { CreateWebhookBody, UpdateWebhookBody, WebhookDelivery, WebhookSubjects, WebhookSubscription } from './webhooks';

/** `?limit=&cursor=` of a list, as it travels on the bus. */
export type PageRequest = Pick<PageQuery, 'limit' | 'cursor'>;
type TenantRef = { tenant: string };
type ProjectRef = TenantRef & { project: string };
type NamespaceRef = ProjectRef & { cluster: string; namespace: string };
type Empty = Record<string, never>;

/** A console session just opened: the single-use ticket its stream is redeemed with. */
export interface ConsoleTicket {
  id: string;
  ticket: string;
  expiresAt: string;
}

/** One page of a session's recording (asciicast v2). */
export interface ConsoleRecordingPage {
  /** The asciicast v2 header line (only on the first page). */
  header?: string;
  lines: string;
  nextSeq: number | null;
}

/** The built-in roles, as `cube.identity.role.list` answers them (the gateway documents them as `RoleView`). */
export type BuiltInRoleList = Page<unknown>;

/**
 * Every request-reply subject of the bus, with the payload it takes and the reply it answers: the one
 * place a caller's types come from (`ServiceRequester.request(subject, envelope)`,
 * `ServiceBus.requestAsSystem(subject, payload)` infer both). A service's handler validates the payload
 * with its own DTO class; the request types here are the plain shapes callers build.
 */
export interface BusContract {
  // identity
  'cube.identity.auth.login': { request: LoginRequest; reply: TokenPair };
  'cube.identity.auth.refresh': { request: RefreshRequest; reply: TokenPair };
  'cube.identity.auth.logout': { request: RefreshRequest; reply: null };
  'cube.identity.auth.oidc.begin': { request: OidcBeginRequest; reply: OidcBeginReply };
  'cube.identity.auth.oidc.complete': { request: OidcCompleteRequest; reply: OidcCompleteReply };
  'cube.identity.jwks.get': { request: Empty; reply: JsonWebKeySet };
  'cube.identity.apitoken.verify': { request: { token: string }; reply: AuthenticatedPrincipal };
  'cube.identity.principal.get': { request: { name: string }; reply: AuthenticatedPrincipal };
  'cube.identity.me.get': { request: Empty; reply: MeReply };
  'cube.identity.user.list': { request: PageRequest; reply: Page<User> };
  'cube.identity.user.get': { request: { name: string }; reply: User };
  'cube.identity.user.create': { request: CreateUserBody; reply: User };
  'cube.identity.user.update': { request: { name: string; body: UpdateUserBody }; reply: User };
  'cube.identity.user.delete': { request: { name: string }; reply: null };
  'cube.identity.user.set-password': { request: { name: string; body: SetPasswordBody }; reply: null };
  'cube.identity.apitoken.list': { request: PageRequest; reply: Page<ApiTokenView> };
  'cube.identity.apitoken.create': { request: CreateApiTokenBody; reply: CreatedApiToken };
  'cube.identity.apitoken.revoke': { request: { id: string }; reply: null };
  'cube.identity.role.list': { request: Empty; reply: BuiltInRoleList };
  'cube.identity.binding.list': { request: ListRoleBindingsQuery; reply: Page<RoleBinding> };
  'cube.identity.binding.create': { request: CreateRoleBindingBody; reply: RoleBinding };
  'cube.identity.binding.delete': { request: { id: string }; reply: null };
  // tenancy
  'cube.tenancy.tenant.list': { request: PageRequest; reply: Page<Tenant> };
  'cube.tenancy.tenant.get': { request: TenantRef; reply: Tenant };
  'cube.tenancy.tenant.create': { request: CreateTenantBody; reply: Tenant };
  'cube.tenancy.tenant.update': { request: TenantRef & { body: UpdateTenancyObjectBody }; reply: Tenant };
  'cube.tenancy.tenant.delete': { request: TenantRef & { cascade?: boolean }; reply: null };
  'cube.tenancy.tenant.members': { request: TenantRef & PageRequest; reply: Page<RoleBinding> };
  'cube.tenancy.project.list': { request: TenantRef & PageRequest; reply: Page<Project> };
  'cube.tenancy.project.get': { request: ProjectRef; reply: Project };
  'cube.tenancy.project.create': { request: TenantRef & { body: CreateProjectBody }; reply: Project };
  'cube.tenancy.project.update': { request: ProjectRef & { body: UpdateTenancyObjectBody }; reply: Project };
  'cube.tenancy.project.delete': { request: ProjectRef & { cascade?: boolean }; reply: null };
  'cube.tenancy.namespace.list': {
    request: { tenant?: string; project?: string; cluster?: string } & PageRequest;
    reply: Page<Namespace>;
  };
  'cube.tenancy.namespace.list-in-project': { request: ProjectRef & PageRequest; reply: Page<Namespace> };
  'cube.tenancy.namespace.get': { request: NamespaceRef; reply: Namespace };
  'cube.tenancy.namespace.create': { request: ProjectRef & { body: CreateNamespaceBody }; reply: Namespace };
  'cube.tenancy.namespace.delete': { request: NamespaceRef; reply: null };
  'cube.tenancy.namespace.set-quota': { request: NamespaceRef & { body: QuotaBody }; reply: Namespace };
  'cube.tenancy.quota.list': { request: TenantRef; reply: Page<TenantQuota> };
  'cube.tenancy.quota.set': { request: TenantRef & { cluster: string; body: QuotaBody }; reply: TenantQuota };
  // clusters
  'cube.clusters.cluster.register': { request: RegisterClusterBody; reply: ClusterView };
  'cube.clusters.cluster.list': { request: PageRequest; reply: Page<ClusterView> };
  'cube.clusters.cluster.get': { request: { name: string }; reply: ClusterView };
  'cube.clusters.cluster.unregister': { request: { name: string }; reply: null };
  'cube.clusters.cluster.update': { request: { name: string; body: UpdateClusterBody }; reply: ClusterView };
  'cube.clusters.cluster.connection': { request: { name: string }; reply: ClusterConnection };
  // audit
  'cube.audit.event.list': { request: AuditQuery; reply: Page<AuditEntry> };
  'cube.audit.event.get': { request: AuditEventRef; reply: AuditTrail };
  'cube.audit.chain.verify': { request: AuditVerifyQuery; reply: AuditVerifyReply };
  'cube.audit.k8s.ingest': { request: K8sAuditIngest; reply: { accepted: number } };
  'cube.audit.cluster-token.set': { request: ClusterTokenBody; reply: null };
  'cube.audit.cluster-token.delete': { request: { cluster: string }; reply: null };
  'cube.audit.webhook.list': { request: PageRequest; reply: Page<WebhookSubscription> };
  'cube.audit.webhook.get': { request: { id: string }; reply: WebhookSubscription };
  'cube.audit.webhook.create': { request: CreateWebhookBody; reply: WebhookSubscription };
  'cube.audit.webhook.update': { request: { id: string; body: UpdateWebhookBody }; reply: WebhookSubscription };
  'cube.audit.webhook.delete': { request: { id: string }; reply: null };
  'cube.audit.webhook.deliveries': { request: PageRequest & { id: string }; reply: Page<WebhookDelivery> };
  // alerting (tenancy owns projects, so their alert rules and receivers)
  'cube.tenancy.alert-rule.list': { request: ProjectRef & PageRequest; reply: Page<AlertRule> };
  'cube.tenancy.alert-rule.get': { request: ProjectRef & { rule: string }; reply: AlertRule };
  'cube.tenancy.alert-rule.create': { request: ProjectRef & { body: AlertRuleBody }; reply: AlertRule };
  'cube.tenancy.alert-rule.update': { request: ProjectRef & { rule: string; body: AlertRuleBody }; reply: AlertRule };
  'cube.tenancy.alert-rule.delete': { request: ProjectRef & { rule: string }; reply: null };
  'cube.tenancy.alert-receiver.list': { request: ProjectRef & PageRequest; reply: Page<AlertReceiver> };
  'cube.tenancy.alert-receiver.get': { request: ProjectRef & { receiver: string }; reply: AlertReceiver };
  'cube.tenancy.alert-receiver.create': { request: ProjectRef & { body: AlertReceiverBody }; reply: AlertReceiver };
  'cube.tenancy.alert-receiver.update': { request: ProjectRef & { receiver: string; body: AlertReceiverBody }; reply: AlertReceiver };
  'cube.tenancy.alert-receiver.delete': { request: ProjectRef & { receiver: string }; reply: null };
  'cube.tenancy.alert.firing': { request: ProjectRef; reply: Page<FiringAlert> };
  // hotplug
  'cube.hotplug.component.list': { request: PageRequest; reply: Page<ComponentView | { name: string }> };
  'cube.hotplug.component.get': { request: { component: string }; reply: ComponentView };
  'cube.hotplug.component.create': { request: CustomComponentPayload; reply: ComponentView };
  'cube.hotplug.component.replace': { request: { component: string; body: CustomComponentPayload }; reply: ComponentView };
  'cube.hotplug.component.delete': { request: { component: string }; reply: null };
  'cube.hotplug.defaults.get': { request: { component: string }; reply: ComponentDefaults };
  'cube.hotplug.defaults.set': { request: { component: string; body: ComponentDefaultsBody }; reply: ComponentDefaults };
  'cube.hotplug.cluster.list': { request: { cluster: string }; reply: { items: ClusterComponentView[] } };
  'cube.hotplug.override.set': {
    request: { cluster: string; component: string; body: ComponentOverrideBody };
    reply: ClusterComponentView;
  };
  'cube.hotplug.override.delete': { request: { cluster: string; component: string }; reply: ClusterComponentView };
  // console
  'cube.console.session.open': { request: OpenConsoleSession; reply: ConsoleTicket };
  'cube.console.session.list': { request: ConsoleSessionQuery; reply: Page<ConsoleSessionView> };
  'cube.console.session.recording': { request: { id: string; fromSeq?: number }; reply: ConsoleRecordingPage };
  'cube.console.ticket.redeem': { request: RedeemTicket; reply: RedeemedConsoleSession };
  'cube.console.recording.append': { request: RecordingChunk; reply: null };
  'cube.console.session.end': { request: EndConsoleSession; reply: null };
  'cube.console.session.reap': { request: Empty; reply: AbandonedConsoleSession[] };
}

/** Every service's health ping (`Subjects.health.ping(service)`). */
type HealthContract = { [S in CubeService as `cube.${S}.health.ping`]: { request: Empty; reply: HealthReply } };

type Contract = BusContract & HealthContract;

/** A subject some service answers. */
export type BusSubject = keyof Contract;
/** The payload `subject` takes. */
export type BusRequest<S extends BusSubject> = Contract[S]['request'];
/** The reply `subject` answers. */
export type BusReply<S extends BusSubject> = Contract[S]['reply'];

/** The service answering `subject`: its second segment (`cube.<service>.…`). */
export function serviceOfSubject(subject: BusSubject): CubeService {
  return subject.split('.')[1] as CubeService;
}

type ValueOf<T> = T[keyof T];
type RequestReplySubject =
  | ValueOf<typeof IdentitySubjects>
  | ValueOf<typeof TenancySubjects>
  | Exclude<ValueOf<typeof ClustersSubjects>, ((clusterId: string) => string) | typeof ClustersSubjects.heartbeatWildcard>
  | ValueOf<typeof AuditSubjects>
  | ValueOf<typeof HotplugSubjects>
  | ValueOf<typeof ConsoleSubjects>
  | ValueOf<typeof WebhookSubjects>
  | ValueOf<typeof AlertSubjects>;
/** Compile-time: a subject added to a `…Subjects` table and missing here fails the build, naming it. */
export const EVERY_SUBJECT_MAPPED: [Exclude<RequestReplySubject, BusSubject>] extends [never]
  ? true
  : Exclude<RequestReplySubject, BusSubject> = true;
