import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { ClusterConnection, ClustersSubjects, ClusterView, Envelope, Page, RegisterClusterBody } from '@cube/contracts';
import { validatePayload } from '@cube/messaging';
import { Audited } from '@cube/service-runtime';
import { ClustersService } from './clusters.service';

class ListClustersPayload {
  @IsOptional() @IsInt() @Min(1) @Max(500) limit?: number;
  @IsOptional() @IsString() cursor?: string;
}

class ClusterNamePayload {
  @IsString() name!: string;
}

@Controller()
export class ClustersHandler {
  constructor(private readonly clusters: ClustersService) {}

  @MessagePattern(ClustersSubjects.register)
  // The target names the cluster only: the payload's kubeconfig must never reach the audit trail.
  @Audited({ action: 'cluster.register', target: (p) => ({ kind: 'Cluster', name: String(p['name']) }) })
  register(@Payload() envelope: Envelope): Promise<ClusterView> {
    return this.clusters.register(envelope.actor, validatePayload(RegisterClusterBody, envelope.payload));
  }

  @MessagePattern(ClustersSubjects.list)
  list(@Payload() envelope: Envelope): Promise<Page<ClusterView>> {
    const page = validatePayload(ListClustersPayload, envelope.payload);
    return this.clusters.list(envelope.actor, page.limit ?? 50, page.cursor ?? null);
  }

  @MessagePattern(ClustersSubjects.get)
  get(@Payload() envelope: Envelope): Promise<ClusterView> {
    return this.clusters.get(envelope.actor, validatePayload(ClusterNamePayload, envelope.payload).name);
  }

  @MessagePattern(ClustersSubjects.connection)
  connection(@Payload() envelope: Envelope): Promise<ClusterConnection> {
    return this.clusters.connection(envelope.actor, validatePayload(ClusterNamePayload, envelope.payload).name);
  }

  @MessagePattern(ClustersSubjects.unregister)
  @Audited({ action: 'cluster.unregister', target: (p) => ({ kind: 'Cluster', name: String(p['name']) }) })
  async unregister(@Payload() envelope: Envelope): Promise<null> {
    await this.clusters.unregister(envelope.actor, validatePayload(ClusterNamePayload, envelope.payload).name);
    return null;
  }
}
