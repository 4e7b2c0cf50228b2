import { parseArgs } from 'node:util';

export interface WardenArguments {
  /** The registered cluster this Warden serves; checked against its Secret. */
  cluster?: string;
  /** A kubeconfig file; without it, the in-cluster service account (when running in a Pod). */
  kubeconfig?: string;
}

/** `--cluster <name> --kubeconfig <file>` (issue 7: "Running Warden outside a cluster"). */
export function parseWardenArguments(argv: string[]): WardenArguments {
  const { values } = parseArgs({ args: argv, options: { cluster: { type: 'string' }, kubeconfig: { type: 'string' } }, strict: true, allowPositionals: false });
  return { cluster: values.cluster, kubeconfig: values.kubeconfig };
}
