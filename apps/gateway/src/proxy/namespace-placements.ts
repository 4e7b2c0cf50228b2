import { Injectable, OnModuleInit, Optional } from '@nestjs/common';
import { JSONCodec, NatsConnection } from 'nats';
import { CubeEvent, eventSubject, Namespace, TenancySubjects } from '@cube/contracts';
import { ServiceBus, ServiceRequester } from '@cube/messaging';
import { allPages, WHOLE_LIST_PAGE } from '../tenancy/visible-namespaces';

const GATEWAY = { kind: 'system', name: 'gateway' } as const;

/** How long a cluster's namespace list is used before it is asked for again (in the background). */
export const PLACEMENTS_TTL_MS = 30_000;
/** A proxied request waits at most this long for a cluster's first list: the tenant and project are extras, not a condition. */
export const PLACEMENTS_WAIT_MS = 1_000;

/** The tenant and project a namespace of Cube's tenancy belongs to. */
export interface Placement {
  tenant: string;
  project: string;
}

interface Entry {
  loaded?: ReadonlyMap<string, Placement>;
  loading?: Promise<ReadonlyMap<string, Placement>>;
  expiresAt: number;
}

const NOTHING: ReadonlyMap<string, Placement> = new Map();

/** A namespace made or removed through Cube: its cluster's list is asked for again at the next request. */
const NAMESPACE_EVENTS = [eventSubject('tenancy', 'namespace', 'created'), eventSubject('tenancy', 'namespace', 'deleted')];

/**
 * Which tenant and project each namespace of a member cluster belongs to, as tenancy knows it, for the
 * proxy's `cube-tenant`/`cube-project` extras. One list per cluster, reused for PLACEMENTS_TTL_MS and then
 * refreshed in the background (a request never waits for a refresh); a namespace made since shows
 * after the next one. Tenancy not answering costs a request at most PLACEMENTS_WAIT_MS once per cluster,
 * and only the extras: the request goes on without them. A namespace created or deleted through Cube
 * (its event) has its cluster's list asked for again by the next request.
 */
@Injectable()
export class NamespacePlacements implements OnModuleInit {
  private readonly clusters = new Map<string, Entry>();

  constructor(
    private readonly bus: ServiceRequester,
    @Optional() private readonly events?: ServiceBus,
  ) {}

  onModuleInit(): void {
    this.events?.onConnection((connection) => this.listen(connection));
  }

  /** The namespace's placement (null: not one of Cube's) when the cluster's list is loaded; undefined when it must be asked for. */
  cached(cluster: string, namespace: string): Placement | null | undefined {
    const entry = this.clusters.get(cluster);
    if (!entry?.loaded) return undefined;
    if (entry.expiresAt <= Date.now()) void this.refresh(cluster, entry, `placements-${cluster}`);
    return entry.loaded.get(namespace) ?? null;
  }

  /** The namespace's placement, loading the cluster's list if need be (waiting at most PLACEMENTS_WAIT_MS); null when not known. */
  async of(cluster: string, namespace: string, requestId: string): Promise<Placement | null> {
    const known = this.cached(cluster, namespace);
    if (known !== undefined) return known;
    const entry = this.clusters.get(cluster) ?? { expiresAt: 0 };
    this.clusters.set(cluster, entry);
    const loading = this.refresh(cluster, entry, requestId);
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), PLACEMENTS_WAIT_MS)));
    const list = await Promise.race([loading, waited]).finally(() => clearTimeout(timer));
    return list?.get(namespace) ?? null;
  }

  /** The cluster is gone or changed: its list is asked for again. */
  forget(cluster: string): void {
    this.clusters.delete(cluster);
  }

  private listen(connection: NatsConnection): void {
    const codec = JSONCodec<CubeEvent>();
    for (const subject of NAMESPACE_EVENTS) {
      connection.subscribe(subject, {
        callback: (error, message) => {
          if (error) return;
          try {
            const cluster = (codec.decode(message.data).data as { cluster?: unknown } | undefined)?.cluster;
            if (typeof cluster === 'string') this.forget(cluster);
            else this.clusters.clear();
          } catch {
            // An event the gateway cannot read still means "some namespace changed".
            this.clusters.clear();
          }
        },
      });
    }
  }

  private refresh(cluster: string, entry: Entry, requestId: string): Promise<ReadonlyMap<string, Placement>> {
    if (entry.loading) return entry.loading;
    const loading = this.load(cluster, requestId).then(
      (list) => {
        entry.loaded = list;
        entry.expiresAt = Date.now() + PLACEMENTS_TTL_MS;
        return list;
      },
      // Tenancy did not answer: no extras for now, asked again after a short while.
      () => {
        entry.loaded ??= NOTHING;
        entry.expiresAt = Date.now() + PLACEMENTS_WAIT_MS * 5;
        return entry.loaded;
      },
    );
    entry.loading = loading.finally(() => (entry.loading = undefined));
    if (this.clusters.size > 10_000) this.clusters.clear();
    return entry.loading;
  }

  private async load(cluster: string, requestId: string): Promise<ReadonlyMap<string, Placement>> {
    const namespaces = await allPages<Namespace>((cursor) =>
      this.bus.request(TenancySubjects.namespaceList, {
        actor: GATEWAY,
        requestId,
        payload: { cluster, limit: WHOLE_LIST_PAGE, ...(cursor ? { cursor } : {}) },
      }),
    );
    return new Map(namespaces.map((namespace) => [namespace.name, { tenant: namespace.tenant, project: namespace.project }]));
  }
}
