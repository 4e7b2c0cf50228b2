export * from './services';
export * from './subjects';
export * from './errors';
export * from './envelope';
export * from './health';
