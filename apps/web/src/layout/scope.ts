/**
 * The scope lives in the URL (UI.md): /t/:tenant/p/:project/c/:cluster/ns/:namespace/… so a page can
 * be bookmarked and shared. This reads it from any path, for the header and the sidebar.
 */
export interface Scope {
  tenant?: string;
  project?: string;
  cluster?: string;
  namespace?: string;
}

export function scopeFromPath(pathname: string): Scope {
  const match = /^\/t\/([^/]+)(?:\/p\/([^/]+)(?:\/c\/([^/]+)\/ns\/([^/]+))?)?/.exec(pathname);
  if (!match) return {};
  const [, tenant, project, cluster, namespace] = match.map((part) => (part === undefined ? undefined : decodeURIComponent(part)));
  return { tenant, project, cluster, namespace };
}

/** The path of a scope, down to the deepest level given. */
export function scopePath(scope: Scope): string {
  const e = encodeURIComponent;
  if (!scope.tenant) return '/tenants';
  let path = `/t/${e(scope.tenant)}`;
  if (!scope.project) return path;
  path += `/p/${e(scope.project)}`;
  if (!scope.cluster || !scope.namespace) return path;
  return `${path}/c/${e(scope.cluster)}/ns/${e(scope.namespace)}`;
}
