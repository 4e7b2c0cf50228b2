// The subset of kube-apiserver validation (k8s.io/apimachinery/pkg/util/validation and
// pkg/apis/*/validation) the test server enforces, with the real field paths and messages.
import { isIP } from 'node:net';
import { StatusCause } from './status';
import { at, isObject, KubeObject } from './types';

const DNS1123_LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_SUBDOMAIN = `${DNS1123_LABEL}(\\.${DNS1123_LABEL})*`;
const DNS1035_LABEL = '[a-z]([-a-z0-9]*[a-z0-9])?';

function invalid(field: string, value: unknown, detail: string): StatusCause {
  return {
    reason: 'FieldValueInvalid',
    message: `Invalid value: ${JSON.stringify(value)}: ${detail}`,
    field,
  };
}

function required(field: string, detail = ''): StatusCause {
  return {
    reason: 'FieldValueRequired',
    message: detail ? `Required value: ${detail}` : 'Required value',
    field,
  };
}

export function dns1123Subdomain(field: string, v: string): StatusCause[] {
  const out: StatusCause[] = [];
  if (v.length > 253) out.push(invalid(field, v, 'must be no more than 253 characters'));
  if (!new RegExp(`^${DNS1123_SUBDOMAIN}$`).test(v))
    out.push(
      invalid(
        field,
        v,
        `a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '${DNS1123_SUBDOMAIN}')`,
      ),
    );
  return out;
}

export function dns1123Label(field: string, v: string): StatusCause[] {
  const out: StatusCause[] = [];
  if (v.length > 63) out.push(invalid(field, v, 'must be no more than 63 characters'));
  if (!new RegExp(`^${DNS1123_LABEL}$`).test(v))
    out.push(
      invalid(
        field,
        v,
        `a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '${DNS1123_LABEL}')`,
      ),
    );
  return out;
}

function dns1035Label(field: string, v: string): StatusCause[] {
  const out: StatusCause[] = [];
  if (v.length > 63) out.push(invalid(field, v, 'must be no more than 63 characters'));
  if (!new RegExp(`^${DNS1035_LABEL}$`).test(v))
    out.push(
      invalid(
        field,
        v,
        `a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '${DNS1035_LABEL}')`,
      ),
    );
  return out;
}

/** path.ValidatePathSegmentName, used by RBAC objects (names like "system:controller:x"). */
function pathSegment(field: string, v: string): StatusCause[] {
  if (v === '.' || v === '..') return [invalid(field, v, `may not be '${v}'`)];
  for (const bad of ['/', '%']) if (v.includes(bad)) return [invalid(field, v, `may not contain '${bad}'`)];
  return [];
}

/** Name rule of each kind (the NameFn of its ValidateObjectMeta call). */
export function validateName(group: string, kind: string, name: string, field = 'metadata.name'): StatusCause[] {
  if (group === '' && kind === 'Namespace') return dns1123Label(field, name);
  if (group === '' && kind === 'Service') return dns1035Label(field, name);
  if (group === 'rbac.authorization.k8s.io') return pathSegment(field, name);
  return dns1123Subdomain(field, name);
}

const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

function validateLabels(labels: unknown, field: string): StatusCause[] {
  const out: StatusCause[] = [];
  if (!isObject(labels)) return out;
  for (const [k, v] of Object.entries(labels)) {
    const name = k.includes('/') ? k.split('/')[1] : k;
    if (!QUALIFIED_NAME.test(name) || name.length > 63)
      out.push(
        invalid(
          field,
          k,
          "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
        ),
      );
    if (typeof v !== 'string' || (v !== '' && (!QUALIFIED_NAME.test(v) || v.length > 63)))
      out.push(
        invalid(
          `${field}`,
          v,
          "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
        ),
      );
  }
  return out;
}

function validatePodSpec(spec: unknown, field: string): StatusCause[] {
  const out: StatusCause[] = [];
  const containers = at(spec, 'containers');
  if (!Array.isArray(containers) || containers.length === 0) {
    out.push(required(`${field}.containers`));
    return out;
  }
  containers.forEach((c, i) => {
    const f = `${field}.containers[${i}]`;
    if (!at(c, 'name')) out.push(required(`${f}.name`));
    if (!at(c, 'image')) out.push(required(`${f}.image`));
  });
  return out;
}

function labelsMatch(selector: unknown, labels: unknown): boolean {
  const ml = at(selector, 'matchLabels');
  if (isObject(ml) && !Object.entries(ml).every(([k, v]) => isObject(labels) && labels[k] === v)) return false;
  return true;
}

/** Kind-specific rules beyond metadata (a small part of the pkg/apis validation packages). */
export function validateObject(group: string, kind: string, o: KubeObject): StatusCause[] {
  const out = validateLabels(o.metadata.labels, 'metadata.labels');
  const key = `${group}/${kind}`;
  if (key === '/Pod') out.push(...validatePodSpec(o.spec, 'spec'));
  if (['apps/Deployment', 'apps/ReplicaSet', 'apps/StatefulSet', 'apps/DaemonSet'].includes(key)) {
    const selector = at(o, 'spec', 'selector');
    if (!isObject(selector)) out.push(required('spec.selector'));
    else if (!labelsMatch(selector, at(o, 'spec', 'template', 'metadata', 'labels'))) {
      const labels = (at(o, 'spec', 'template', 'metadata', 'labels') ?? {}) as Record<string, string>;
      const gomap = `map[string]string{${Object.entries(labels)
        .map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`)
        .join(', ')}}`;
      out.push({
        reason: 'FieldValueInvalid',
        message: `Invalid value: ${gomap}: \`selector\` does not match template \`labels\``,
        field: 'spec.template.metadata.labels',
      });
    }
    out.push(...validatePodSpec(at(o, 'spec', 'template', 'spec'), 'spec.template.spec'));
    const replicas = at(o, 'spec', 'replicas');
    if (typeof replicas === 'number' && replicas < 0) out.push(invalid('spec.replicas', replicas, 'must be greater than or equal to 0'));
  }
  if (key === 'policy/PodDisruptionBudget') out.push(...validatePodDisruptionBudgetSpec(o.spec));
  if (key === '/Endpoints') out.push(...validateEndpointsSubsets(o.subsets));
  if (key === '/ConfigMap' || key === '/Secret') {
    for (const k of Object.keys((o.data as object | undefined) ?? {}))
      if (!/^[-._a-zA-Z0-9]+$/.test(k))
        out.push(
          invalid(
            `data[${k}]`,
            k,
            "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
          ),
        );
  }
  return out;
}

/** IPv4 (dotted or IPv4-mapped IPv6) as four octets, or null. */
function ipv4Octets(ip: string): number[] | null {
  const v4 = /^(?:::ffff:)?(\d+)\.(\d+)\.(\d+)\.(\d+)$/i.exec(ip);
  return v4 ? v4.slice(1).map(Number) : null;
}

/** An IPv6 address as its eight 16-bit groups. */
function ipv6Groups(ip: string): number[] {
  const [head, tail] = ip.includes('::') ? ip.split('::') : [ip, undefined];
  const parse = (part: string | undefined) => (part ? part.split(':').map((g) => parseInt(g, 16)) : []);
  const left = parse(head);
  const right = parse(tail);
  return tail === undefined ? left : [...left, ...Array<number>(8 - left.length - right.length).fill(0), ...right];
}

/**
 * ValidateNonSpecialIP (pkg/apis/core/validation): Endpoints may not point at unspecified, loopback or
 * link-local addresses — they are node-centric, so the apiserver would call itself or the node.
 */
function validateNonSpecialIP(field: string, ip: string): StatusCause[] {
  if (!isIP(ip)) return [invalid(field, ip, 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)')];
  const v4 = ipv4Octets(ip);
  const v6 = v4 ? [] : ipv6Groups(ip);
  const out: StatusCause[] = [];
  if (v4 ? v4.every((b) => b === 0) : v6.every((g) => g === 0)) out.push(invalid(field, ip, `may not be unspecified (${ip})`));
  if (v4 ? v4[0] === 127 : v6.slice(0, 7).every((g) => g === 0) && v6[7] === 1)
    out.push(invalid(field, ip, 'may not be in the loopback range (127.0.0.0/8, ::1/128)'));
  if (v4 ? v4[0] === 169 && v4[1] === 254 : (v6[0] & 0xffc0) === 0xfe80)
    out.push(invalid(field, ip, 'may not be in the link-local range (169.254.0.0/16, fe80::/10)'));
  if (v4 ? v4[0] === 224 && v4[1] === 0 && v4[2] === 0 : v6[0] === 0xff02)
    out.push(invalid(field, ip, 'may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)'));
  return out;
}

/** validateEndpointSubsets: the address IPs of each subset (ready and not ready). */
function validateEndpointsSubsets(subsets: unknown): StatusCause[] {
  if (!Array.isArray(subsets)) return [];
  const out: StatusCause[] = [];
  subsets.forEach((subset: unknown, i) => {
    for (const list of ['addresses', 'notReadyAddresses']) {
      const addresses = isObject(subset) ? subset[list] : undefined;
      if (!Array.isArray(addresses)) continue;
      addresses.forEach((address: unknown, j) => {
        const ip = isObject(address) ? address.ip : undefined;
        if (typeof ip === 'string') out.push(...validateNonSpecialIP(`subsets[${i}].${list}[${j}].ip`, ip));
      });
    }
  });
  return out;
}

/**
 * ValidatePodDisruptionBudgetSpec (pkg/apis/policy/validation): one of minAvailable and maxUnavailable.
 * The real message prints the Go struct with its pointers (`%v` of PodDisruptionBudgetSpec); their
 * addresses mean nothing, so these are zero.
 */
function validatePodDisruptionBudgetSpec(spec: unknown): StatusCause[] {
  if (!isObject(spec) || spec['minAvailable'] === undefined || spec['maxUnavailable'] === undefined) return [];
  const ptr = (v: unknown, type: string) => (v === undefined || v === null ? `(${type})(nil)` : `(${type})(0xc000000000)`);
  const printed =
    `policy.PodDisruptionBudgetSpec{MinAvailable:${ptr(spec['minAvailable'], '*intstr.IntOrString')}, ` +
    `Selector:${ptr(spec['selector'], '*v1.LabelSelector')}, MaxUnavailable:${ptr(spec['maxUnavailable'], '*intstr.IntOrString')}, ` +
    `UnhealthyPodEvictionPolicy:${ptr(spec['unhealthyPodEvictionPolicy'], '*policy.UnhealthyPodEvictionPolicyType')}}`;
  return [
    {
      reason: 'FieldValueInvalid',
      message: `Invalid value: ${printed}: minAvailable and maxUnavailable cannot be both set`,
      field: 'spec',
    },
  ];
}
