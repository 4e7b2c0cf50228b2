import { Injectable } from '@nestjs/common';
import { AuthenticatedPrincipal, CreateConsoleSessionBody, CubeError, OpenConsoleSession } from '@cube/contracts';
import { ClusterConnections, ProxyTarget } from '../proxy/cluster-connections';
import { MemberAnswer, MemberClient } from './member-client';

/** kubectl's default: try bash, then sh (the image may have no bash). */
export const DEFAULT_COMMANDS = [['/bin/bash'], ['/bin/sh']];
/** kubectl exec's choice of container when none is named (kubectl.kubernetes.io/default-container). */
const DEFAULT_CONTAINER_ANNOTATION = 'kubectl.kubernetes.io/default-container';

interface ResourceAttributes {
  namespace: string;
  verb: string;
  resource: string;
  subresource?: string;
  name?: string;
}

/**
 * Whether a caller may open a terminal on a pod, asked of the member cluster itself, the way the
 * native proxy asks it anything: Cube's credential for the cluster plus `Impersonate-User/Group` of
 * the caller, so the member's RBAC decides — a SelfSubjectAccessReview as the caller is exactly the
 * SubjectAccessReview of the caller, and needs no right beyond what every user has.
 *
 * The gateway asks, not the console service: the gateway alone opens the cluster's sealed
 * credentials (clusters answers `cluster.connection` only to it, and only it holds CUBE_SECRET_KEY),
 * and it runs the exec stream with the same connection; a second holder of the key would widen what
 * a compromised service could reach.
 */
@Injectable()
export class ConsoleAccess {
  constructor(
    private readonly connections: ClusterConnections,
    private readonly client: MemberClient,
  ) {}

  async check(principal: AuthenticatedPrincipal, body: CreateConsoleSessionBody, requestId: string): Promise<OpenConsoleSession> {
    const target = await this.connections.target(body.cluster, requestId);
    if (target.status !== 'normal') {
      throw new CubeError('UNAVAILABLE', `cluster "${target.name}" is ${target.status}, not normal: terminals cannot be opened now`, {
        cluster: target.name,
      });
    }
    const place = { namespace: body.namespace };
    if (!(await this.allowed(target, principal, { ...place, verb: 'create', resource: 'pods', subresource: 'exec', name: body.pod }))) {
      // Someone who cannot even see the namespace learns nothing about it (kube-apiserver's own rule for reads).
      const sees =
        (await this.allowed(target, principal, { ...place, verb: 'get', resource: 'namespaces', name: body.namespace })) ||
        (await this.allowed(target, principal, { ...place, verb: 'list', resource: 'pods' }));
      if (!sees) throw new CubeError('NOT_FOUND', `no namespace "${body.namespace}" in cluster "${body.cluster}"`);
      throw new CubeError(
        'FORBIDDEN',
        `"${principal.name}" may not exec into pods of namespace "${body.namespace}" in cluster "${body.cluster}"`,
      );
    }
    // Read with Cube's own rights: only to tell an unknown pod (404) from a bad container (422) and to
    // learn the namespace's tenant; nothing of it reaches the caller beyond names they gave.
    const pod = await this.member(target, 'GET', `/api/v1/namespaces/${body.namespace}/pods/${body.pod}`);
    if (pod.status === 404) throw new CubeError('NOT_FOUND', `no pod "${body.pod}" in namespace "${body.namespace}"`);
    if (pod.status !== 200) throw unavailable(target, pod.status);
    const container = containerOf(pod.body, body.container);
    const namespace = await this.member(target, 'GET', `/api/v1/namespaces/${body.namespace}`);
    const labels =
      namespace.status === 200
        ? (((namespace.body['metadata'] as Record<string, unknown> | undefined)?.['labels'] ?? {}) as Record<string, string>)
        : {};
    return {
      cluster: body.cluster,
      namespace: body.namespace,
      pod: body.pod,
      container,
      commands: body.command ? [body.command] : DEFAULT_COMMANDS,
      tenant: labels['cube.io/tenant'] ?? '',
      project: labels['cube.io/project'] ?? '',
    };
  }

  private async allowed(target: ProxyTarget, principal: AuthenticatedPrincipal, attributes: ResourceAttributes): Promise<boolean> {
    const review = { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: attributes } };
    const answer = await this.member(target, 'POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', review, principal);
    if (answer.status !== 201 && answer.status !== 200) throw unavailable(target, answer.status);
    return (answer.body['status'] as Record<string, unknown> | undefined)?.['allowed'] === true;
  }

  private member(
    target: ProxyTarget,
    method: string,
    path: string,
    body?: unknown,
    principal?: AuthenticatedPrincipal,
  ): Promise<MemberAnswer> {
    return this.client.request(target, method, path, body, principal);
  }
}

function unavailable(target: ProxyTarget, status: number): CubeError {
  return new CubeError('UNAVAILABLE', `cluster "${target.name}" answered ${status} to an access check`, { cluster: target.name });
}

/** The container to exec into, as kubectl exec picks it (named, the default-container annotation, or the only one). */
export function containerOf(pod: Record<string, unknown>, requested: string | undefined): string {
  const spec = (pod['spec'] ?? {}) as Record<string, unknown>;
  const names = (field: string) => ((spec[field] as { name?: unknown }[] | undefined) ?? []).map((c) => String(c.name));
  const containers = names('containers');
  const metadata = (pod['metadata'] ?? {}) as { annotations?: Record<string, string>; name?: string };
  if (requested) {
    if (![...containers, ...names('initContainers'), ...names('ephemeralContainers')].includes(requested)) {
      throw new CubeError('UNPROCESSABLE', `container "${requested}" is not valid for pod "${metadata.name ?? ''}"`, {
        fields: [{ field: 'container', problems: [`choose one of: ${containers.join(', ')}`] }],
      });
    }
    return requested;
  }
  const annotated = metadata.annotations?.[DEFAULT_CONTAINER_ANNOTATION];
  if (annotated && containers.includes(annotated)) return annotated;
  if (containers.length === 1 && containers[0]) return containers[0];
  throw new CubeError('UNPROCESSABLE', `pod "${metadata.name ?? ''}" has several containers; name one`, {
    fields: [{ field: 'container', problems: [`choose one of: ${containers.join(', ')}`] }],
  });
}
