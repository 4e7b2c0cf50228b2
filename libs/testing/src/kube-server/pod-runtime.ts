// The test server's stand-in for the container runtime: which container a request means (with the
// apiserver's messages), what a container sees (env, files), and each Running container's main
// process — its command and args run by the built-in shell, output recorded as the container's log,
// stdin fed by `pods/attach` when the container has `stdin: true`.
import { ObjectApi } from './object-api';
import { PodLogs } from './pod-logs';
import { ContainerContext, execInContainer, ExecutableNotFound, InputQueue, InterruptSource, Terminal } from './shell';
import { errors } from './status';
import { at, clone, KubeObject, now } from './types';

type Container = Record<string, unknown>;

function containersOf(pod: KubeObject, field: string): Container[] {
  return (at(pod, 'spec', field) as Container[] | undefined) ?? [];
}

/**
 * The container a pods/exec, attach or log request names, or the only one: streamLocation and
 * LogLocation in pkg/registry/core/pod/strategy.go.
 */
export function selectContainer(pod: KubeObject, requested: string): string {
  const name = pod.metadata.name ?? '';
  const containers = containersOf(pod, 'containers').map((c) => String(c.name));
  if (!requested) {
    if (containers.length === 1) return containers[0];
    if (!containers.length) throw errors.badRequest(`a container name must be specified for pod ${name}`);
    const init = containersOf(pod, 'initContainers').map((c) => String(c.name));
    let msg = `a container name must be specified for pod ${name}, choose one of: [${containers.join(' ')}]`;
    if (init.length) msg += ` or one of the init containers: [${init.join(' ')}]`;
    throw errors.badRequest(msg);
  }
  const all = [
    ...containers,
    ...containersOf(pod, 'initContainers').map((c) => String(c.name)),
    ...containersOf(pod, 'ephemeralContainers').map((c) => String(c.name)),
  ];
  if (!all.includes(requested)) throw errors.badRequest(`container ${requested} is not valid for pod ${name}`);
  return requested;
}

function containerSpec(pod: KubeObject, name: string): Container | undefined {
  return [...containersOf(pod, 'containers'), ...containersOf(pod, 'initContainers'), ...containersOf(pod, 'ephemeralContainers')].find(
    (c) => c.name === name,
  );
}

/** The environment the kubelet gives a container: image PATH, HOSTNAME, spec env, service links, HOME. */
export function containerContext(pod: KubeObject, container: string): ContainerContext {
  const podName = pod.metadata.name ?? '';
  const env: [string, string][] = [
    ['PATH', '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
    ['HOSTNAME', podName],
  ];
  const spec = (at(containerSpec(pod, container), 'env') ?? []) as Container[];
  for (const e of spec) if (typeof e.name === 'string' && e.valueFrom === undefined) env.push([e.name, String(e.value ?? '')]);
  const svc = '10.96.0.1';
  env.push(
    ['KUBERNETES_SERVICE_HOST', svc],
    ['KUBERNETES_SERVICE_PORT', '443'],
    ['KUBERNETES_SERVICE_PORT_HTTPS', '443'],
    ['KUBERNETES_PORT', `tcp://${svc}:443`],
    ['KUBERNETES_PORT_443_TCP', `tcp://${svc}:443`],
    ['KUBERNETES_PORT_443_TCP_PROTO', 'tcp'],
    ['KUBERNETES_PORT_443_TCP_PORT', '443'],
    ['KUBERNETES_PORT_443_TCP_ADDR', svc],
    ['HOME', '/root'],
  );
  const podIP = at(pod, 'status', 'podIP');
  return {
    podName,
    namespace: pod.metadata.namespace ?? '',
    env,
    podIP: typeof podIP === 'string' ? podIP : undefined,
  };
}

/** A container's main process: its output goes to the log and to attached clients. */
export class MainProcess {
  readonly outputs = new Set<(text: string) => void>();
  readonly done: Promise<number>;
  exitCode?: number;
  private readonly controller = new AbortController();
  private readonly stdin: InputQueue;
  private readonly terminal?: Terminal;

  constructor(
    argv: string[],
    ctx: ContainerContext,
    readonly tty: boolean,
    readonly acceptsStdin: boolean,
    log: (text: string) => void,
  ) {
    const interrupts = new InterruptSource();
    const emit = (text: string) => {
      const shown = this.tty ? Terminal.output(text) : text;
      log(shown);
      for (const o of this.outputs) o(shown);
    };
    if (tty && acceptsStdin) {
      this.terminal = new Terminal(
        (echo) => {
          log(echo);
          for (const o of this.outputs) o(echo);
        },
        () => interrupts.fire(),
      );
      this.stdin = this.terminal.input;
    } else {
      this.stdin = new InputQueue();
      if (!acceptsStdin) this.stdin.close();
    }
    this.done = execInContainer(
      argv,
      ctx,
      {
        stdin: this.stdin,
        stdout: emit,
        stderr: emit,
        signal: this.controller.signal,
        interrupts,
      },
      tty,
    )
      .catch((e: unknown) => {
        if (!(e instanceof ExecutableNotFound)) throw e;
        // A program of the image the built-in shell does not know: it runs, silently, until stopped.
        return new Promise<number>((resolve) => this.controller.signal.addEventListener('abort', () => resolve(137)));
      })
      .then((code) => {
        this.exitCode = code;
        return code;
      });
  }

  write(data: string): void {
    if (!this.acceptsStdin) return;
    if (this.terminal) this.terminal.write(data);
    else this.stdin.push(data);
  }

  kill(): void {
    this.controller.abort();
    this.stdin.close();
  }
}

/** Starts the main processes of pods that become Running, stops them when the pod goes away. */
export class ContainerRuntime {
  private readonly processes = new Map<string, MainProcess>();
  private readonly unsubscribe: () => void;
  private stopped = false;

  constructor(
    private readonly api: ObjectApi,
    private readonly logs: PodLogs,
  ) {
    this.unsubscribe = api.store.subscribe((e) => {
      if (e.resource !== 'pods') return;
      const uid = String(e.object.metadata.uid);
      if (e.type === 'DELETED') this.stopPod(uid);
      else if (at(e.object, 'status', 'phase') === 'Running' && at(e.previous, 'status', 'phase') !== 'Running') {
        const pod = e.object;
        // After the store's listeners have run: the process may write at once.
        setImmediate(() => this.startPod(pod));
      }
    });
    const type = api.registry.findAnyVersion('', 'pods');
    if (type) for (const pod of api.list(type, undefined).items) if (at(pod, 'status', 'phase') === 'Running') this.startPod(pod);
  }

  mainProcess(pod: KubeObject, container: string): MainProcess | undefined {
    return this.processes.get(`${String(pod.metadata.uid)}/${container}`);
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe();
    for (const p of this.processes.values()) p.kill();
    this.processes.clear();
  }

  private startPod(pod: KubeObject): void {
    if (this.stopped) return;
    for (const c of containersOf(pod, 'containers')) {
      const name = String(c.name);
      const key = `${String(pod.metadata.uid)}/${name}`;
      if (this.processes.has(key)) continue;
      const argv = [...((c.command as string[] | undefined) ?? []), ...((c.args as string[] | undefined) ?? [])];
      const stdin = c.stdin === true;
      // No command: the image's entrypoint. A shell image (the kind `kubectl run -it` uses) runs sh.
      if (!argv.length) {
        if (!stdin) continue;
        argv.push('sh');
      }
      const main = new MainProcess(argv, containerContext(pod, name), c.tty === true, stdin, (text) => this.logs.append(pod, name, text));
      this.processes.set(key, main);
      void main.done.then((code) => {
        if (this.stopped || this.processes.get(key) !== main) return;
        return this.containerExited(pod, name, code);
      });
    }
  }

  /**
   * The kubelet's status after a main process exits. restartPolicy Never (or OnFailure after
   * success): the container is terminated and, once all are, the pod Succeeded or Failed. Otherwise
   * the container would be restarted: it is reported in CrashLoopBackOff with its last state
   * (this runtime does not run it again).
   */
  private async containerExited(started: KubeObject, container: string, code: number): Promise<void> {
    const type = this.api.registry.findAnyVersion('', 'pods');
    const ns = started.metadata.namespace ?? '';
    const name = started.metadata.name ?? '';
    const pod = type && this.api.tryGet(type, ns, name);
    if (!type || !pod || pod.metadata.uid !== started.metadata.uid || pod.metadata.deletionTimestamp) return;
    const next = clone(pod);
    const status = (next.status ?? {}) as Record<string, unknown>;
    const statuses = (status.containerStatuses ?? []) as Record<string, unknown>[];
    const s = statuses.find((c) => c.name === container);
    if (!s) return;
    const terminated = {
      exitCode: code,
      reason: code === 0 ? 'Completed' : 'Error',
      startedAt: at(s, 'state', 'running', 'startedAt') ?? now(),
      finishedAt: now(),
      containerID: s.containerID,
    };
    const policy = String(at(pod, 'spec', 'restartPolicy') ?? 'Always');
    s.ready = false;
    s.started = false;
    if (policy === 'Always' || (policy === 'OnFailure' && code !== 0)) {
      s.lastState = { terminated };
      s.restartCount = Number(s.restartCount ?? 0) + 1;
      s.state = {
        waiting: {
          reason: 'CrashLoopBackOff',
          message: `back-off 10s restarting failed container=${container} pod=${name}_${ns}(${String(pod.metadata.uid)})`,
        },
      };
    } else s.state = { terminated };
    const done = statuses.every((c) => at(c, 'state', 'terminated'));
    if (done) status.phase = statuses.every((c) => at(c, 'state', 'terminated', 'exitCode') === 0) ? 'Succeeded' : 'Failed';
    const unready = statuses.filter((c) => c.ready !== true).map((c) => String(c.name));
    const ts = now();
    status.conditions = ((status.conditions ?? []) as Record<string, unknown>[]).map((c) =>
      c.type === 'Ready' || c.type === 'ContainersReady'
        ? {
            ...c,
            status: 'False',
            lastTransitionTime: ts,
            reason: done ? 'PodCompleted' : 'ContainersNotReady',
            ...(done
              ? {}
              : {
                  message: `containers with unready status: [${unready.join(' ')}]`,
                }),
          }
        : c,
    );
    next.status = status;
    await this.api.update(type, ns, name, next, {
      manager: 'kubelet',
      user: {
        username: `system:node:${String(at(pod, 'spec', 'nodeName'))}`,
        groups: ['system:nodes'],
      },
      subresource: 'status',
    });
  }

  private stopPod(uid: string): void {
    for (const [k, p] of this.processes)
      if (k.startsWith(`${uid}/`)) {
        p.kill();
        this.processes.delete(k);
      }
  }
}
