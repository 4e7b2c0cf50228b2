// The error every patch algorithm throws; the HTTP server turns it into a Kubernetes `Status` body
// (kind Status, status Failure, message, reason, code, details.causes).

export type PatchErrorReason =
  | 'BadRequest'
  | 'Invalid'
  | 'UnsupportedMediaType'
  | 'Conflict'
  | 'UnprocessableEntity'
  // A plain Go error reaching the apiserver's error writer becomes a 500 Status whose reason is empty
  // (metav1.StatusReasonUnknown = ""); the server should omit `reason` for this one.
  | 'Unknown';

export interface PatchErrorCause {
  reason?: string;
  message: string;
  field?: string;
}

export class PatchError extends Error {
  override readonly name = 'PatchError';

  constructor(
    readonly reason: PatchErrorReason,
    readonly code: number,
    message: string,
    readonly causes?: PatchErrorCause[],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** errors.NewBadRequest(msg) in k8s.io/apimachinery/pkg/api/errors. */
export function badRequest(message: string): PatchError {
  return new PatchError('BadRequest', 400, message);
}

/**
 * errors.NewGenericServerResponse(422, ...) as the patch handler uses it for a JSON patch that does not
 * apply and for some strategic merge patch errors: reason Invalid, and the underlying error text is
 * dropped for this fixed message (k8s.io/apimachinery/pkg/api/errors/errors.go). The detail is kept
 * as the JS `cause` for debugging only.
 */
export function rejectedRequest(detail: string): PatchError {
  return new PatchError('Invalid', 422, 'the server rejected our request due to an error in our request', undefined, {
    cause: detail,
  });
}

/** A non-Status Go error: the apiserver answers 500 with the error text as message and no reason. */
export function unknownError(message: string): PatchError {
  return new PatchError('Unknown', 500, message);
}
