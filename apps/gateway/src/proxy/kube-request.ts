import { RequestInfo } from '@cube/kube';

/** Connect subresources that upgrade to a stream (audited like writes: they run code in the cluster). */
const STREAM_SUBRESOURCES = new Set(['exec', 'attach', 'portforward']);

const READ_VERBS = new Set(['get', 'list', 'watch']);

/** Writes and stream connections are always audited; reads only when configured. */
export function isAudited(info: RequestInfo, auditReads: boolean): boolean {
  if (!info.isResourceRequest) return false;
  if (STREAM_SUBRESOURCES.has(info.subresource)) return true;
  return auditReads || !READ_VERBS.has(info.verb);
}

/** Responses that must reach the client as the member writes them (watch events, followed logs). */
export function isStreamingRequest(info: RequestInfo, query: URLSearchParams): boolean {
  const flag = (name: string) => ['1', 'true'].includes(query.get(name) ?? '');
  return info.verb === 'watch' || flag('watch') || flag('follow');
}
