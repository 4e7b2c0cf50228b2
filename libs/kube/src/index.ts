export * from './lib/kube';
