import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, Min, ValidateNested } from 'class-validator';
import { ClusterConnection, ClustersSubjects, ClusterView, Page, RegisterClusterBody, UpdateClusterBody } from '@cube/contracts';
import { Actor, RequestId } from '@cube/messaging';
import { Audited } from '@cube/service-runtime';
import { ClustersService } from './clusters.service';

class ListClustersPayload {
  @IsOptional() @IsInt() @Min(1) @Max(500) limit?: number;
  @IsOptional() @IsString() cursor?: string;
}

class ClusterNamePayload {
  @IsString() name!: string;
}

class UpdateClusterPayload {
  @IsString() name!: string;
  @ValidateNested() @Type(() => UpdateClusterBody) body!: UpdateClusterBody;
}

@Controller()
export class ClustersHandler {
  constructor(private readonly clusters: ClustersService) {}

  @MessagePattern(ClustersSubjects.register)
  // The target names the cluster only: the payload's kubeconfig must never reach the audit trail.
  @Audited({ action: 'cluster.register', target: (p) => ({ kind: 'Cluster', name: String(p['name']) }) })
  register(@Payload('payload') body: RegisterClusterBody, @Actor() actor: Actor, @RequestId() requestId: string): Promise<ClusterView> {
    return this.clusters.register(actor, body, requestId);
  }

  @MessagePattern(ClustersSubjects.list)
  list(@Payload('payload') page: ListClustersPayload, @Actor() actor: Actor): Promise<Page<ClusterView>> {
    return this.clusters.list(actor, page.limit ?? 50, page.cursor ?? null);
  }

  @MessagePattern(ClustersSubjects.get)
  get(@Payload('payload') { name }: ClusterNamePayload, @Actor() actor: Actor): Promise<ClusterView> {
    return this.clusters.get(actor, name);
  }

  @MessagePattern(ClustersSubjects.update)
  // As for register: the target never carries the payload's kubeconfig.
  @Audited({ action: 'cluster.update', target: (p) => ({ kind: 'Cluster', name: String(p['name']) }) })
  update(@Payload('payload') { name, body }: UpdateClusterPayload, @Actor() actor: Actor): Promise<ClusterView> {
    return this.clusters.update(actor, name, body);
  }

  @MessagePattern(ClustersSubjects.connection)
  connection(@Payload('payload') { name }: ClusterNamePayload, @Actor() actor: Actor): Promise<ClusterConnection> {
    return this.clusters.connection(actor, name);
  }

  @MessagePattern(ClustersSubjects.unregister)
  @Audited({ action: 'cluster.unregister', target: (p) => ({ kind: 'Cluster', name: String(p['name']) }) })
  async unregister(@Payload('payload') { name }: ClusterNamePayload, @Actor() actor: Actor, @RequestId() requestId: string): Promise<null> {
    await this.clusters.unregister(actor, name, requestId);
    return null;
  }
}
