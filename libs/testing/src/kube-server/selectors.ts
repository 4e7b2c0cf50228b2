// Label and field selectors as k8s.io/apimachinery parses them (labels/selector.go, fields/selector.go),
// and the per-kind field labels kube-apiserver supports (pkg/registry/*/strategy.go ToSelectableFields).
import { at, KubeObject } from './types';

type LabelOp = '=' | '!=' | 'in' | 'notin' | 'exists' | '!' | 'gt' | 'lt';

export interface LabelRequirement {
  key: string;
  op: LabelOp;
  values: string[];
}

export class SelectorError extends Error {}

/** Parses `a=b,c!=d,e in (f,g),h notin (i),j,!k,l>1`. An empty string selects everything. */
export function parseLabelSelector(input: string): LabelRequirement[] {
  const reqs: LabelRequirement[] = [];
  let i = 0;
  const s = input;
  const skipWs = () => {
    while (i < s.length && /\s/.test(s[i])) i++;
  };
  const readIdent = () => {
    skipWs();
    const start = i;
    while (i < s.length && !/[\s,=!()<>]/.test(s[i])) i++;
    return s.slice(start, i);
  };
  while (true) {
    skipWs();
    if (i >= s.length) break;
    let op: LabelOp | undefined;
    if (s[i] === '!') {
      i++;
      const key = readIdent();
      if (!key) throw new SelectorError(`unable to parse requirement: found '${s.slice(i)}', expected: identifier`);
      reqs.push({ key, op: '!', values: [] });
    } else {
      const key = readIdent();
      if (!key) throw new SelectorError(`found '${s[i] ?? ''}', expected: !, identifier, or 'end of string'`);
      skipWs();
      const ops: [string, LabelOp][] = [
        ['==', '='],
        ['!=', '!='],
        ['=', '='],
        ['>', 'gt'],
        ['<', 'lt'],
      ];
      const sym = ops.find(([text]) => s.startsWith(text, i));
      if (sym) {
        op = sym[1];
        i += sym[0].length;
      } else if (/^in\s*\(/.test(s.slice(i))) {
        op = 'in';
        i += 2;
      } else if (/^notin\s*\(/.test(s.slice(i))) {
        op = 'notin';
        i += 5;
      } else if (i >= s.length || s[i] === ',') op = 'exists';
      else throw new SelectorError(`found '${s.slice(i).split(/[\s,]/)[0]}', expected: in, notin, =, ==, !=, gt, lt`);
      let values: string[] = [];
      if (op === 'in' || op === 'notin') {
        skipWs();
        if (s[i] !== '(') throw new SelectorError(`found '${s[i]}', expected: '('`);
        const close = s.indexOf(')', i);
        if (close < 0) throw new SelectorError(`found 'end of string', expected: ')'`);
        values = s
          .slice(i + 1, close)
          .split(',')
          .map((v) => v.trim());
        i = close + 1;
      } else if (op !== 'exists') {
        values = [readIdent()];
        if ((op === 'gt' || op === 'lt') && !/^-?\d+$/.test(values[0]))
          throw new SelectorError(`for 'Gt', 'Lt' operators, the value must be an integer`);
      }
      reqs.push({ key, op, values });
    }
    skipWs();
    if (i < s.length) {
      if (s[i] !== ',') throw new SelectorError(`found '${s[i]}', expected: ',' or 'end of string'`);
      i++;
    }
  }
  return reqs;
}

export function matchesLabels(reqs: LabelRequirement[], labels: Record<string, string> | undefined): boolean {
  const l = labels ?? {};
  return reqs.every((r) => {
    const has = Object.prototype.hasOwnProperty.call(l, r.key);
    switch (r.op) {
      case '=':
        return has && l[r.key] === r.values[0];
      case '!=':
        return !has || l[r.key] !== r.values[0];
      case 'in':
        return has && r.values.includes(l[r.key]);
      case 'notin':
        return !has || !r.values.includes(l[r.key]);
      case 'exists':
        return has;
      case '!':
        return !has;
      case 'gt':
        return has && Number(l[r.key]) > Number(r.values[0]);
      case 'lt':
        return has && Number(l[r.key]) < Number(r.values[0]);
    }
    return false;
  });
}

export interface FieldRequirement {
  field: string;
  value: string;
  equal: boolean;
}

/** fields.ParseSelector: `a=b`, `a==b`, `a!=b`, comma separated; `\,` escapes. */
export function parseFieldSelector(input: string): FieldRequirement[] {
  if (!input.trim()) return [];
  return input.split(/(?<!\\),/).map((part) => {
    const m = /^([^=!]+)(==|=|!=)(.*)$/.exec(part.trim());
    if (!m) throw new SelectorError(`invalid selector: '${input}'; can't understand '${part}'`);
    return {
      field: m[1].trim(),
      value: m[3].replace(/\\(.)/g, '$1'),
      equal: m[2] !== '!=',
    };
  });
}

const EXTRA_FIELDS: Record<string, string[]> = {
  Pod: [
    'spec.nodeName',
    'spec.restartPolicy',
    'spec.schedulerName',
    'spec.serviceAccountName',
    'spec.hostNetwork',
    'status.phase',
    'status.podIP',
    'status.nominatedNodeName',
  ],
  Event: [
    'involvedObject.kind',
    'involvedObject.namespace',
    'involvedObject.name',
    'involvedObject.uid',
    'involvedObject.apiVersion',
    'involvedObject.resourceVersion',
    'involvedObject.fieldPath',
    'reason',
    'reportingComponent',
    'source',
    'type',
  ],
  Secret: ['type'],
  Namespace: ['status.phase'],
  Node: ['spec.unschedulable'],
  ReplicaSet: ['status.replicas'],
  ReplicationController: ['status.replicas'],
  Job: ['status.successful'],
  CertificateSigningRequest: ['spec.signerName'],
};

function fieldValue(obj: KubeObject, field: string): string {
  if (field === 'source') return String(at(obj, 'source', 'component') ?? '');
  if (field === 'spec.hostNetwork') return String(at(obj, 'spec', 'hostNetwork') ?? false);
  if (field === 'spec.unschedulable') return String(at(obj, 'spec', 'unschedulable') ?? false);
  const v = at(obj, ...field.split('.'));
  return v === undefined || v === null ? '' : String(v);
}

/** Checks the selector's fields are ones the kind supports (`field label not supported` otherwise). */
export function checkFieldSelector(reqs: FieldRequirement[], kind: string, extraFields: string[] = []): void {
  const allowed = ['metadata.name', 'metadata.namespace', ...(EXTRA_FIELDS[kind] ?? []), ...extraFields];
  for (const r of reqs) {
    if (!allowed.includes(r.field)) throw new SelectorError(`field label not supported: ${r.field}`);
  }
}

export function matchesFields(reqs: FieldRequirement[], obj: KubeObject): boolean {
  return reqs.every((r) => (fieldValue(obj, r.field) === r.value) === r.equal);
}
