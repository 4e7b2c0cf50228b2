import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { ClusterComponentEntity } from './cluster-component.entity';

/** The one owner of `cluster_components`: generations given to clusters and the phases reported back. */
@Injectable()
export class ClusterComponentsRepository {
  constructor(private readonly dataSource: DataSource) {}

  private repo(tx?: EntityManager) {
    return (tx ?? this.dataSource.manager).getRepository(ClusterComponentEntity);
  }

  ofCluster(cluster: string, tx?: EntityManager): Promise<ClusterComponentEntity[]> {
    return this.repo(tx).findBy({ cluster });
  }

  /** The row locked for the transaction: delivery and status reports of one pair do not interleave. */
  lock(tx: EntityManager, cluster: string, component: string): Promise<ClusterComponentEntity | null> {
    return this.repo(tx).findOne({ where: { cluster, component }, lock: { mode: 'pessimistic_write' } });
  }

  save(tx: EntityManager, row: ClusterComponentEntity): Promise<ClusterComponentEntity> {
    return this.repo(tx).save({ ...row, updatedAt: new Date() });
  }

  async forgetComponent(tx: EntityManager, component: string): Promise<void> {
    await this.repo(tx).delete({ component });
  }

  async forgetCluster(tx: EntityManager, cluster: string): Promise<void> {
    await this.repo(tx).delete({ cluster });
  }
}
