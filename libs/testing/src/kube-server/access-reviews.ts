// The authorization.k8s.io reviews (pkg/registry/authorization/*): SelfSubjectAccessReview,
// SubjectAccessReview and LocalSubjectAccessReview ask the server's authorizer; SelfSubjectRulesReview
// lists the RBAC rules that apply to the caller in a namespace.
import { trackedContent, updateManagedFields } from './managed-fields';
import { Authorizer, UserInfo } from './pipeline';
import { aggregateMessage, RbacRuleResolver, requestInfoOf } from './rbac';
import { errors, StatusCause } from './status';
import { isObject, KubeObject } from './types';

type Spec = Record<string, unknown>;

const str = (v: unknown) => (typeof v === 'string' ? v : '');

function invalid(kind: string, causes: StatusCause[]) {
  return errors.invalid('authorization.k8s.io', kind, '', causes);
}

/** ValidateSubjectAccessReviewSpec and friends: exactly one kind of attributes, someone to check. */
function validate(kind: string, spec: Spec, urlNamespace: string): void {
  const ra = spec.resourceAttributes;
  const nra = spec.nonResourceAttributes;
  const causes: StatusCause[] = [];
  if (ra && nra)
    causes.push({
      reason: 'FieldValueInvalid',
      message: 'Invalid value: "null": cannot be specified in combination with resourceAttributes',
      field: 'spec.nonResourceAttributes',
    });
  if (!ra && !nra)
    causes.push({
      reason: 'FieldValueInvalid',
      message: 'Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified',
      field: 'spec.resourceAttributes',
    });
  if (kind !== 'SelfSubjectAccessReview' && !str(spec.user) && !(Array.isArray(spec.groups) && spec.groups.length))
    causes.push({
      reason: 'FieldValueInvalid',
      message: 'Invalid value: "": at least one of user or group must be specified',
      field: 'spec.user',
    });
  if (kind === 'LocalSubjectAccessReview' && nra)
    causes.push({
      reason: 'FieldValueInvalid',
      message: 'Invalid value: "null": disallowed on this kind of request',
      field: 'spec.nonResourceAttributes',
    });
  if (causes.length) throw invalid(kind, causes);
  if (kind === 'LocalSubjectAccessReview') {
    const ns = isObject(ra) ? str(ra.namespace) : '';
    if (ns !== urlNamespace) throw errors.badRequest(`spec.resourceAttributes.namespace must match namespace: ${urlNamespace}`);
  }
}

/** The managedFields the create handler records for a review that echoes the request object. */
function withManagedFields(out: KubeObject, manager: string): void {
  out.metadata.managedFields = updateManagedFields({
    manager,
    apiVersion: out.apiVersion ?? '',
    before: { metadata: {}, spec: {} },
    after: trackedContent(out),
    previous: undefined,
  });
}

/**
 * Answers a (Self|Local)SubjectAccessReview: status.allowed/denied/reason from the authorizer, the
 * request spec echoed back.
 */
export async function subjectAccessReview(opts: {
  kind: string;
  apiVersion: string;
  body: KubeObject;
  requester: UserInfo;
  authorize: Authorizer;
  urlNamespace: string;
  manager: string;
}): Promise<KubeObject> {
  const spec: Spec = isObject(opts.body.spec) ? (opts.body.spec as Spec) : {};
  validate(opts.kind, spec, opts.urlNamespace);
  let subject: UserInfo = opts.requester;
  if (opts.kind !== 'SelfSubjectAccessReview') {
    subject = {
      username: str(spec.user),
      groups: Array.isArray(spec.groups) ? (spec.groups as string[]) : [],
    };
    if (str(spec.uid)) subject.uid = str(spec.uid);
    if (isObject(spec.extra)) subject.extra = spec.extra as Record<string, string[]>;
  }
  const ra = isObject(spec.resourceAttributes) ? (spec.resourceAttributes as Record<string, unknown>) : undefined;
  const nra = isObject(spec.nonResourceAttributes) ? (spec.nonResourceAttributes as Record<string, unknown>) : {};
  const attrs = ra
    ? requestInfoOf({
        verb: str(ra.verb),
        apiGroup: str(ra.group),
        namespace: str(ra.namespace),
        resource: str(ra.resource),
        subresource: str(ra.subresource),
        name: str(ra.name),
      })
    : requestInfoOf({
        isResourceRequest: false,
        verb: str(nra.verb),
        path: str(nra.path),
      });
  const decision = await opts.authorize(subject, attrs);
  const out: KubeObject = {
    kind: opts.kind,
    apiVersion: opts.apiVersion,
    metadata: {
      ...(isObject(opts.body.metadata) ? opts.body.metadata : {}),
      creationTimestamp: null,
    },
    spec,
  };
  withManagedFields(out, opts.manager);
  out.status = {
    allowed: decision.allowed,
    ...(decision.reason ? { reason: decision.reason } : {}),
  };
  return out;
}

/** SelfSubjectRulesReview: the caller's RBAC rules in spec.namespace (a fresh object: no spec echoed). */
export function selfSubjectRulesReview(opts: {
  apiVersion: string;
  body: KubeObject;
  user: UserInfo;
  resolver: RbacRuleResolver;
}): KubeObject {
  const spec: Spec = isObject(opts.body.spec) ? (opts.body.spec as Spec) : {};
  const namespace = str(spec.namespace);
  if (!namespace) throw errors.badRequest('no namespace on request');
  const { rules, errors: errs } = opts.resolver.rulesFor(opts.user, namespace);
  const status: Record<string, unknown> = {
    resourceRules: rules
      .filter((r) => r.resources?.length)
      .map((r) => ({
        verbs: r.verbs,
        ...(r.apiGroups?.length ? { apiGroups: r.apiGroups } : {}),
        resources: r.resources,
        ...(r.resourceNames?.length ? { resourceNames: r.resourceNames } : {}),
      })),
    nonResourceRules: rules.filter((r) => r.nonResourceURLs?.length).map((r) => ({ verbs: r.verbs, nonResourceURLs: r.nonResourceURLs })),
    incomplete: false,
  };
  if (errs.length) status.evaluationError = aggregateMessage(errs);
  return {
    kind: 'SelfSubjectRulesReview',
    apiVersion: opts.apiVersion,
    metadata: { creationTimestamp: null },
    spec: {},
    status,
  };
}
