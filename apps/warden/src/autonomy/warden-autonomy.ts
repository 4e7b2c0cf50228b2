import { Logger } from '@nestjs/common';
import { NatsConnection } from 'nats';
import { AccessTokenVerifier, JwksKeySet } from '@cube/auth';
import { desiredStateBucket, ServiceBus } from '@cube/messaging';
import {
  API_TOKEN_VERIFIERS_BUCKET,
  ApiTokenVerifierEntry,
  AUDIT_WEBHOOK_PATH,
  QUOTA_WEBHOOK_PATH,
  quotaLedgerBucket,
  TenantLedgerEntry,
  TOKEN_REVIEW_PATH,
} from '@cube/contracts';
import { quotaAdmission } from '../admission/quota-admission';
import { MemberCluster } from '../agent/member-cluster';
import { AuditSpool, DEFAULT_AUDIT_SPOOL_MAX_BYTES } from '../audit/audit-spool';
import { auditWebhook, AuditTokenSource } from '../audit/audit-webhook';
import { WARDEN_SERVICE_ACCOUNT_USER, wardenUsers } from '../agent/warden-identity';
import { DisabledUsers } from '../authn/disabled-users';
import { JwksSource } from '../authn/jwks-source';
import { reviewToken, TokenReview } from '../authn/token-review';
import { applyCachedDesiredState } from '../reconciler/cached-desired-state';
import { WARDEN_FIELD_MANAGER } from '../reconciler/desired-state-reconciler';
import { WebhookServer } from '../webhooks/webhook-server';
import { KvMirror } from './kv-mirror';
import { StateCache } from './state-cache';

/** How often the JWKS is asked again (besides on an unknown kid): rotation publishes keys ahead of use. */
const JWKS_REFRESH_MS = 60_000;

export interface WardenAutonomyOptions {
  webhookPort: number;
  stateDir: string;
  /** Only for tests; all interfaces otherwise. */
  webhookHost?: string;
  /** Bound of the native audit spool (`--audit-spool-max-bytes`). */
  auditSpoolMaxBytes?: number;
  /** Only for tests: the cluster's audit token without reading its Secret. */
  auditTokens?: AuditTokenSource;
}

/**
 * What lets a member cluster keep working without the control plane (issue #7, autonomy): the
 * webhooks Warden serves and the state they answer from — JWKS, API-token verifiers, disabled users,
 * quota ledger — loaded from disk before NATS is reached, then kept current over NATS and written
 * back to disk. Started before the Nest application, so the webhooks answer even when NATS is down
 * at start.
 */
export class WardenAutonomy {
  private readonly logger = new Logger(WardenAutonomy.name);
  private server: WebhookServer | undefined;
  private jwksTimer: NodeJS.Timeout | undefined;
  private trusted: ReadonlySet<string> = new Set([WARDEN_SERVICE_ACCOUNT_USER]);
  readonly keys: JwksKeySet;

  private constructor(
    private readonly cluster: MemberCluster,
    readonly cache: StateCache,
    readonly ledger: KvMirror<TenantLedgerEntry>,
    readonly apiTokens: KvMirror<ApiTokenVerifierEntry>,
    readonly disabledUsers: DisabledUsers,
    readonly desired: KvMirror<unknown>,
    /** Native audit batches the apiserver posted, on disk until forwarded over NATS (issue #22). */
    readonly auditSpool: AuditSpool,
    private readonly jwks: JwksSource,
    initialJwks: Awaited<ReturnType<JwksSource['cached']>>,
  ) {
    this.keys = new JwksKeySet({ fetchJwks: () => this.jwks.fetch(), ...(initialJwks ? { initial: initialJwks } : {}) });
  }

  get webhookPort(): number {
    return this.server?.port ?? 0;
  }

  static async start(cluster: MemberCluster, options: WardenAutonomyOptions): Promise<WardenAutonomy> {
    const cache = new StateCache(options.stateDir);
    await cache.open();
    const logger = new Logger(KvMirror.name);
    const ledger = new KvMirror<TenantLedgerEntry>(quotaLedgerBucket(cluster.settings.clusterId), cache, logger);
    const apiTokens = new KvMirror<ApiTokenVerifierEntry>(API_TOKEN_VERIFIERS_BUCKET, cache, logger);
    const disabledUsers = new DisabledUsers(cache, logger);
    const desired = new KvMirror<unknown>(desiredStateBucket(cluster.settings.clusterId), cache, logger);
    const jwks = new JwksSource(cache);
    await Promise.all([ledger.load(), apiTokens.load(), disabledUsers.load(), desired.load()]);
    const auditSpool = await AuditSpool.open(options.stateDir, options.auditSpoolMaxBytes ?? DEFAULT_AUDIT_SPOOL_MAX_BYTES);
    const autonomy = new WardenAutonomy(cluster, cache, ledger, apiTokens, disabledUsers, desired, auditSpool, jwks, await jwks.cached());
    await autonomy.serve(options);
    return autonomy;
  }

  /** Called once the NATS connection exists: follow the buckets, refresh the JWKS (asked through the service bus). */
  attach(nats: NatsConnection, bus: ServiceBus): void {
    this.jwks.use(bus);
    this.ledger.follow(nats);
    this.apiTokens.follow(nats);
    this.desired.follow(nats);
    this.disabledUsers.follow(nats);
    const refresh = () =>
      this.keys
        .refresh()
        .catch((error: unknown) =>
          this.logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'JWKS not refreshed; using the cached keys'),
        );
    void refresh();
    this.jwksTimer = setInterval(() => void refresh(), JWKS_REFRESH_MS);
    void (async () => {
      for await (const status of nats.status()) {
        if (status.type !== 'reconnect') continue;
        this.ledger.resync();
        this.apiTokens.resync();
        this.desired.resync();
        this.disabledUsers.resync();
        void refresh();
      }
    })();
  }

  async stop(): Promise<void> {
    clearInterval(this.jwksTimer);
    await Promise.all([this.ledger.stop(), this.apiTokens.stop(), this.disabledUsers.stop(), this.desired.stop(), this.server?.stop()]);
  }

  /** Without NATS at start: make the cluster hold the desired state last seen (see applyCachedDesiredState). */
  applyCachedDesiredState(): Promise<number> {
    return applyCachedDesiredState(this.cluster.kubeConfig, this.desired.values(), new Logger('DesiredStateCache'));
  }

  private async serve(options: WardenAutonomyOptions): Promise<void> {
    try {
      this.trusted = await wardenUsers(this.cluster.kubeConfig);
    } catch (error: unknown) {
      // Then only its service account passes unchecked; its other writes are checked like anyone's.
      this.logger.warn({ err: error instanceof Error ? error.message : String(error) }, "could not learn Warden's own user name");
    }
    const verifier = new AccessTokenVerifier({ keys: this.keys });
    const authority = {
      verifier,
      apiToken: (hash: string) => this.apiTokens.get(hash),
      isDisabled: (user: string) => this.disabledUsers.has(user),
    };
    this.server = await WebhookServer.start({
      cert: this.cluster.serving.cert,
      key: this.cluster.serving.key,
      port: options.webhookPort,
      ...(options.webhookHost ? { host: options.webhookHost } : {}),
      routes: {
        [TOKEN_REVIEW_PATH]: (review) => reviewToken(review as TokenReview, authority),
        [QUOTA_WEBHOOK_PATH]: quotaAdmission({
          ledger: () => this.ledger.values(),
          trustedUsers: () => this.trusted,
          fieldManager: WARDEN_FIELD_MANAGER,
        }),
        [AUDIT_WEBHOOK_PATH]: auditWebhook(this.auditSpool, options.auditTokens ?? AuditTokenSource.fromSecret(this.cluster.kubeConfig)),
      },
    });
    this.logger.log(
      { port: this.server.port, auditSpool: this.auditSpool.dir, auditSpoolMaxBytes: this.auditSpool.maxBytes },
      'webhooks (TokenReview, ResourceQuota, audit) served',
    );
  }
}
