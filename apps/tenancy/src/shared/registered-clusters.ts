import { Injectable } from '@nestjs/common';

/**
 * The member clusters tenancy writes buckets for (`cube-desired-<cluster>`, `cube-ledger-<cluster>`),
 * as learnt from the clusters service: its list (`seed`, at start) and its registered/deleted events.
 * Namespaces and quotas of an unregistered cluster stay in the database, and a change to one must not
 * bring the cluster's deleted buckets back: writers ask `mayHold` first. Until the list was read, every
 * cluster may, except those seen deleted (the start-up resync then writes what those writes skipped).
 */
@Injectable()
export class RegisteredClusters {
  private readonly known = new Set<string>();
  private readonly deleted = new Set<string>();
  private seeded = false;

  /** Clusters the clusters service listed as registered. */
  seed(clusters: string[]): void {
    for (const cluster of clusters) this.add(cluster);
    this.seeded = true;
  }

  add(cluster: string): void {
    this.known.add(cluster);
    this.deleted.delete(cluster);
  }

  remove(cluster: string): void {
    this.known.delete(cluster);
    this.deleted.add(cluster);
  }

  mayHold(cluster: string): boolean {
    return this.seeded ? this.known.has(cluster) : !this.deleted.has(cluster);
  }

  get clusters(): ReadonlySet<string> {
    return this.known;
  }
}
