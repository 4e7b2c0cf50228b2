import type { ServerResponse } from 'node:http';
import { CubeError } from '@cube/contracts';
import { HTTP_STATUS_OF_CODE } from '../errors/error-status';

/**
 * Errors the proxy itself answers with are Kubernetes `Status` objects, not Cube's `{ code, message }`:
 * the caller is kubectl or a Kubernetes client, which prints a Status's message
 * (`Error from server (NotFound): ...`) and shows little for any other body.
 */
export interface KubeStatus {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure';
  message: string;
  reason: string;
  code: number;
  details?: Record<string, unknown>;
}

/** metav1.StatusReason for each status the proxy answers with. */
const REASON_OF_STATUS: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  409: 'Conflict',
  413: 'RequestEntityTooLarge',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  502: 'ServiceUnavailable',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

export function kubeStatus(code: number, message: string): KubeStatus {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: REASON_OF_STATUS[code] ?? 'Unknown', code };
}

/** A failure of the proxy itself (not of the member), with the HTTP status it answers. */
export class ProxyError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ProxyError';
  }
}

/** The status and Status body for anything thrown while proxying; unexpected errors say no more than "internal error". */
export function statusOf(error: unknown): KubeStatus {
  if (error instanceof ProxyError) return kubeStatus(error.status, error.message);
  if (error instanceof CubeError) return kubeStatus(HTTP_STATUS_OF_CODE[error.code], error.message);
  return kubeStatus(500, 'internal error in the Cube API proxy');
}

export function writeStatus(res: ServerResponse, status: KubeStatus): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify(status);
  res.writeHead(status.code, statusHeaders(body));
  res.end(body);
}

/** The headers of a Status answer with this (serialized) body. */
export function statusHeaders(body: string): Record<string, string | number> {
  return { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' };
}
