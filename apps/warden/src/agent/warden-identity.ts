import { AuthenticationV1Api, KubeConfig } from '@kubernetes/client-node';
import { WARDEN_NAME, WARDEN_NAMESPACE } from '@cube/contracts';

/** The service account registration installs for Warden, as the apiserver names it. */
export const WARDEN_SERVICE_ACCOUNT_USER = `system:serviceaccount:${WARDEN_NAMESPACE}:${WARDEN_NAME}`;

/**
 * The user names Warden's own writes arrive under: its service account in the Pod, and whoever its
 * kubeconfig authenticates as when it runs outside the cluster (asked once with a SelfSubjectReview).
 */
export async function wardenUsers(kubeConfig: KubeConfig): Promise<Set<string>> {
  const users = new Set([WARDEN_SERVICE_ACCOUNT_USER]);
  const review = await kubeConfig
    .makeApiClient(AuthenticationV1Api)
    .createSelfSubjectReview({ body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' } });
  const name = review.status?.userInfo?.username;
  if (name) users.add(name);
  return users;
}
