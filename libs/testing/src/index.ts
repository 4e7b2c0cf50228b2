export * from './kube-server';
