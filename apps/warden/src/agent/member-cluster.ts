import { readFile } from 'node:fs/promises';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { WARDEN_NAME, WARDEN_NAMESPACE, WARDEN_WEBHOOK_TLS_SECRET, WardenSettings } from '@cube/contracts';
import { parseKubeconfig } from '@cube/kube';
import { WardenArguments } from './warden-arguments';
import { WardenStartError } from './warden-start-error';

/** The member cluster this Warden runs for: how to reach its apiserver and what registration installed. */
export interface MemberCluster {
  kubeConfig: KubeConfig;
  settings: WardenSettings;
  /** The webhooks' serving certificate registration installed (`cube-system/cube-warden-webhook-tls`) and the CA that signed it. */
  serving: { cert: string; key: string; caCert: string };
}

export { WardenStartError };

function kubeConfigOf(args: WardenArguments, text: string | undefined): KubeConfig | null {
  if (text !== undefined) return parseKubeconfig(text);
  if (!process.env['KUBERNETES_SERVICE_HOST']) return null;
  const config = new KubeConfig();
  config.loadFromCluster();
  return config;
}

/**
 * Finds the member cluster from the command line or the Pod's service account, then reads the
 * `cube-system/cube-warden` Secret the way the in-cluster Warden does. Null when Warden has no
 * cluster to serve (the local stack of `npm start` runs one that only answers health pings).
 */
export async function resolveMemberCluster(args: WardenArguments): Promise<MemberCluster | null> {
  let text: string | undefined;
  if (args.kubeconfig) {
    text = await readFile(args.kubeconfig, 'utf8').catch(() => {
      throw new WardenStartError(`cannot read the kubeconfig ${args.kubeconfig}`);
    });
  }
  let kubeConfig: KubeConfig | null;
  try {
    kubeConfig = kubeConfigOf(args, text);
  } catch (error: unknown) {
    throw new WardenStartError(`the kubeconfig cannot be used: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!kubeConfig) {
    if (args.cluster) throw new WardenStartError(`--cluster ${args.cluster} needs --kubeconfig outside a cluster`);
    return null;
  }
  const settings = await readSettings(kubeConfig);
  if (args.cluster && args.cluster !== settings.clusterId) {
    throw new WardenStartError(`the cluster's Warden Secret is for "${settings.clusterId}", not "${args.cluster}"`);
  }
  return { kubeConfig, settings, serving: await readServingCertificate(kubeConfig) };
}

async function readSecret(kubeConfig: KubeConfig, name: string): Promise<(key: string) => string> {
  let data: Record<string, string>;
  try {
    const secret = await kubeConfig.makeApiClient(CoreV1Api).readNamespacedSecret({ name, namespace: WARDEN_NAMESPACE });
    data = secret.data ?? {};
  } catch (error: unknown) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new WardenStartError(`cannot read Secret ${WARDEN_NAMESPACE}/${name} (is the cluster registered?): ${reason}`);
  }
  return (key) => Buffer.from(data[key] ?? '', 'base64').toString('utf8');
}

async function readSettings(kubeConfig: KubeConfig): Promise<WardenSettings> {
  const field = await readSecret(kubeConfig, WARDEN_NAME);
  const settings: WardenSettings = { clusterId: field('clusterId'), natsUrl: field('natsUrl'), natsToken: field('natsToken') };
  if (!settings.clusterId || !settings.natsUrl) {
    throw new WardenStartError(`Secret ${WARDEN_NAMESPACE}/${WARDEN_NAME} lacks clusterId or natsUrl`);
  }
  return settings;
}

async function readServingCertificate(kubeConfig: KubeConfig): Promise<MemberCluster['serving']> {
  const field = await readSecret(kubeConfig, WARDEN_WEBHOOK_TLS_SECRET);
  const serving = { cert: field('tls.crt'), key: field('tls.key'), caCert: field('ca.crt') };
  if (!serving.cert || !serving.key || !serving.caCert) {
    throw new WardenStartError(`Secret ${WARDEN_NAMESPACE}/${WARDEN_WEBHOOK_TLS_SECRET} lacks tls.crt, tls.key or ca.crt`);
  }
  return serving;
}
