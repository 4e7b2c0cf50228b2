import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { WARDEN_STATE_DIR, WARDEN_WEBHOOK_PORT } from '@cube/contracts';
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
}

/** `--cluster <name> --kubeconfig <file> [--webhook-port <port>] [--state-dir <dir>]` (issue 7: "Running Warden outside a cluster"). */
export function parseWardenArguments(argv: string[]): WardenArguments {
  const { values } = parseArgs({
    args: argv,
    options: { cluster: { type: 'string' }, kubeconfig: { type: 'string' }, 'webhook-port': { type: 'string' }, 'state-dir': { type: 'string' } },
    strict: true,
    allowPositionals: false,
  });
  // In the Pod, the port the Service targets; outside a cluster any free port (logged), so that
  // several Wardens can run side by side on one machine.
  const port = values['webhook-port'] === undefined ? (values.kubeconfig ? 0 : WARDEN_WEBHOOK_PORT) : Number(values['webhook-port']);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new WardenStartError('--webhook-port must be a port number (0-65535)');
  const stateDir = values['state-dir'] ?? (values.kubeconfig ? join(tmpdir(), `cube-warden-${values.cluster ?? 'default'}`) : WARDEN_STATE_DIR);
  return { cluster: values.cluster, kubeconfig: values.kubeconfig, webhookPort: port, stateDir };
}
