export * from './kubeconfig';
export * from './connection-failure';
export * from './server-side-apply';
export * from './webhook-certificates';
export * from './quantity';
export * from './request-info';
export * from './warden-webhook-configuration';
