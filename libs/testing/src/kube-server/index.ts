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
export {
  execInContainer,
  ExecutableNotFound,
  InputQueue,
  InterruptSource,
  Terminal,
} from './shell';
export type { CommandIO, ContainerContext } from './shell';
