import { queryFlag, RequestInfo } from '@cube/kube';

/** Connect subresources that upgrade to a stream (audited like writes: they run code in the cluster). */
const STREAM_SUBRESOURCES = new Set(['exec', 'attach', 'portforward']);

const READ_VERBS = new Set(['get', 'list', 'watch']);

/** Writes and stream connections are always audited; reads only when configured. */
export function isAudited(info: RequestInfo, auditReads: boolean): boolean {
  if (!info.isResourceRequest) return false;
  if (STREAM_SUBRESOURCES.has(info.subresource)) return true;
  return auditReads || !READ_VERBS.has(info.verb);
}

/**
 * Responses that must reach the client as the member writes them (watch events, followed logs).
 * Whether it is a watch is the parsed verb's call (a named GET with `?watch=true` is a plain get).
 */
export function isStreamingRequest(info: RequestInfo, query: URLSearchParams): boolean {
  return info.verb === 'watch' || queryFlag(query, 'follow');
}
