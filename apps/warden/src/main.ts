import 'reflect-metadata';
import { bootstrapService, exitWithReason, WardenEnvironment } from '@cube/service-runtime';
import { resolveMemberCluster } from './agent/member-cluster';
import { parseWardenArguments } from './agent/warden-arguments';
import { WardenModule } from './warden.module';

// Warden runs inside each member cluster and keeps no PostgreSQL: its state comes over NATS.
// Its NATS URL and cluster id come from the cluster's cube-system/cube-warden Secret.
async function main(): Promise<void> {
  const cluster = await resolveMemberCluster(parseWardenArguments(process.argv.slice(2)));
  const env = cluster ? { ...process.env, NATS_URL: cluster.settings.natsUrl, CUBE_CLUSTER_NAME: cluster.settings.clusterId } : process.env;
  await bootstrapService({ service: 'warden', environment: WardenEnvironment, env, features: cluster ? [WardenModule.forCluster(cluster)] : [] });
}

main().catch((error: unknown) => exitWithReason('warden', error instanceof Error ? error.message : String(error)));
