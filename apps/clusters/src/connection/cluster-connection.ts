import { AuthorizationV1Api, CoreV1Api, KubeConfig, VersionApi } from '@kubernetes/client-node';
import { ClusterConnectionFailure, CubeError } from '@cube/contracts';
import { classifyKubeCallFailure, KubeconfigError, parseKubeconfig, withDeadline } from '@cube/kube';

/** What Cube must be allowed to do in a member cluster to install and run Warden there. */
export const REQUIRED_PERMISSIONS: readonly { verb: string; group: string; resource: string; namespace?: string }[] = [
  { verb: 'create', group: '', resource: 'namespaces' },
  { verb: 'delete', group: '', resource: 'namespaces' },
  { verb: 'create', group: 'rbac.authorization.k8s.io', resource: 'clusterroles' },
  { verb: 'create', group: 'rbac.authorization.k8s.io', resource: 'clusterrolebindings' },
  { verb: 'bind', group: 'rbac.authorization.k8s.io', resource: 'clusterroles' },
  { verb: 'escalate', group: 'rbac.authorization.k8s.io', resource: 'clusterroles' },
  { verb: 'create', group: 'admissionregistration.k8s.io', resource: 'validatingwebhookconfigurations' },
  { verb: 'create', group: '', resource: 'secrets', namespace: 'cube-system' },
  { verb: 'create', group: 'apps', resource: 'deployments', namespace: 'cube-system' },
  { verb: 'list', group: '', resource: 'nodes' },
];

export interface ClusterFacts {
  kubernetesVersion: string;
  nodes: number;
}

const MESSAGES: Record<ClusterConnectionFailure, string> = {
  'invalid-kubeconfig': 'the kubeconfig cannot be used',
  unreachable: "the cluster's API server cannot be reached",
  'tls-failure': "the cluster's API server certificate is not trusted by the kubeconfig's certificate authority",
  unauthorized: "the cluster refused the kubeconfig's credentials (401)",
  'insufficient-permissions': "the kubeconfig's identity may not manage what Warden needs",
};

/** A 422 whose `details.reason` tells the causes apart (API.md clusters: each refusal distinguishable). */
export function connectionRefused(reason: ClusterConnectionFailure, detail: string, extra: Record<string, unknown> = {}): CubeError {
  return new CubeError('UNPROCESSABLE', `${MESSAGES[reason]}: ${detail}`, { reason, ...extra });
}

function refusalOf(error: unknown, server: string): CubeError {
  const failure = classifyKubeCallFailure(error);
  const detail = error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error);
  switch (failure) {
    case 'unreachable':
      return connectionRefused('unreachable', detail, { server });
    case 'tls-failure':
      return connectionRefused('tls-failure', detail, { server });
    case 'unauthorized':
      return connectionRefused('unauthorized', 'check the token or client certificate', { server });
    case 'forbidden':
      return connectionRefused('insufficient-permissions', detail, { server });
    case 'other':
      return new CubeError('UNPROCESSABLE', `the cluster answered unexpectedly: ${detail}`, { reason: 'unreachable', server });
  }
}

/**
 * Connects with a kubeconfig the way registration needs: `/version` (reachable, TLS trusted), then
 * SelfSubjectAccessReviews (the credential is accepted and allowed to install Warden), then nodes.
 * Each failure is a 422 with its own reason; the kubeconfig is never quoted.
 */
export async function inspectCluster(kubeconfig: string, deadlineMs: number): Promise<{ config: KubeConfig; facts: ClusterFacts }> {
  let config: KubeConfig;
  try {
    config = parseKubeconfig(kubeconfig);
  } catch (error: unknown) {
    throw connectionRefused('invalid-kubeconfig', error instanceof KubeconfigError ? error.message : 'unreadable');
  }
  const server = config.getCurrentCluster()?.server ?? '';
  const call = <T>(what: string, promise: () => Promise<T>) =>
    withDeadline(
      promise().catch((error: unknown) => {
        throw refusalOf(error, server);
      }),
      deadlineMs,
      what,
    ).catch((error: unknown) => {
      throw error instanceof CubeError ? error : refusalOf(error, server);
    });

  const version = await call('/version', () => config.makeApiClient(VersionApi).getCode());
  const authorization = config.makeApiClient(AuthorizationV1Api);
  const reviews = await call('SelfSubjectAccessReview', () =>
    Promise.all(
      REQUIRED_PERMISSIONS.map((permission) =>
        authorization.createSelfSubjectAccessReview({
          body: {
            spec: {
              resourceAttributes: {
                verb: permission.verb,
                group: permission.group,
                resource: permission.resource,
                namespace: permission.namespace,
              },
            },
          },
        }),
      ),
    ),
  );
  const missing = REQUIRED_PERMISSIONS.filter((_, index) => reviews[index]?.status?.allowed !== true).map(
    (p) => `${p.verb} ${p.group ? `${p.resource}.${p.group}` : p.resource}${p.namespace ? ` in ${p.namespace}` : ''}`,
  );
  if (missing.length > 0) {
    throw connectionRefused('insufficient-permissions', `missing ${missing.join(', ')}`, { server, missing });
  }
  const nodes = await call('nodes', () => config.makeApiClient(CoreV1Api).listNode());
  return { config, facts: { kubernetesVersion: version.gitVersion, nodes: nodes.items.length } };
}
