import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { Logger as PinoNestLogger, PinoLogger } from 'nestjs-pino';
import { cubeLoggerParams } from '@cube/observability';
import { natsAuthOptions } from '@cube/messaging';
import { bootstrapService, exitWithReason, loadEnvironment, WardenEnvironment } from '@cube/service-runtime';
import { resolveMemberCluster } from './agent/member-cluster';
import { untilNatsAnswers } from './agent/nats-reachability';
import { parseWardenArguments } from './agent/warden-arguments';
import { WardenAutonomy } from './autonomy/warden-autonomy';
import { serveWebhooksByUrl } from './webhooks/webhook-endpoint';
import { WardenModule } from './warden.module';

// Warden runs inside each member cluster and keeps no PostgreSQL: its state comes over NATS.
// Its NATS URL and cluster id come from the cluster's cube-system/cube-warden Secret; its webhooks
// start first, from the disk cache, so that they answer even while NATS cannot be reached.
async function main(): Promise<void> {
  const args = parseWardenArguments(process.argv.slice(2));
  const cluster = await resolveMemberCluster(args);
  if (!cluster) {
    await bootstrapService({ service: 'warden', environment: WardenEnvironment, features: [] });
    return;
  }
  // The webhooks log before the Nest application exists: the same JSON lines as after.
  const params = cubeLoggerParams('warden', process.env['LOG_LEVEL'] ?? 'info');
  Logger.overrideLogger(new PinoNestLogger(new PinoLogger(params), params));
  const autonomy = await WardenAutonomy.start(cluster, {
    webhookPort: args.webhookPort,
    stateDir: args.stateDir,
    auditSpoolMaxBytes: args.auditSpoolMaxBytes,
  });
  // Outside a Pod the Service has no endpoints: before the reconciler applies any ResourceQuota, the
  // quota webhook must call this process by URL.
  await serveWebhooksByUrl(cluster, args, autonomy.webhookPort);
  const env = { ...process.env, NATS_URL: cluster.settings.natsUrl, CUBE_CLUSTER_NAME: cluster.settings.clusterId };
  const servers = cluster.settings.natsUrl.split(',').map((url) => url.trim());
  // The same credentials (NATS_USER/NATS_PASSWORD, NATS_TOKEN or NATS_CREDS_FILE) as every connection Warden opens later.
  await untilNatsAnswers(servers, natsAuthOptions(loadEnvironment(WardenEnvironment, env)), () => {
    new Logger('Warden').warn('NATS is not reachable; the webhooks answer from the cache until it is');
    void autonomy.applyCachedDesiredState();
  });
  await bootstrapService({
    service: 'warden',
    environment: WardenEnvironment,
    env,
    features: [WardenModule.forCluster(cluster, autonomy)],
  });
}

main().catch((error: unknown) => exitWithReason('warden', error instanceof Error ? error.message : String(error)));
