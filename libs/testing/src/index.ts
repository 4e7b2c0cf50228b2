export * from './kube-server';
export * from './workload-hardening';
