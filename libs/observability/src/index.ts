export * from './lib/observability';
