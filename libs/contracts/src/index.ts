export * from './services';
export * from './subjects';
export * from './errors';
export * from './envelope';
export * from './health';
export * from './identity';
export * from './events';
