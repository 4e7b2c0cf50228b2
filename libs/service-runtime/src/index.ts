export * from './environment';
export * from './health';
export * from './health-listener';
export * from './service-metadata.migration';
export * from './cube-service.module';
export * from './bootstrap';
export * from './audited';
export * from './platform-abilities';
