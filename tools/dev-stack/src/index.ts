export * from './stack';
export * from './nats';
export * from './ports';
export * from './supervisor';
