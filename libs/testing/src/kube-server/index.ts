export { startKubeServer, ADMIN_USER } from './server';
export type { KubeServer, KubeServerOptions } from './server';
export type {
  AdmissionAttributes,
  AdmissionPlugin,
  Authenticator,
  Authorizer,
  AuthorizationDecision,
  RequestInfo,
  UserInfo,
} from './pipeline';
export { rbacAuthorizer, RbacRuleResolver, ruleAllows } from './rbac';
export type { PolicyRule, RoleRef, Subject } from './rbac';
export { impersonationFilter } from './impersonation';
export { rbacEscalationAdmission } from './rbac-escalation';
export { ApiError, errors as statusErrors } from './status';
export { ANONYMOUS_USER, API_AUDIENCES } from './authn';
export type { AuthnWebhookOptions } from './authn';
export type { AuditEvent, AuditLevel, AuditStage, AuditWebhookOptions } from './audit-sink';
export type { ClientCertificate, ServingCertificates } from './certs';
// A CA and a localhost serving certificate, for tests that serve TLS themselves (e.g. the gateway).
export { makeServingCertificates } from './certs';
export type { KubeconfigCredentials } from './kubeconfig';
export type { Status, StatusCause, StatusDetails } from './status';
export type { KubeObject, ObjectMeta } from './types';
export { webhookAdmission } from './webhooks';
export type { WebhookAdmissionOptions } from './webhooks';
export { resourceQuotaAdmission } from './quota-admission';
export { makeCertificateAuthority, startWebhookServer } from './testing/webhook-server';
export type { AdmissionRequest, CertificateAuthority, TestWebhookServer, WebhookAnswer } from './testing/webhook-server';
export { execInContainer, ExecutableNotFound, InputQueue, InterruptSource, Terminal } from './shell';
export type { CommandIO, ContainerContext } from './shell';
export type { ProcessImage } from './process-containers';
