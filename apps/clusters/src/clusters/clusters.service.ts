import { Inject, Injectable, Logger } from '@nestjs/common';
import { Actor, ClusterConnection, ClusterView, CubeError, Page, RegisterClusterBody } from '@cube/contracts';
import { authorize, authorizeVisible, subjectOf } from '@cube/auth';
import { parseKubeconfig } from '@cube/kube';
import { EventPublisher } from '@cube/messaging';
import { SERVICE_ENVIRONMENT } from '@cube/service-runtime';
import { PlatformAbilities } from '../access/platform-abilities';
import { ClustersEnvironment } from '../clusters-environment';
import { inspectCluster } from '../connection/cluster-connection';
import { WardenInstaller } from '../install/warden-installer';
import { ClustersRepository, publicCluster, StatusTransition } from './clusters.repository';
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
    private readonly events: EventPublisher,
    @Inject(SERVICE_ENVIRONMENT) private readonly env: ClustersEnvironment,
  ) {}

  async register(actor: Actor, body: RegisterClusterBody): Promise<ClusterView> {
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
      await this.installer.install(config, { clusterId: body.name, natsUrl: this.env.CUBE_WARDEN_NATS_URL ?? this.env.NATS_URL, natsToken }, this.env.CUBE_WARDEN_IMAGE);
    } catch (error: unknown) {
      // Registered means installed: a half-done registration is undone so it can simply be retried.
      await this.clusters.delete(body.name);
      throw error;
    }
    const view = publicCluster(created);
    this.logger.log({ cluster: view.name, kubernetesVersion: view.kubernetesVersion, nodes: view.nodes }, 'cluster registered, Warden installed');
    await this.events.publish({ actor, entityKind: 'cluster', event: 'registered', entity: { kind: 'Cluster', name: view.name }, version: view.version, data: view });
    return view;
  }

  async list(actor: Actor, limit: number, cursor: string | null): Promise<Page<ClusterView>> {
    const ability = await this.abilities.abilityOf(actor);
    const rows = await this.clusters.list(limit + 1, cursor);
    const visible = rows.slice(0, limit);
    const items = visible.filter((cluster) => ability.can('read', clusterSubject(cluster.name))).map(publicCluster);
    return { items, nextCursor: rows.length > limit ? (visible[visible.length - 1]?.name ?? null) : null };
  }

  async get(actor: Actor, name: string): Promise<ClusterView> {
    authorizeVisible(await this.abilities.abilityOf(actor), 'read', clusterSubject(name));
    const cluster = await this.clusters.find(name);
    if (!cluster) throw notFound(name);
    return publicCluster(cluster);
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
  async unregister(actor: Actor, name: string): Promise<void> {
    authorizeVisible(await this.abilities.abilityOf(actor), 'delete', clusterSubject(name));
    const cluster = await this.clusters.find(name);
    if (!cluster) throw notFound(name);
    const { kubeconfig } = this.vault.open(cluster.credentials, cluster.credentialsKeyId, name);
    const uninstalled = await this.installer.uninstall(parseKubeconfig(kubeconfig), name);
    const deleted = await this.clusters.delete(name);
    if (!deleted) throw notFound(name);
    const view = publicCluster(deleted);
    this.logger.log({ cluster: name, uninstalled }, 'cluster unregistered');
    await this.events.publish({ actor, entityKind: 'cluster', event: 'unregistered', entity: { kind: 'Cluster', name }, version: view.version + 1, data: { ...view, wardenRemoved: uninstalled } });
  }

  /** Announces a status change the database recorded. */
  async announce(transition: StatusTransition): Promise<void> {
    const { cluster, from, to } = transition;
    this.logger.log({ cluster: cluster.name, from, to }, 'cluster status changed');
    await this.events.publish({
      actor: { kind: 'system', name: 'cube-clusters' },
      entityKind: 'cluster',
      event: 'status-changed',
      entity: { kind: 'Cluster', name: cluster.name },
      version: cluster.version,
      data: { from, to, cluster },
    });
  }
}

function conflict(name: string): CubeError {
  return new CubeError('CONFLICT', `cluster "${name}" is already registered`, { name });
}
