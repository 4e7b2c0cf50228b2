// `pods/log`: what each container wrote, kept per pod UID and container like the kubelet's CRI log
// files, served with the options of k8s.io/api/core/v1.PodLogOptions (follow, tailLines,
// sinceSeconds, sinceTime, timestamps, previous, limitBytes) and the apiserver's/kubelet's messages.
import { IncomingMessage, ServerResponse } from 'node:http';
import { ObjectApi } from './object-api';
import { selectContainer } from './pod-runtime';
import { errors } from './status';
import { at, KubeObject } from './types';

interface LogLine {
  time: Date;
  text: string;
}

interface ContainerLog {
  lines: LogLine[];
  /** Followers, called with each new line; `undefined` when the pod is gone. */
  followers: Set<(line: LogLine | undefined) => void>;
}

/** RFC3339Nano as Go prints it: fractional seconds without trailing zeros. */
export function rfc3339Nano(t: Date): string {
  return t.toISOString().replace(/\.(\d+)Z$/, (_, f: string) => {
    const trimmed = f.replace(/0+$/, '');
    return trimmed ? `.${trimmed}Z` : 'Z';
  });
}

function key(uid: string, container: string): string {
  return `${uid}/${container}`;
}

export class PodLogs {
  private readonly logs = new Map<string, ContainerLog>();
  private readonly unsubscribe: () => void;

  constructor(private readonly api: ObjectApi) {
    this.unsubscribe = api.store.subscribe((e) => {
      if (e.resource === 'pods' && e.type === 'DELETED') this.forget(String(e.object.metadata.uid));
    });
  }

  /** Records output of a container of a pod (the object, for its UID); splits it into lines. */
  append(pod: KubeObject, container: string, text: string): void {
    if (!text) return;
    const log = this.logOf(String(pod.metadata.uid), container);
    const time = new Date();
    for (const piece of text.match(/[^\n]*\n|[^\n]+$/g) ?? []) {
      const line = { time, text: piece };
      log.lines.push(line);
      for (const f of log.followers) f(line);
    }
  }

  /** Ends every follower of the pod and drops its logs (the pod was deleted). */
  forget(uid: string): void {
    for (const [k, log] of this.logs)
      if (k.startsWith(`${uid}/`)) {
        for (const f of log.followers) f(undefined);
        this.logs.delete(k);
      }
  }

  stop(): void {
    this.unsubscribe();
    for (const log of this.logs.values()) for (const f of log.followers) f(undefined);
  }

  /** GET .../pods/<name>/log */
  serve(req: IncomingMessage, res: ServerResponse, pod: KubeObject, q: URLSearchParams): void {
    const name = pod.metadata.name ?? '';
    const container = selectContainer(pod, q.get('container') ?? '');
    const opts = logOptions(q);
    // LogLocation: a pod not bound to a node has no kubelet to ask, and no logs.
    if (!at(pod, 'spec', 'nodeName')) return void res.writeHead(200).end();
    const status = ((at(pod, 'status', 'containerStatuses') as Record<string, unknown>[] | undefined) ?? []).find(
      (s) => s.name === container,
    );
    // kubelet validateContainerLogStatus (pkg/kubelet/kubelet_pods.go).
    // This runtime never starts a container twice: the previous instance's log is the current one.
    const previous = at(status, 'lastState', 'terminated');
    if (opts.previous && !previous) throw errors.badRequest(`previous terminated container "${container}" in pod "${name}" not found`);
    if (!at(status, 'state', 'running') && !at(status, 'state', 'terminated') && !previous)
      throw errors.badRequest(
        `container "${container}" in pod "${name}" is waiting to start: ${String(at(status, 'state', 'waiting', 'reason') ?? 'ContainerCreating')}`,
      );

    const log = this.logOf(String(pod.metadata.uid), container);
    let lines = log.lines;
    if (opts.since) {
      const since = opts.since;
      lines = lines.filter((l) => l.time >= since);
    }
    if (opts.tailLines !== undefined) lines = opts.tailLines ? lines.slice(-opts.tailLines) : [];
    let budget = opts.limitBytes ?? Infinity;
    res.writeHead(200, {
      'Content-Type': 'text/plain',
      'Cache-Control': 'no-cache, private',
    });
    /** Writes a line within limitBytes; false once the limit is reached. */
    const write = (l: LogLine): boolean => {
      let out = Buffer.from(opts.timestamps ? `${rfc3339Nano(l.time)} ${l.text}` : l.text);
      if (out.length > budget) out = out.subarray(0, budget);
      budget -= out.length;
      res.write(out);
      return budget > 0;
    };
    for (const l of lines) if (!write(l)) return void res.end();
    if (!opts.follow) return void res.end();
    const follower = (l: LogLine | undefined) => {
      if (!l || !write(l)) end();
    };
    const end = () => {
      log.followers.delete(follower);
      res.end();
    };
    log.followers.add(follower);
    req.on('close', () => log.followers.delete(follower));
    res.on('close', () => log.followers.delete(follower));
  }

  private logOf(uid: string, container: string): ContainerLog {
    const k = key(uid, container);
    let log = this.logs.get(k);
    if (!log) {
      log = { lines: [], followers: new Set() };
      this.logs.set(k, log);
    }
    return log;
  }

  /** In-process access: the pod by namespace and name, its container checked as for a request. */
  appendByName(namespace: string, podName: string, container: string | undefined, text: string): void {
    const type = this.api.registry.findAnyVersion('', 'pods');
    if (!type) throw new Error('pods are not served');
    const pod = this.api.get(type, namespace, podName);
    this.append(pod, selectContainer(pod, container ?? ''), text);
  }
}

interface LogOptions {
  follow: boolean;
  previous: boolean;
  timestamps: boolean;
  tailLines?: number;
  limitBytes?: number;
  since?: Date;
}

/** Query parameters of PodLogOptions, validated as ValidatePodLogOptions does. */
function logOptions(q: URLSearchParams): LogOptions {
  const bool = (n: string) => ['1', 't', 'T', 'true', 'TRUE', 'True'].includes(q.get(n) ?? '');
  const int = (n: string) => {
    const v = q.get(n);
    if (v === null) return undefined;
    if (!/^-?\d+$/.test(v)) throw errors.badRequest(`strconv.ParseInt: parsing "${v}": invalid syntax`);
    return Number(v);
  };
  const tailLines = int('tailLines');
  const limitBytes = int('limitBytes');
  const sinceSeconds = int('sinceSeconds');
  const sinceTime = q.get('sinceTime');
  const problems: string[] = [];
  if (tailLines !== undefined && tailLines < 0) problems.push(`tailLines: Invalid value: ${tailLines}: must be greater than or equal to 0`);
  if (limitBytes !== undefined && limitBytes < 1) problems.push(`limitBytes: Invalid value: ${limitBytes}: must be greater than 0`);
  if (sinceSeconds !== undefined && sinceSeconds < 1) problems.push(`sinceSeconds: Invalid value: ${sinceSeconds}: must be greater than 0`);
  if (sinceSeconds !== undefined && sinceTime)
    problems.push('sinceSeconds: Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified');
  if (problems.length) throw errors.badRequest(problems.length === 1 ? problems[0] : `[${problems.join(', ')}]`);
  let since: Date | undefined;
  if (sinceSeconds !== undefined) since = new Date(Date.now() - sinceSeconds * 1000);
  else if (sinceTime) {
    since = new Date(sinceTime);
    if (Number.isNaN(since.getTime()))
      throw errors.badRequest(`parsing time "${sinceTime}" as "2006-01-02T15:04:05Z07:00": cannot parse "${sinceTime}" as "2006"`);
  }
  return {
    follow: bool('follow'),
    previous: bool('previous'),
    timestamps: bool('timestamps'),
    tailLines,
    limitBytes,
    since,
  };
}
