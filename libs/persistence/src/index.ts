export * from './database-url';
export * from './schema';
export * from './data-source-options';
export * from './migrations';
export * from './secret-box';
export * from './keyset-page';
export * from './scratch-database';
