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
export { ApiError, errors as statusErrors } from './status';
export type { Status, StatusCause, StatusDetails } from './status';
export type { KubeObject, ObjectMeta } from './types';
export { webhookAdmission } from './webhooks';
export type { WebhookAdmissionOptions } from './webhooks';
export { resourceQuotaAdmission } from './quota-admission';
export {
  makeCertificateAuthority,
  startWebhookServer,
} from './testing/webhook-server';
export type {
  AdmissionRequest,
  CertificateAuthority,
  TestWebhookServer,
  WebhookAnswer,
} from './testing/webhook-server';
