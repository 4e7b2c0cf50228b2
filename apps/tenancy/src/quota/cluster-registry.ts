import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { JSONCodec, NatsConnection } from 'nats';
import { ClustersSubjects, ClusterView, CubeError, Envelope } from '@cube/contracts';
import { JETSTREAM_CONNECTION } from '@cube/messaging';
import { SERVICE_ENVIRONMENT } from '@cube/service-runtime';
import type { BaseEnvironment } from '@cube/service-runtime';

const codec = JSONCodec<unknown>();

/**
 * Whether a cluster is registered, asked of the clusters service (it owns the registry; tenancy
 * never reads its schema). Asked as the system, so a caller's own visibility of clusters does not
 * decide whether a namespace may live there.
 */
@Injectable()
export class ClusterRegistry {
  constructor(
    @Inject(JETSTREAM_CONNECTION) private readonly nats: NatsConnection,
    @Inject(SERVICE_ENVIRONMENT) private readonly env: BaseEnvironment,
  ) {}

  /** 422 naming the `cluster` field when it is not registered; 503 when the clusters service does not answer. */
  async requireRegistered(cluster: string): Promise<void> {
    try {
      await this.get(cluster);
    } catch (error: unknown) {
      if (error instanceof CubeError && error.code === 'NOT_FOUND') {
        throw new CubeError('UNPROCESSABLE', `cluster "${cluster}" is not registered`, {
          fields: [{ field: 'cluster', problems: [`cluster "${cluster}" is not registered`] }],
        });
      }
      throw error;
    }
  }

  /** Nest's NATS request format ({ pattern, id, data } → { err, response }), with a deadline. */
  private async get(cluster: string): Promise<ClusterView> {
    const id = randomUUID();
    const envelope: Envelope<{ name: string }> = { actor: { kind: 'system', name: 'cube-tenancy' }, requestId: id, payload: { name: cluster } };
    let reply;
    try {
      reply = await this.nats.request(ClustersSubjects.get, codec.encode({ pattern: ClustersSubjects.get, id, data: envelope }), { timeout: this.env.CUBE_REQUEST_TIMEOUT_MS });
    } catch (error: unknown) {
      const message = error instanceof Error ? error.message : String(error);
      throw new CubeError('UNAVAILABLE', `the clusters service did not answer whether cluster "${cluster}" is registered: ${message}`, { service: 'clusters' });
    }
    const body = codec.decode(reply.data) as { err?: unknown; response?: ClusterView };
    if (body.err !== undefined && body.err !== null) {
      throw CubeError.isBody(body.err) ? CubeError.fromBody(body.err) : new CubeError('UNAVAILABLE', 'the clusters service failed to look up a cluster', { service: 'clusters' });
    }
    if (!body.response) throw new CubeError('UNAVAILABLE', 'the clusters service answered without a cluster', { service: 'clusters' });
    return body.response;
  }
}
