/** Why a call to a kube-apiserver failed, as far as the client can tell. */
export type KubeCallFailure = 'unreachable' | 'tls-failure' | 'unauthorized' | 'forbidden' | 'other';

const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'ECONNRESET',
  'EAI_AGAIN',
  'EPIPE',
  'TIMEOUT',
]);
// Node's TLS verification codes (openssl's names) and ERR_TLS_* / ERR_SSL_* errors.
const TLS_CODE = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|ERR_TLS_|ERR_SSL_|HOSTNAME_MISMATCH/;

/** HTTP status of an ApiException of @kubernetes/client-node, if the error is one. */
export function httpStatusOf(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

/** Classifies an error thrown by @kubernetes/client-node (node-fetch FetchError or ApiException). */
export function classifyKubeCallFailure(error: unknown): KubeCallFailure {
  const status = httpStatusOf(error);
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'forbidden';
  if (status !== undefined) return 'other';
  const code = (error as { code?: unknown; errno?: unknown } | null)?.code ?? (error as { errno?: unknown } | null)?.errno;
  if (typeof code === 'string') {
    if (UNREACHABLE.has(code)) return 'unreachable';
    if (TLS_CODE.test(code)) return 'tls-failure';
  }
  const message = error instanceof Error ? error.message : String(error);
  if (/certificate|self.signed|tls|ssl/i.test(message)) return 'tls-failure';
  if (/ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|timed? ?out|socket hang up/i.test(message)) return 'unreachable';
  return 'other';
}

/** Rejects with a TIMEOUT-coded error when `promise` takes longer than `ms` (a black-holed host never refuses). */
export async function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`${what} did not answer within ${ms} ms`), { code: 'TIMEOUT' })), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
