import { Inject, Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Actor, ClusterConnection, ClusterView, CubeError, Page, RegisterClusterBody, UpdateClusterBody } from '@cube/contracts';
import { authorize, authorizeVisible, subjectOf } from '@cube/auth';
import { parseKubeconfig } from '@cube/kube';
import { SealedValue } from '@cube/persistence';
import { PlatformAbilities, SERVICE_ENVIRONMENT } from '@cube/service-runtime';
import { ClustersEnvironment } from '../clusters-environment';
import { inspectCluster } from '../connection/cluster-connection';
import { WardenInstaller } from '../install/warden-installer';
import { ClusterAuditToken } from './cluster-audit-token';
import { ClusterEvents } from './cluster-events';
import { BY_NAME, ClustersRepository, publicCluster, StatusTransition } from './clusters.repository';
import { CredentialVault } from './credential-vault';

const clusterSubject = (name: string) => subjectOf('Cluster', { cluster: name });
const notFound = (name: string) => new CubeError('NOT_FOUND', `cluster "${name}" not found`, { name });

/** The member-cluster registry: registration (connect, seal, install Warden), listing, unregistration. */
@Injectable()
export class ClustersService {
  private readonly logger = new Logger(ClustersService.name);

  constructor(
    private readonly clusters: ClustersRepository,
    private readonly abilities: PlatformAbilities,
    private readonly vault: CredentialVault,
    private readonly installer: WardenInstaller,
    private readonly events: ClusterEvents,
    private readonly auditToken: ClusterAuditToken,
    @Inject(SERVICE_ENVIRONMENT) private readonly env: ClustersEnvironment,
  ) {}

  async register(actor: Actor, body: RegisterClusterBody, requestId = ''): Promise<ClusterView> {
    authorize(await this.abilities.abilityOf(actor), 'create', clusterSubject(body.name));
    if (await this.clusters.exists(body.name)) throw conflict(body.name);
    const { config, facts } = await inspectCluster(body.kubeconfig, this.env.CUBE_CLUSTER_CONNECT_TIMEOUT_MS);
    const natsToken = CredentialVault.newNatsToken();
    const { sealed, keyId } = this.vault.seal({ kubeconfig: body.kubeconfig, natsToken });
    const created = await this.clusters.insert({
      name: body.name,
      displayName: body.displayName ?? body.name,
      description: body.description ?? '',
      credentials: sealed,
      credentialsKeyId: keyId,
      kubernetesVersion: facts.kubernetesVersion,
      nodes: facts.nodes,
    });
    if (!created) throw conflict(body.name);
    try {
      await this.installer.install(
        config,
        { clusterId: body.name, natsUrl: this.env.CUBE_WARDEN_NATS_URL ?? this.env.NATS_URL, natsToken },
        this.env.CUBE_WARDEN_IMAGE,
      );
      await this.auditToken.issue(config, body.name, requestId);
    } catch (error: unknown) {
      // Registered means installed: a half-done registration is undone so it can simply be retried.
      await this.auditToken.revoke(null, body.name, requestId, this.env.CUBE_CLUSTER_CONNECT_TIMEOUT_MS);
      await this.clusters.delete(body.name);
      throw error;
    }
    const view = publicCluster(created);
    this.logger.log(
      { cluster: view.name, kubernetesVersion: view.kubernetesVersion, nodes: view.nodes },
      'cluster registered, Warden installed',
    );
    // The row had to exist (pending) while Warden was installed, so the event is written once that finished.
    await this.events.transaction((tx) => this.events.registered(tx, actor, view));
    return view;
  }

  async list(actor: Actor, limit: number, cursor: string | null): Promise<Page<ClusterView>> {
    const ability = await this.abilities.abilityOf(actor);
    const rows = await this.clusters.list(limit + 1, BY_NAME.decode(cursor)?.[0] ?? null);
    const page = BY_NAME.page(
      rows,
      limit,
      (cluster) => [cluster.name],
      (cluster) => cluster,
    );
    return {
      items: page.items.filter((cluster) => ability.can('read', clusterSubject(cluster.name))).map(publicCluster),
      nextCursor: page.nextCursor,
    };
  }

  async get(actor: Actor, name: string): Promise<ClusterView> {
    authorizeVisible(await this.abilities.abilityOf(actor), 'read', clusterSubject(name));
    const cluster = await this.clusters.find(name);
    if (!cluster) throw notFound(name);
    return publicCluster(cluster);
  }

  /**
   * Display name, description and credentials. A new kubeconfig is checked by connecting exactly as
   * at registration (same 422 reasons) and sealed before the one UPDATE, so a refusal changes nothing.
   * Warden's NATS credential is kept: the Warden already running keeps working.
   */
  async update(actor: Actor, name: string, body: UpdateClusterBody): Promise<ClusterView> {
    authorizeVisible(await this.abilities.abilityOf(actor), 'update', clusterSubject(name));
    const cluster = await this.clusters.find(name);
    if (!cluster) throw notFound(name);
    // Nothing to change: no new version, no event.
    if (body.displayName === undefined && body.description === undefined && body.kubeconfig === undefined) return publicCluster(cluster);
    let credentials: { sealed: SealedValue; keyId: string } | undefined;
    if (body.kubeconfig !== undefined) {
      await inspectCluster(body.kubeconfig, this.env.CUBE_CLUSTER_CONNECT_TIMEOUT_MS);
      const { natsToken } = this.vault.open(cluster.credentials, cluster.credentialsKeyId, name);
      credentials = this.vault.seal({ kubeconfig: body.kubeconfig, natsToken });
    }
    const view = await this.events.transaction(async (tx) => {
      const updated = await this.clusters.update(name, { displayName: body.displayName, description: body.description, credentials }, tx);
      if (!updated) throw notFound(name);
      const changed = publicCluster(updated);
      await this.events.updated(tx, actor, changed, credentials !== undefined);
      return changed;
    });
    this.logger.log({ cluster: name, kubeconfigReplaced: credentials !== undefined }, 'cluster updated');
    return view;
  }

  /**
   * How the gateway's native API proxy reaches the cluster. Only the gateway may ask (the reply holds
   * the cluster's credentials, sealed); the member's RBAC then decides for the impersonated caller.
   */
  async connection(actor: Actor, name: string): Promise<ClusterConnection> {
    if (actor.kind !== 'system' || actor.name !== 'gateway') {
      throw new CubeError('FORBIDDEN', 'only the gateway may ask for a cluster connection', {});
    }
    const cluster = await this.clusters.find(name);
    if (!cluster) throw notFound(name);
    const { kubeconfig } = this.vault.open(cluster.credentials, cluster.credentialsKeyId, name);
    const server = parseKubeconfig(kubeconfig).getCurrentCluster()?.server;
    if (!server) throw new CubeError('UNAVAILABLE', `the stored kubeconfig of cluster "${name}" names no server`, { name });
    const { sealed, keyId } = this.vault.sealForProxy({ kubeconfig });
    return { name, status: cluster.status, server, version: cluster.version, credentials: sealed, keyId };
  }

  /** Removes Warden from the cluster (best effort: an unreachable cluster can still be unregistered) and forgets it. */
  async unregister(actor: Actor, name: string, requestId = ''): Promise<void> {
    authorizeVisible(await this.abilities.abilityOf(actor), 'delete', clusterSubject(name));
    const cluster = await this.clusters.find(name);
    if (!cluster) throw notFound(name);
    const { kubeconfig } = this.vault.open(cluster.credentials, cluster.credentialsKeyId, name);
    const config = parseKubeconfig(kubeconfig);
    await this.auditToken.revoke(config, name, requestId, this.env.CUBE_CLUSTER_CONNECT_TIMEOUT_MS);
    const uninstalled = await this.installer.uninstall(config, name);
    await this.events.transaction(async (tx) => {
      const deleted = await this.clusters.delete(name, tx);
      if (!deleted) throw notFound(name);
      await this.events.deleted(tx, actor, publicCluster(deleted), uninstalled);
    });
    this.logger.log({ cluster: name, uninstalled }, 'cluster unregistered');
  }

  /** Runs a status update (`change`, in `tx`) and writes the event of each transition it made in the same transaction. */
  async changeStatus(change: (tx: EntityManager) => Promise<StatusTransition | StatusTransition[] | null>): Promise<StatusTransition[]> {
    const transitions = await this.events.transaction(async (tx) => {
      const made = await change(tx);
      const list = made === null ? [] : Array.isArray(made) ? made : [made];
      for (const transition of list) await this.events.statusChanged(tx, transition);
      return list;
    });
    for (const { cluster, from, to } of transitions) this.logger.log({ cluster: cluster.name, from, to }, 'cluster status changed');
    return transitions;
  }
}

function conflict(name: string): CubeError {
  return new CubeError('CONFLICT', `cluster "${name}" is already registered`, { name });
}
