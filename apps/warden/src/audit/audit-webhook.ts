import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { Logger } from '@nestjs/common';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { AUDIT_TOKEN_KEY, AUDIT_WEBHOOK_SECRET, WARDEN_NAMESPACE } from '@cube/contracts';
import { WebhookRefusal, WebhookRoute } from '../webhooks/webhook-server';
import { auditEventsOf, AuditSpool, AuditSpoolFullError } from './audit-spool';
import { webhookTokenOf } from '@cube/auth';

/** An apiserver batch is at most 400 events; with request bodies kept that may be several MiB. */
export const AUDIT_WEBHOOK_MAX_BODY_BYTES = 32 * 1024 * 1024;
/** How often a token that did not match makes Warden read the Secret again (the token was re-issued). */
const TOKEN_REREAD_MS = 5000;
/** What the apiserver is told to wait before sending a refused batch again. */
const RETRY_AFTER_SECONDS = '5';

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/** The cluster's audit token, read from `cube-system/cube-audit-webhook` (registration writes it there), again when one does not match. */
export class AuditTokenSource {
  private readonly logger = new Logger(AuditTokenSource.name);
  private token: Promise<string | null> | null = null;
  private readAt = 0;

  constructor(private readonly read: () => Promise<string | null>) {}

  static fromSecret(kubeConfig: KubeConfig): AuditTokenSource {
    return new AuditTokenSource(async () => {
      const secret = await kubeConfig
        .makeApiClient(CoreV1Api)
        .readNamespacedSecret({ name: AUDIT_WEBHOOK_SECRET, namespace: WARDEN_NAMESPACE });
      const value = secret.data?.[AUDIT_TOKEN_KEY];
      return value ? Buffer.from(value, 'base64').toString('utf8') : null;
    });
  }

  /** Whether `given` is the cluster's token (compared in constant time); null when no token can be read. */
  async matches(given: string): Promise<boolean | null> {
    let token = await this.current(false);
    if (token !== null && timingSafeEqual(digest(token), digest(given))) return true;
    token = await this.current(true);
    if (token === null) return null;
    return timingSafeEqual(digest(token), digest(given));
  }

  private current(again: boolean): Promise<string | null> {
    if (!this.token || (again && Date.now() - this.readAt >= TOKEN_REREAD_MS)) {
      this.readAt = Date.now();
      this.token = this.read().catch((error: unknown) => {
        this.logger.warn(
          { err: error instanceof Error ? error.message.split('\n')[0] : String(error) },
          `cannot read Secret ${WARDEN_NAMESPACE}/${AUDIT_WEBHOOK_SECRET}: the audit webhook refuses batches until it can`,
        );
        return null;
      });
    }
    return this.token;
  }
}

/** Counts refusals between two log lines, so a full spool logs once per interval, not once per batch. */
const FULL_LOG_INTERVAL_MS = 10_000;

/**
 * `POST /audit`: the member kube-apiserver's audit webhook. Authenticated with the cluster's audit
 * token (the one the gateway's direct receiver takes), each EventList is written to the spool before
 * the 200; a full spool answers 503 with Retry-After (the apiserver retries the batch) and logs
 * `audit spool full`.
 */
export function auditWebhook(spool: AuditSpool, tokens: AuditTokenSource): WebhookRoute {
  const logger = new Logger('AuditWebhook');
  let lastFullLog = 0;
  let refusedSinceLog = 0;
  return {
    maxBodyBytes: AUDIT_WEBHOOK_MAX_BODY_BYTES,
    handle: async (body: unknown, headers: IncomingHttpHeaders) => {
      const given = webhookTokenOf(headers.authorization);
      if (!given) throw new WebhookRefusal(401, 'the cluster audit token is missing');
      const matches = await tokens.matches(given);
      if (matches === null) {
        throw new WebhookRefusal(503, `no audit token in Secret ${WARDEN_NAMESPACE}/${AUDIT_WEBHOOK_SECRET}`, {
          'Retry-After': RETRY_AFTER_SECONDS,
        });
      }
      if (!matches) throw new WebhookRefusal(401, 'wrong cluster audit token');
      const events = auditEventsOf(body);
      if (!events) throw new WebhookRefusal(400, 'expected an audit.k8s.io/v1 EventList');
      try {
        await spool.append(events);
      } catch (error: unknown) {
        if (!(error instanceof AuditSpoolFullError)) {
          logger.error({ err: error instanceof Error ? error.message : String(error) }, 'audit spool: cannot write a batch');
          throw new WebhookRefusal(503, 'the audit spool cannot be written', { 'Retry-After': RETRY_AFTER_SECONDS });
        }
        refusedSinceLog += 1;
        if (Date.now() - lastFullLog >= FULL_LOG_INTERVAL_MS) {
          logger.error(
            {
              spooledBytes: error.spooled,
              maxBytes: error.maxBytes,
              refusedBatches: refusedSinceLog,
              refusedEventsTotal: spool.rejectedEvents,
            },
            'audit spool full: refusing native audit batches until NATS takes the spooled ones (--audit-spool-max-bytes)',
          );
          lastFullLog = Date.now();
          refusedSinceLog = 0;
        }
        throw new WebhookRefusal(503, error.message, { 'Retry-After': RETRY_AFTER_SECONDS });
      }
      return { accepted: events.length };
    },
  };
}
