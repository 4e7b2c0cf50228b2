import { httpStatusOf } from './connection-failure';

/** What a kube-apiserver said when it refused a call: its `Status` body's message and reason. */
export interface KubeFailure {
  message: string;
  /** `Status.reason` (e.g. `Invalid`, `InternalError`, `NotFound`), when the server sent one. */
  reason?: string;
  /** HTTP status of the answer; absent when no answer came (connection or TLS failure). */
  status?: number;
}

interface StatusBody {
  kind?: unknown;
  message?: unknown;
  reason?: unknown;
}

/**
 * Reads the reason out of an error of @kubernetes/client-node. Its ApiException's own message is
 * `HTTP-Code: 500\nMessage: Unsuccessful HTTP Request\nBody: …`, which hides what the server said;
 * the server's `Status` body (a string in client-node 1.x) carries it, as kubectl prints it:
 * `Error from server (InternalError): Internal error occurred: failed calling webhook …`.
 */
export function describeKubeFailure(error: unknown): KubeFailure {
  const status = httpStatusOf(error);
  if (status === undefined) return { message: error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error) };
  const body = parseStatus((error as { body?: unknown }).body);
  const message = typeof body?.message === 'string' && body.message !== '' ? body.message : `the API server answered HTTP ${status}`;
  return { message, status, ...(typeof body?.reason === 'string' && body.reason !== '' ? { reason: body.reason } : {}) };
}

/** One line for logs and sync errors, in kubectl's words: `(Reason) message`. */
export function kubeFailureMessage(error: unknown): string {
  const failure = describeKubeFailure(error);
  return failure.reason ? `(${failure.reason}) ${failure.message}` : failure.message;
}

function parseStatus(body: unknown): StatusBody | undefined {
  if (typeof body === 'object' && body !== null) return body as StatusBody;
  if (typeof body !== 'string' || body === '') return undefined;
  try {
    const parsed: unknown = JSON.parse(body);
    return typeof parsed === 'object' && parsed !== null ? (parsed as StatusBody) : undefined;
  } catch {
    // Not JSON (a proxy's HTML page, say): the caller reports the HTTP status alone.
    return undefined;
  }
}
