import { randomUUID } from 'node:crypto';
import { isIP } from 'node:net';
import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  Actor,
  AuthenticatedPrincipal,
  ConsoleSubjects,
  ConsoleTicket,
  CubeError,
  IdentitySubjects,
  OpenConsoleSession,
} from '@cube/contracts';
import { ServiceRequester } from '@cube/messaging';
import { GatewayEnvironment } from '../config/gateway-environment';
import { GATEWAY_ENVIRONMENT } from '../config/tokens';
import { ClusterReach } from '../kubeconfig/cluster-reach';
import { GatewayAddress, KubeconfigIssuer } from '../kubeconfig/kubeconfig-issuer';
import { ClusterConnections, ProxyTarget } from '../proxy/cluster-connections';
import { MemberClient } from './member-client';

export const CLOUDSHELL_NAMESPACE = 'cube-cloudshell';
const CONTAINER = 'shell';
const KUBECONFIG_DIR = '/etc/cube/kubeconfig';
const HOME = '/home/cloudshell';
/** The image's user (deploy/cloudshell/Dockerfile). */
const SHELL_UID = 10001;
const START_TIMEOUT_MS = 60_000;

/** A shell's console session, opened: its ticket (`cube.console.session.open`'s reply). */
export type OpenedShell = ConsoleTicket;

/** What the stream needs to tear a shell down when it ends. */
export interface ShellPlace {
  cluster: string;
  pod: string;
  tokenId: string | null;
}

/**
 * CloudShell: a pod per session in the member's `cube-cloudshell` namespace, created with Cube's own
 * credentials for the cluster (the user has no rights there, and needs none: the pod is Cube's). It
 * holds nothing of the cluster's — no service-account token — only a kubeconfig pointing back at
 * Cube's proxy with a token of the user that expires with the shell and is revoked when it ends, so
 * inside the shell the user has exactly their Cube rights. Non-root, read-only root filesystem, no
 * privilege escalation, resource limits, and a NetworkPolicy that lets it reach only the gateway.
 */
@Injectable()
export class CloudShells {
  private readonly logger = new Logger(CloudShells.name);

  constructor(
    private readonly reach: ClusterReach,
    private readonly issuer: KubeconfigIssuer,
    private readonly connections: ClusterConnections,
    private readonly member: MemberClient,
    private readonly bus: ServiceRequester,
    @Inject(GATEWAY_ENVIRONMENT) private readonly env: GatewayEnvironment,
  ) {}

  async open(
    principal: AuthenticatedPrincipal,
    requestedCluster: string | undefined,
    requestId: string,
    listening: GatewayAddress,
  ): Promise<OpenedShell> {
    const actor: Actor = { kind: 'user', name: principal.name, groups: principal.groups };
    const reached = await this.reach.all(actor, requestId);
    const home = requestedCluster ? reached.find((cluster) => cluster.name === requestedCluster) : reached[0];
    if (!home) {
      throw new CubeError(
        'NOT_FOUND',
        requestedCluster ? `cluster "${requestedCluster}" not found` : 'no cluster reached by the caller to run a shell in',
        { name: requestedCluster ?? null },
      );
    }
    const target = await this.connections.target(home.name, requestId);
    if (target.status !== 'normal')
      throw new CubeError('UNAVAILABLE', `cluster "${target.name}" is ${target.status}, not normal`, { cluster: target.name });

    const shell = `cloudshell-${randomUUID().slice(0, 13).replace('-', '')}`;
    const expiresAt = new Date(Date.now() + this.env.CUBE_CLOUDSHELL_TOKEN_TTL * 1000).toISOString();
    const { kubeconfig, tokenId } = await this.issuer.issue(actor, requestId, listening, reached, shell, expiresAt);
    const place: ShellPlace = { cluster: target.name, pod: shell, tokenId };
    try {
      await this.createObjects(target, shell, principal.name, kubeconfig, listening);
      await this.runningOrThrow(target, shell);
      const session: OpenConsoleSession & { kind: 'cloudshell'; tokenId?: string } = {
        kind: 'cloudshell',
        cluster: target.name,
        namespace: CLOUDSHELL_NAMESPACE,
        pod: shell,
        container: CONTAINER,
        commands: [['/bin/bash', '-l'], ['/bin/sh']],
        tenant: '',
        project: '',
        ...(tokenId ? { tokenId } : {}),
      };
      return await this.bus.request(ConsoleSubjects.open, { actor, requestId, payload: session });
    } catch (error: unknown) {
      await this.remove(place, actor, requestId);
      throw error;
    }
  }

  /** The shell ended: its pod and Secret go, its token is revoked (each step tried even when another fails). */
  async remove(place: ShellPlace, actor: Actor, requestId: string): Promise<void> {
    try {
      const target = await this.connections.target(place.cluster, requestId);
      const path = `/api/v1/namespaces/${CLOUDSHELL_NAMESPACE}`;
      await this.member.request(target, 'DELETE', `${path}/pods/${place.pod}`, { gracePeriodSeconds: 0 });
      await this.member.request(target, 'DELETE', `${path}/secrets/${place.pod}-kubeconfig`);
    } catch (error: unknown) {
      this.logger.warn({ err: error, cluster: place.cluster, pod: place.pod }, 'a CloudShell pod could not be removed');
    }
    if (!place.tokenId) return;
    await this.bus
      .request(IdentitySubjects.tokenRevoke, { actor, requestId, payload: { id: place.tokenId } })
      .catch((error: unknown) =>
        this.logger.warn({ err: error, user: actor.name }, 'a CloudShell token could not be revoked (it still expires)'),
      );
  }

  private async createObjects(
    target: ProxyTarget,
    shell: string,
    user: string,
    kubeconfig: string,
    listening: GatewayAddress,
  ): Promise<void> {
    const labels = { 'app.kubernetes.io/name': 'cube-cloudshell', 'app.kubernetes.io/managed-by': 'cube', 'cube.io/cloudshell': shell };
    const base = `/api/v1/namespaces/${CLOUDSHELL_NAMESPACE}`;
    await this.ensure(target, '/api/v1/namespaces', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: CLOUDSHELL_NAMESPACE, labels: { 'app.kubernetes.io/managed-by': 'cube' } },
    });
    await this.ensure(
      target,
      `/apis/networking.k8s.io/v1/namespaces/${CLOUDSHELL_NAMESPACE}/networkpolicies`,
      this.networkPolicy(listening),
    );
    await this.created(target, `${base}/secrets`, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: `${shell}-kubeconfig`, labels, annotations: { 'cube.io/user': user } },
      type: 'Opaque',
      data: { config: Buffer.from(kubeconfig).toString('base64') },
    });
    await this.created(target, `${base}/pods`, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: shell, labels, annotations: { 'cube.io/user': user } },
      spec: {
        automountServiceAccountToken: false,
        enableServiceLinks: false,
        restartPolicy: 'Never',
        securityContext: {
          runAsNonRoot: true,
          runAsUser: SHELL_UID,
          runAsGroup: SHELL_UID,
          fsGroup: SHELL_UID,
          seccompProfile: { type: 'RuntimeDefault' },
        },
        containers: [
          {
            name: CONTAINER,
            image: this.env.CUBE_CLOUDSHELL_IMAGE,
            command: ['sleep', String(this.env.CUBE_CLOUDSHELL_TOKEN_TTL)],
            env: [
              { name: 'KUBECONFIG', value: `${KUBECONFIG_DIR}/config` },
              { name: 'HOME', value: HOME },
              { name: 'CUBE_USER', value: user },
            ],
            securityContext: {
              allowPrivilegeEscalation: false,
              readOnlyRootFilesystem: true,
              privileged: false,
              capabilities: { drop: ['ALL'] },
            },
            resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '500m', memory: '256Mi', 'ephemeral-storage': '128Mi' } },
            volumeMounts: [
              { name: 'kubeconfig', mountPath: KUBECONFIG_DIR, readOnly: true },
              { name: 'home', mountPath: HOME },
              { name: 'tmp', mountPath: '/tmp' },
            ],
          },
        ],
        volumes: [
          { name: 'kubeconfig', secret: { secretName: `${shell}-kubeconfig`, defaultMode: 0o400 } },
          { name: 'home', emptyDir: { sizeLimit: '64Mi' } },
          { name: 'tmp', emptyDir: { sizeLimit: '64Mi' } },
        ],
      },
    });
  }

  /** Ingress: none. Egress: DNS, and the gateway (by CIDR, or its port anywhere when its address is unknown). */
  private networkPolicy(listening: GatewayAddress): Record<string, unknown> {
    const url = new URL(this.issuer.publicUrl(listening));
    const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const cidr = this.env.CUBE_CLOUDSHELL_GATEWAY_CIDR || (isIP(host) === 4 ? `${host}/32` : isIP(host) === 6 ? `${host}/128` : '');
    return {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'cloudshell-only-gateway' },
      spec: {
        podSelector: { matchLabels: { 'app.kubernetes.io/name': 'cube-cloudshell' } },
        policyTypes: ['Ingress', 'Egress'],
        ingress: [],
        egress: [
          {
            ports: [
              { protocol: 'UDP', port: 53 },
              { protocol: 'TCP', port: 53 },
            ],
          },
          { ...(cidr ? { to: [{ ipBlock: { cidr } }] } : {}), ports: [{ protocol: 'TCP', port }] },
        ],
      },
    };
  }

  private async ensure(target: ProxyTarget, collection: string, object: Record<string, unknown>): Promise<void> {
    const answer = await this.member.request(target, 'POST', collection, object);
    if (answer.status !== 201 && answer.status !== 409) throw this.failed(target, collection, answer.status, answer.body);
  }

  private async created(target: ProxyTarget, collection: string, object: Record<string, unknown>): Promise<void> {
    const answer = await this.member.request(target, 'POST', collection, object);
    if (answer.status !== 201) throw this.failed(target, collection, answer.status, answer.body);
  }

  private failed(target: ProxyTarget, path: string, status: number, body: Record<string, unknown>): CubeError {
    return new CubeError(
      'UNAVAILABLE',
      `cluster "${target.name}" refused the CloudShell (${status} on ${path}): ${String(body['message'] ?? '')}`,
      { cluster: target.name },
    );
  }

  private async runningOrThrow(target: ProxyTarget, shell: string): Promise<void> {
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      const pod = await this.member.request(target, 'GET', `/api/v1/namespaces/${CLOUDSHELL_NAMESPACE}/pods/${shell}`);
      const phase = (pod.body['status'] as Record<string, unknown> | undefined)?.['phase'];
      if (phase === 'Running') return;
      if (phase === 'Failed' || phase === 'Succeeded' || Date.now() > deadline) {
        throw new CubeError(
          'UNAVAILABLE',
          `the CloudShell pod did not start in cluster "${target.name}" (phase ${String(phase ?? 'unknown')})`,
          { cluster: target.name },
        );
      }
      // Polling the member: a watch would need its own stream for a wait of a few seconds.
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}
