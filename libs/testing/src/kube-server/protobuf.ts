// Decodes request bodies kubectl sends as application/vnd.kubernetes.protobuf: since v1.32 its
// typed clients (kubectl create namespace|configmap|secret|deployment|..., auth can-i) encode built-in
// kinds that way. The envelope is "k8s\0" + runtime.Unknown{typeMeta, raw}; raw is the object in
// the gogo-protobuf encoding of k8s.io/api. Only the kinds and fields below are known; anything
// else is refused with 415 rather than silently dropped.
import { isObject } from './types';

type Scalar = 'string' | 'bytes' | 'bool' | 'int32' | 'int64' | 'time' | 'intOrString' | 'quantity';
interface Message {
  [field: number]: Field;
}
/** [name, type, repeated?, pointer? (zero values kept)] */
type FieldType = Scalar | { msg: () => Message } | { map: Scalar };
type Field = [string, FieldType, ('repeated' | 'pointer')?];

const m = (f: () => Message) => ({ msg: f });

const LabelSelectorRequirement: Message = {
  1: ['key', 'string'],
  2: ['operator', 'string'],
  3: ['values', 'string', 'repeated'],
};
const LabelSelector: Message = {
  1: ['matchLabels', { map: 'string' }],
  2: ['matchExpressions', m(() => LabelSelectorRequirement), 'repeated'],
};
const OwnerReference: Message = {
  1: ['kind', 'string'],
  3: ['name', 'string'],
  4: ['uid', 'string'],
  5: ['apiVersion', 'string'],
  6: ['controller', 'bool', 'pointer'],
  7: ['blockOwnerDeletion', 'bool', 'pointer'],
};
const ObjectMeta: Message = {
  1: ['name', 'string'],
  2: ['generateName', 'string'],
  3: ['namespace', 'string'],
  4: ['selfLink', 'string'],
  5: ['uid', 'string'],
  6: ['resourceVersion', 'string'],
  7: ['generation', 'int64'],
  8: ['creationTimestamp', 'time'],
  9: ['deletionTimestamp', 'time'],
  10: ['deletionGracePeriodSeconds', 'int64', 'pointer'],
  11: ['labels', { map: 'string' }],
  12: ['annotations', { map: 'string' }],
  13: ['ownerReferences', m(() => OwnerReference), 'repeated'],
  14: ['finalizers', 'string', 'repeated'],
};
const meta = m(() => ObjectMeta);
const LocalObjectReference: Message = { 1: ['name', 'string'] };
const ObjectReference: Message = {
  1: ['kind', 'string'],
  2: ['namespace', 'string'],
  3: ['name', 'string'],
  4: ['uid', 'string'],
  5: ['apiVersion', 'string'],
  6: ['resourceVersion', 'string'],
  7: ['fieldPath', 'string'],
};
const ContainerPort: Message = {
  1: ['name', 'string'],
  2: ['hostPort', 'int32'],
  3: ['containerPort', 'int32'],
  4: ['protocol', 'string'],
  5: ['hostIP', 'string'],
};
const EnvVar: Message = { 1: ['name', 'string'], 2: ['value', 'string'] };
const ResourceRequirements: Message = {
  1: ['limits', { map: 'quantity' }],
  2: ['requests', { map: 'quantity' }],
};
const VolumeMount: Message = {
  1: ['name', 'string'],
  2: ['readOnly', 'bool'],
  3: ['mountPath', 'string'],
  4: ['subPath', 'string'],
};
const Container: Message = {
  1: ['name', 'string'],
  2: ['image', 'string'],
  3: ['command', 'string', 'repeated'],
  4: ['args', 'string', 'repeated'],
  5: ['workingDir', 'string'],
  6: ['ports', m(() => ContainerPort), 'repeated'],
  7: ['env', m(() => EnvVar), 'repeated'],
  8: ['resources', m(() => ResourceRequirements)],
  9: ['volumeMounts', m(() => VolumeMount), 'repeated'],
  13: ['terminationMessagePath', 'string'],
  14: ['imagePullPolicy', 'string'],
  16: ['stdin', 'bool'],
  17: ['stdinOnce', 'bool'],
  18: ['tty', 'bool'],
  20: ['terminationMessagePolicy', 'string'],
};
const PodSpec: Message = {
  2: ['containers', m(() => Container), 'repeated'],
  3: ['restartPolicy', 'string'],
  4: ['terminationGracePeriodSeconds', 'int64', 'pointer'],
  6: ['dnsPolicy', 'string'],
  7: ['nodeSelector', { map: 'string' }],
  8: ['serviceAccountName', 'string'],
  10: ['nodeName', 'string'],
  14: ['securityContext', m(() => ({}))],
  15: ['imagePullSecrets', m(() => LocalObjectReference), 'repeated'],
  19: ['schedulerName', 'string'],
  20: ['initContainers', m(() => Container), 'repeated'],
  21: ['automountServiceAccountToken', 'bool', 'pointer'],
  30: ['enableServiceLinks', 'bool', 'pointer'],
};
const PodTemplateSpec: Message = {
  1: ['metadata', meta],
  2: ['spec', m(() => PodSpec)],
};
const RollingUpdateDeployment: Message = {
  1: ['maxUnavailable', 'intOrString'],
  2: ['maxSurge', 'intOrString'],
};
const DeploymentSpec: Message = {
  1: ['replicas', 'int32', 'pointer'],
  2: ['selector', m(() => LabelSelector)],
  3: ['template', m(() => PodTemplateSpec)],
  4: [
    'strategy',
    m(
      () =>
        ({
          1: ['type', 'string'],
          2: ['rollingUpdate', m(() => RollingUpdateDeployment)],
        }) as Message,
    ),
  ],
  5: ['minReadySeconds', 'int32'],
  6: ['revisionHistoryLimit', 'int32', 'pointer'],
  7: ['paused', 'bool'],
  9: ['progressDeadlineSeconds', 'int32', 'pointer'],
};
const ServicePort: Message = {
  1: ['name', 'string'],
  2: ['protocol', 'string'],
  3: ['port', 'int32'],
  4: ['targetPort', 'intOrString'],
  5: ['nodePort', 'int32'],
};
const ServiceSpec: Message = {
  1: ['ports', m(() => ServicePort), 'repeated'],
  2: ['selector', { map: 'string' }],
  3: ['clusterIP', 'string'],
  4: ['type', 'string'],
  5: ['externalIPs', 'string', 'repeated'],
  7: ['sessionAffinity', 'string'],
  10: ['externalName', 'string'],
};
const PolicyRule: Message = {
  1: ['verbs', 'string', 'repeated'],
  2: ['apiGroups', 'string', 'repeated'],
  3: ['resources', 'string', 'repeated'],
  4: ['resourceNames', 'string', 'repeated'],
  5: ['nonResourceURLs', 'string', 'repeated'],
};
const Subject: Message = {
  1: ['kind', 'string'],
  2: ['apiGroup', 'string'],
  3: ['name', 'string'],
  4: ['namespace', 'string'],
};
const RoleRef: Message = {
  1: ['apiGroup', 'string'],
  2: ['kind', 'string'],
  3: ['name', 'string'],
};
const ResourceAttributes: Message = {
  1: ['namespace', 'string'],
  2: ['verb', 'string'],
  3: ['group', 'string'],
  4: ['version', 'string'],
  5: ['resource', 'string'],
  6: ['subresource', 'string'],
  7: ['name', 'string'],
};
const NonResourceAttributes: Message = {
  1: ['path', 'string'],
  2: ['verb', 'string'],
};
const empty = m(() => ({}));

/** Top-level kinds by group/Kind. */
const KINDS: Record<string, Message> = {
  '/ConfigMap': {
    1: ['metadata', meta],
    2: ['data', { map: 'string' }],
    3: ['binaryData', { map: 'bytes' }],
    4: ['immutable', 'bool', 'pointer'],
  },
  '/Secret': {
    1: ['metadata', meta],
    2: ['data', { map: 'bytes' }],
    3: ['type', 'string'],
    4: ['stringData', { map: 'string' }],
    5: ['immutable', 'bool', 'pointer'],
  },
  '/Namespace': {
    1: ['metadata', meta],
    2: ['spec', m(() => ({ 1: ['finalizers', 'string', 'repeated'] }) as Message)],
    3: ['status', empty],
  },
  '/ServiceAccount': {
    1: ['metadata', meta],
    2: ['secrets', m(() => ObjectReference), 'repeated'],
    3: ['imagePullSecrets', m(() => LocalObjectReference), 'repeated'],
    4: ['automountServiceAccountToken', 'bool', 'pointer'],
  },
  '/Pod': {
    1: ['metadata', meta],
    2: ['spec', m(() => PodSpec)],
    3: ['status', empty],
  },
  '/Service': {
    1: ['metadata', meta],
    2: ['spec', m(() => ServiceSpec)],
    3: ['status', m(() => ({ 1: ['loadBalancer', empty] }) as Message)],
  },
  '/ResourceQuota': {
    1: ['metadata', meta],
    2: [
      'spec',
      m(
        () =>
          ({
            1: ['hard', { map: 'quantity' }],
            2: ['scopes', 'string', 'repeated'],
          }) as Message,
      ),
    ],
    3: ['status', empty],
  },
  'apps/Deployment': {
    1: ['metadata', meta],
    2: ['spec', m(() => DeploymentSpec)],
    3: ['status', empty],
  },
  'rbac.authorization.k8s.io/Role': {
    1: ['metadata', meta],
    2: ['rules', m(() => PolicyRule), 'repeated'],
  },
  'rbac.authorization.k8s.io/ClusterRole': {
    1: ['metadata', meta],
    2: ['rules', m(() => PolicyRule), 'repeated'],
  },
  'rbac.authorization.k8s.io/RoleBinding': {
    1: ['metadata', meta],
    2: ['subjects', m(() => Subject), 'repeated'],
    3: ['roleRef', m(() => RoleRef)],
  },
  'rbac.authorization.k8s.io/ClusterRoleBinding': {
    1: ['metadata', meta],
    2: ['subjects', m(() => Subject), 'repeated'],
    3: ['roleRef', m(() => RoleRef)],
  },
  'authorization.k8s.io/SelfSubjectAccessReview': {
    1: ['metadata', meta],
    2: [
      'spec',
      m(
        () =>
          ({
            1: ['resourceAttributes', m(() => ResourceAttributes)],
            2: ['nonResourceAttributes', m(() => NonResourceAttributes)],
          }) as Message,
      ),
    ],
    3: ['status', empty],
  },
  'authorization.k8s.io/SelfSubjectRulesReview': {
    1: ['metadata', meta],
    2: ['spec', m(() => ({ 1: ['namespace', 'string'] }) as Message)],
    3: ['status', empty],
  },
  'authentication.k8s.io/TokenRequest': {
    1: ['metadata', meta],
    2: [
      'spec',
      m(
        () =>
          ({
            1: ['audiences', 'string', 'repeated'],
            3: [
              'boundObjectRef',
              m(
                () =>
                  ({
                    1: ['kind', 'string'],
                    2: ['apiVersion', 'string'],
                    3: ['name', 'string'],
                    4: ['uid', 'string'],
                  }) as Message,
              ),
            ],
            4: ['expirationSeconds', 'int64', 'pointer'],
          }) as Message,
      ),
    ],
    3: ['status', empty],
  },
  'authentication.k8s.io/SelfSubjectReview': {
    1: ['metadata', meta],
    // kubectl auth whoami sends an empty status.userInfo {username: "", uid: ""}.
    2: [
      'status',
      m(
        () =>
          ({
            1: [
              'userInfo',
              m(
                () =>
                  ({
                    1: ['username', 'string'],
                    2: ['uid', 'string'],
                    3: ['groups', 'string', 'repeated'],
                  }) as Message,
              ),
            ],
          }) as Message,
      ),
    ],
  },
};

export class ProtobufError extends Error {}

const ZERO_TIME_SECONDS = -62135596800;

class Reader {
  pos = 0;
  constructor(readonly buf: Buffer) {}
  get done(): boolean {
    return this.pos >= this.buf.length;
  }
  varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (this.pos >= this.buf.length) throw new ProtobufError('truncated varint');
      const b = this.buf[this.pos++];
      result |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return result;
      shift += 7n;
    }
  }
  bytes(): Buffer {
    const len = Number(this.varint());
    if (this.pos + len > this.buf.length) throw new ProtobufError('truncated field');
    const out = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }
  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1) this.pos += 8;
    else if (wire === 2) this.bytes();
    else if (wire === 5) this.pos += 4;
    else throw new ProtobufError(`unsupported wire type ${wire}`);
  }
}

function decodeScalar(type: Scalar, r: Reader, wire: number): unknown {
  switch (type) {
    case 'string':
      return r.bytes().toString('utf8');
    case 'bytes':
      return r.bytes().toString('base64');
    case 'bool':
      return r.varint() !== 0n;
    case 'int32':
    case 'int64':
      return Number(BigInt.asIntN(64, r.varint()));
    case 'time': {
      const t = decodeMessage(
        {
          1: ['seconds', 'int64', 'pointer'],
          2: ['nanos', 'int32', 'pointer'],
        },
        r.bytes(),
      ) as { seconds?: number };
      const s = t.seconds ?? 0;
      return s === ZERO_TIME_SECONDS ? null : new Date(s * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    }
    case 'quantity':
      return (
        (
          decodeMessage({ 1: ['string', 'string'] }, r.bytes()) as {
            string?: string;
          }
        ).string ?? '0'
      );
    case 'intOrString': {
      const v = decodeMessage(
        {
          1: ['type', 'int64', 'pointer'],
          2: ['intVal', 'int32', 'pointer'],
          3: ['strVal', 'string', 'pointer'],
        },
        r.bytes(),
      ) as { type?: number; intVal?: number; strVal?: string };
      return v.type === 1 ? (v.strVal ?? '') : (v.intVal ?? 0);
    }
  }
  void wire;
  return undefined;
}

function isZero(v: unknown): boolean {
  return v === '' || v === 0 || v === false;
}

function decodeMessage(schema: Message, buf: Buffer): Record<string, unknown> {
  const r = new Reader(buf);
  const out: Record<string, unknown> = {};
  while (!r.done) {
    const tag = Number(r.varint());
    const num = tag >>> 3;
    const wire = tag & 7;
    const field = schema[num];
    if (!field) {
      // gogo-protobuf writes every non-pointer field; an unknown one is harmless only when empty.
      const start = r.pos;
      if (wire === 2 ? r.bytes().length === 0 : wire === 0 ? r.varint() === 0n : false) continue;
      r.pos = start;
      throw new ProtobufError(`field ${num} is not known to the test server`);
    }
    const [name, type, mode] = field;
    let value: unknown;
    if (typeof type === 'string') {
      if (mode === 'repeated' && wire === 2 && (type === 'int32' || type === 'int64' || type === 'bool')) {
        const packed = new Reader(r.bytes());
        const list: unknown[] = [];
        while (!packed.done) list.push(decodeScalar(type, packed, 0));
        out[name] = [...((out[name] as unknown[]) ?? []), ...list];
        continue;
      }
      value = decodeScalar(type, r, wire);
    } else if ('msg' in type) value = decodeMessage(type.msg(), r.bytes());
    else {
      const entry = decodeMessage({ 1: ['key', 'string', 'pointer'], 2: ['value', type.map, 'pointer'] }, r.bytes()) as {
        key?: string;
        value?: unknown;
      };
      const map = (out[name] as Record<string, unknown>) ?? {};
      map[entry.key ?? ''] = entry.value ?? (type.map === 'string' || type.map === 'bytes' ? '' : 0);
      out[name] = map;
      continue;
    }
    if (mode === 'repeated') out[name] = [...((out[name] as unknown[]) ?? []), value];
    else if (mode === 'pointer' || !isZero(value)) out[name] = value;
  }
  return out;
}

/** Decodes a protobuf-encoded request body into the JSON object it stands for. */
export function decodeKubernetesProtobuf(body: Buffer): Record<string, unknown> {
  if (body.length < 4 || body.subarray(0, 4).toString('latin1') !== 'k8s\u0000')
    throw new ProtobufError('missing the k8s protobuf envelope');
  const unknown = decodeMessage(
    {
      1: ['typeMeta', m(() => ({ 1: ['apiVersion', 'string'], 2: ['kind', 'string'] }) as Message)],
      2: ['raw', 'bytes'],
      3: ['contentEncoding', 'string'],
      4: ['contentType', 'string'],
    },
    body.subarray(4),
  ) as { typeMeta?: { apiVersion?: string; kind?: string }; raw?: string };
  const apiVersion = unknown.typeMeta?.apiVersion ?? '';
  const kind = unknown.typeMeta?.kind ?? '';
  const group = apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
  const schema = KINDS[`${group}/${kind}`];
  if (!schema) throw new ProtobufError(`${kind} (${apiVersion}) in protobuf is not supported by the test server`);
  const obj = decodeMessage(schema, Buffer.from(unknown.raw ?? '', 'base64'));
  const out: Record<string, unknown> = { apiVersion, kind, ...obj };
  if (!isObject(out.metadata)) out.metadata = {};
  return out;
}
