// The 403 the authorization and impersonation filters answer
// (k8s.io/apiserver/pkg/endpoints/handlers/responsewriters ForbiddenStatusError): the message names
// the user, verb, resource/subresource, API group and scope; an empty reason adds nothing.
import { AuthorizationAttributes, UserInfo } from './pipeline';
import { ApiError, errors } from './status';

/** responsewriters' sanitizer: nothing in an error may look like HTML. */
function sanitize(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function forbiddenStatusError(user: UserInfo, info: AuthorizationAttributes, reason?: string): ApiError {
  let msg: string;
  if (!info.isResourceRequest) msg = `User "${user.username}" cannot ${info.verb} path "${info.path}"`;
  else {
    const resource = info.subresource ? `${info.resource}/${info.subresource}` : info.resource;
    const scope = info.namespace ? `in the namespace "${info.namespace}"` : 'at the cluster scope';
    msg = `User "${user.username}" cannot ${info.verb} resource "${resource}" in API group "${info.apiGroup}" ${scope}`;
  }
  msg = sanitize(msg);
  if (reason) msg += `: ${reason}`;
  if (!info.isResourceRequest || !info.resource)
    return new ApiError({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: `forbidden: ${msg}`,
      reason: 'Forbidden',
      details: {},
      code: 403,
    });
  // The group/resource of the Status is the resource without its subresource.
  return errors.forbidden({ group: info.apiGroup, plural: info.resource }, info.name, msg);
}
