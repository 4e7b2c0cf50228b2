import { KubeConfig } from '@kubernetes/client-node';

/** A kubeconfig that cannot be used at all; the message never quotes the file (it holds credentials). */
export class KubeconfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KubeconfigError';
  }
}

/**
 * Reads a kubeconfig given as YAML or JSON (JSON is YAML) and checks that its current context names
 * a cluster with an https server and a user, which is what every later call relies on.
 */
export function parseKubeconfig(text: string): KubeConfig {
  const config = new KubeConfig();
  try {
    config.loadFromString(text);
  } catch {
    throw new KubeconfigError('the kubeconfig is not valid YAML or JSON');
  }
  const contextName = config.getCurrentContext();
  const context = contextName ? config.getContextObject(contextName) : null;
  if (!context) throw new KubeconfigError('the kubeconfig has no current context');
  const cluster = config.getCluster(context.cluster);
  if (!cluster?.server) throw new KubeconfigError(`the current context "${contextName}" names no cluster with a server`);
  let server: URL;
  try {
    server = new URL(cluster.server);
  } catch {
    throw new KubeconfigError('the cluster server is not a URL');
  }
  if (server.protocol !== 'https:') throw new KubeconfigError('the cluster server must be an https:// URL');
  if (!config.getUser(context.user)) throw new KubeconfigError(`the current context "${contextName}" names no user`);
  return config;
}
