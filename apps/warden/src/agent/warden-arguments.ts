import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { WARDEN_STATE_DIR, WARDEN_WEBHOOK_PORT } from '@cube/contracts';
import { DEFAULT_AUDIT_SPOOL_MAX_BYTES } from '../audit/audit-spool';
import { WardenStartError } from './warden-start-error';

export interface WardenArguments {
  /** The registered cluster this Warden serves; checked against its Secret. */
  cluster?: string;
  /** A kubeconfig file; without it, the in-cluster service account (when running in a Pod). */
  kubeconfig?: string;
  /** Where the webhooks (TokenReview, quota) listen: 8443 in the Pod, any free port outside a cluster unless given. */
  webhookPort: number;
  /** The autonomy cache: in the Pod's emptyDir, or a directory per cluster under the temp dir outside one. */
  stateDir: string;
  /** How the member kube-apiserver reaches the webhooks (see WebhookEndpoint). */
  webhookEndpoint: WebhookEndpoint;
  /** Bytes of native audit events the disk spool holds before refusing batches (`--audit-spool-max-bytes`, 256 MiB). */
  auditSpoolMaxBytes: number;
}

/**
 * `service`: through `cube-system/cube-warden` (Warden in its Pod, as registration installs it);
 * `loopback`: Warden's own `https://127.0.0.1:<webhook port>` (outside a cluster, the default with
 * `--kubeconfig`); `url`: the base URL given with `--webhook-url` (the webhook paths are appended).
 */
export type WebhookEndpoint = { kind: 'service' } | { kind: 'loopback' } | { kind: 'url'; url: string };

function parseWebhookUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new WardenStartError(`--webhook-url must be an https URL, not "${text}"`);
  }
  // kube-apiserver calls webhooks only over TLS, and a URL webhook may carry no query or fragment.
  if (url.protocol !== 'https:' || url.search || url.hash || url.username || url.password) {
    throw new WardenStartError('--webhook-url must be an https:// URL without user, query or fragment');
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/**
 * `--cluster <name> --kubeconfig <file> [--webhook-port <port>] [--webhook-url <url>] [--state-dir <dir>] [--audit-spool-max-bytes <n>]`
 * (issue 7: "Running Warden outside a cluster"; #14: webhooks by URL; #22: the audit spool).
 */
export function parseWardenArguments(argv: string[]): WardenArguments {
  const { values } = parseArgs({
    args: argv,
    options: {
      cluster: { type: 'string' },
      kubeconfig: { type: 'string' },
      'webhook-port': { type: 'string' },
      'webhook-url': { type: 'string' },
      'state-dir': { type: 'string' },
      'audit-spool-max-bytes': { type: 'string' },
    },
    strict: true,
    allowPositionals: false,
  });
  // In the Pod, the port the Service targets; outside a cluster any free port (logged), so that
  // several Wardens can run side by side on one machine.
  const port = values['webhook-port'] === undefined ? (values.kubeconfig ? 0 : WARDEN_WEBHOOK_PORT) : Number(values['webhook-port']);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new WardenStartError('--webhook-port must be a port number (0-65535)');
  const stateDir =
    values['state-dir'] ?? (values.kubeconfig ? join(tmpdir(), `cube-warden-${values.cluster ?? 'default'}`) : WARDEN_STATE_DIR);
  // Outside a Pod no Service leads to this process: the apiserver must call it by URL.
  const given = values['webhook-url'];
  const webhookEndpoint: WebhookEndpoint =
    given !== undefined ? { kind: 'url', url: parseWebhookUrl(given) } : values.kubeconfig ? { kind: 'loopback' } : { kind: 'service' };
  const maxBytesText = values['audit-spool-max-bytes'];
  const auditSpoolMaxBytes = maxBytesText === undefined ? DEFAULT_AUDIT_SPOOL_MAX_BYTES : Number(maxBytesText);
  if (!Number.isSafeInteger(auditSpoolMaxBytes) || auditSpoolMaxBytes < 1) {
    throw new WardenStartError('--audit-spool-max-bytes must be a positive number of bytes');
  }
  return { cluster: values.cluster, kubeconfig: values.kubeconfig, webhookPort: port, stateDir, webhookEndpoint, auditSpoolMaxBytes };
}
