export * from './cube-streams';
export * from './event-publisher';
export * from './audit-publisher';
export * from './recent-event-ids';
export * from './durable-subscriber';
export * from './desired-state-store';
export * from './jetstream.module';
export * from './asyncapi-document';
