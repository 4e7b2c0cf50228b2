// metav1.Status bodies with the messages of k8s.io/apimachinery/pkg/api/errors (errors.go),
// so clients that parse `reason`, `details` and `message` see what a real kube-apiserver sends.

export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  details?: StatusDetails;
  code?: number;
}

/** A failed request: carries the Status body and its HTTP code. */
export class ApiError extends Error {
  constructor(readonly status: Status) {
    super(status.message ?? status.reason ?? 'error');
  }

  get code(): number {
    return this.status.code ?? 500;
  }
}

/** Identifies a resource the way errors.go does: plural, plus the group when not core. */
export interface GroupResource {
  group: string;
  plural: string;
}

function qualified(gr: GroupResource): string {
  return gr.group ? `${gr.plural}.${gr.group}` : gr.plural;
}

function details(gr: GroupResource, name?: string): StatusDetails {
  const d: StatusDetails = {};
  if (name !== undefined && name !== '') d.name = name;
  if (gr.group) d.group = gr.group;
  d.kind = gr.plural;
  return d;
}

export function failure(code: number, reason: string, message: string, det?: StatusDetails): Status {
  const s: Status = {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
  };
  if (det) s.details = det;
  s.code = code;
  return s;
}

export function success(det?: StatusDetails): Status {
  const s: Status = {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Success',
  };
  if (det) s.details = det;
  return s;
}

export const errors = {
  notFound: (gr: GroupResource, name: string) =>
    new ApiError(failure(404, 'NotFound', `${qualified(gr)} "${name}" not found`, details(gr, name))),

  /** Unknown path or resource: what kube-apiserver's NotFound handler answers. */
  notFoundPath: () => new ApiError(failure(404, 'NotFound', 'the server could not find the requested resource', {})),

  alreadyExists: (gr: GroupResource, name: string) =>
    new ApiError(failure(409, 'AlreadyExists', `${qualified(gr)} "${name}" already exists`, details(gr, name))),

  conflict: (gr: GroupResource, name: string, why: string) =>
    new ApiError(failure(409, 'Conflict', `Operation cannot be fulfilled on ${qualified(gr)} "${name}": ${why}`, details(gr, name))),

  staleResourceVersion: (gr: GroupResource, name: string) =>
    errors.conflict(gr, name, 'the object has been modified; please apply your changes to the latest version and try again'),

  /** errors.NewInvalid: one cause is inlined in the message, several are listed in brackets. */
  invalid: (group: string, kind: string, name: string, causes: StatusCause[]) => {
    const parts = causes.map((c) => `${c.field}: ${c.message}`);
    const summary = parts.length === 1 ? parts[0] : `[${parts.join(', ')}]`;
    const d: StatusDetails = { name };
    if (group) d.group = group;
    d.kind = kind;
    d.causes = causes;
    return new ApiError(
      // The qualified kind (schema.GroupKind.String()): `Deployment.apps`, `ConfigMap`.
      failure(422, 'Invalid', `${group ? `${kind}.${group}` : kind} "${name}" is invalid: ${summary}`, d),
    );
  },

  badRequest: (message: string) => new ApiError(failure(400, 'BadRequest', message)),

  forbidden: (gr: GroupResource, name: string, why: string) =>
    new ApiError(
      failure(
        403,
        'Forbidden',
        name ? `${qualified(gr)} "${name}" is forbidden: ${why}` : `${qualified(gr)} is forbidden: ${why}`,
        details(gr, name),
      ),
    ),

  methodNotSupported: (gr: GroupResource, action: string) =>
    new ApiError(failure(405, 'MethodNotAllowed', `${action} is not supported on resources of kind "${qualified(gr)}"`, details(gr))),

  unauthorized: () => new ApiError(failure(401, 'Unauthorized', 'Unauthorized')),

  unsupportedMediaType: (accepted: string[]) =>
    new ApiError(
      failure(
        415,
        'UnsupportedMediaType',
        `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`,
      ),
    ),

  notAcceptable: () =>
    new ApiError(
      failure(
        406,
        'NotAcceptable',
        'only the following media types are accepted: application/json, application/yaml, application/vnd.kubernetes.protobuf',
      ),
    ),

  expired: (message: string) => new ApiError(failure(410, 'Expired', message)),

  internal: (message: string) =>
    new ApiError(
      failure(500, 'InternalError', `Internal error occurred: ${message}`, {
        causes: [{ message }],
      }),
    ),
};
