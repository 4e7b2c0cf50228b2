export * from './version';
export * from './logging';
export * from './metrics';
export * from './rpc-request-context.interceptor';
