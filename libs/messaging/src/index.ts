export * from './draining-nats.server';
export * from './rpc-error.filter';
export * from './validation';
export * from './handler-params';
export * from './service-requester';
export * from './jetstream';
export * from './service-bus';
export * from './nats-credentials';
