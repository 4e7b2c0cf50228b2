// The impersonation filter of kube-apiserver v1.32 (k8s.io/apiserver/pkg/endpoints/filters/
// impersonation.go): every Impersonate-* header is checked with the `impersonate` verb against the
// authenticated user, then the request is served as the impersonated user.
import { IncomingMessage } from 'node:http';
import { forbiddenStatusError } from './forbidden';
import { Impersonator, UserInfo } from './pipeline';
import { requestInfoOf, splitServiceAccountUsername } from './rbac';
import { ApiError, failure } from './status';

const EXTRA_PREFIX = 'impersonate-extra-';
const AUTHENTICATION_V1 = 'authentication.k8s.io/v1';

/** One thing the request asks to act as (a v1.ObjectReference in the real filter). */
interface ImpersonationRequest {
  kind: 'User' | 'ServiceAccount' | 'Group' | 'UserExtra' | 'UID';
  namespace?: string;
  name: string;
  apiVersion?: string;
  /** The extra key, for UserExtra. */
  fieldPath?: string;
}

/** Go's %v of a v1.ObjectReference: every field in order, empty ones as empty strings. */
function goObjectReference(r: ImpersonationRequest): string {
  return `{${[r.kind, r.namespace ?? '', r.name, '', r.apiVersion ?? '', '', r.fieldPath ?? ''].join(' ')}}`;
}

function headerValues(req: IncomingMessage, name: string): string[] {
  return req.headersDistinct[name] ?? [];
}

function unescapeExtraKey(key: string): string {
  try {
    return decodeURIComponent(key);
  } catch {
    return key;
  }
}

/** buildImpersonationRequests: user (or service account), groups, extras, uid, in that order. */
function impersonationRequests(req: IncomingMessage): ImpersonationRequest[] {
  const out: ImpersonationRequest[] = [];
  const requestedUser = headerValues(req, 'impersonate-user')[0] ?? '';
  if (requestedUser) {
    const sa = splitServiceAccountUsername(requestedUser);
    out.push(sa ? { kind: 'ServiceAccount', namespace: sa.namespace, name: sa.name } : { kind: 'User', name: requestedUser });
  }
  const groups = headerValues(req, 'impersonate-group');
  for (const g of groups) out.push({ kind: 'Group', name: g });
  let hasExtra = false;
  for (const header of Object.keys(req.headersDistinct)) {
    if (!header.startsWith(EXTRA_PREFIX)) continue;
    hasExtra = true;
    const key = unescapeExtraKey(header.slice(EXTRA_PREFIX.length));
    for (const value of headerValues(req, header))
      out.push({
        kind: 'UserExtra',
        apiVersion: AUTHENTICATION_V1,
        name: value,
        fieldPath: key,
      });
  }
  const uid = headerValues(req, 'impersonate-uid')[0] ?? '';
  if (uid) out.push({ kind: 'UID', name: uid, apiVersion: AUTHENTICATION_V1 });
  if ((groups.length || hasExtra || uid) && !requestedUser) {
    // The real filter answers responsewriters.InternalError (500) here.
    const message = `Internal Server Error: ${JSON.stringify(req.url ?? '')}: requested [${out.map(goObjectReference).join(' ')}] without impersonating a user`;
    throw new ApiError(failure(500, 'InternalError', message.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')));
  }
  return out;
}

/** WithImpersonation: the default impersonator of startKubeServer. */
export const impersonationFilter: Impersonator = async (req, requestor, authorize) => {
  const requests = impersonationRequests(req);
  if (!requests.length) return requestor;
  // Impersonate-Group headers, when present, are the whole group list.
  const groupsSpecified = headerValues(req, 'impersonate-group').length > 0;
  let username = '';
  let groups: string[] = [];
  let uid = '';
  const extra: Record<string, string[]> = {};
  for (const r of requests) {
    const attrs = requestInfoOf({
      verb: 'impersonate',
      namespace: r.namespace ?? '',
      name: r.name,
    });
    switch (r.kind) {
      case 'ServiceAccount':
        attrs.resource = 'serviceaccounts';
        username = `system:serviceaccount:${r.namespace}:${r.name}`;
        if (!groupsSpecified) groups = ['system:serviceaccounts', `system:serviceaccounts:${r.namespace}`];
        break;
      case 'User':
        attrs.resource = 'users';
        username = r.name;
        break;
      case 'Group':
        attrs.resource = 'groups';
        groups.push(r.name);
        break;
      case 'UserExtra':
        attrs.apiGroup = 'authentication.k8s.io';
        attrs.resource = 'userextras';
        attrs.subresource = r.fieldPath ?? '';
        (extra[r.fieldPath ?? ''] ??= []).push(r.name);
        break;
      case 'UID':
        attrs.apiGroup = 'authentication.k8s.io';
        attrs.resource = 'uids';
        uid = r.name;
        break;
    }
    const decision = await authorize(requestor, attrs);
    if (!decision.allowed) throw forbiddenStatusError(requestor, attrs, decision.reason);
  }
  // A non-anonymous user is always in system:authenticated unless system:(un)authenticated was asked for.
  if (username !== 'system:anonymous') {
    if (!groups.includes('system:authenticated') && !groups.includes('system:unauthenticated')) groups.push('system:authenticated');
  } else if (!groups.includes('system:unauthenticated')) groups.push('system:unauthenticated');
  const user: UserInfo = { username, groups };
  if (uid) user.uid = uid;
  if (Object.keys(extra).length) user.extra = extra;
  return user;
};
