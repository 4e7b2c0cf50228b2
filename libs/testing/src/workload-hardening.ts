/**
 * What deploy/kubernetes and the Warden installer promise for every container they run: probes,
 * requests and limits, non-root, a read-only root filesystem, no capabilities, no privilege
 * escalation, the runtime's default seccomp profile. Returns one line per broken promise.
 */
export function workloadHardeningViolations(workload: {
  kind?: string;
  metadata?: { name?: string };
  spec?: { template?: { spec?: unknown } };
}): string[] {
  const where = `${workload.kind ?? '?'}/${workload.metadata?.name ?? '?'}`;
  const pod = (workload.spec?.template?.spec ?? {}) as PodSpecLike;
  const out: string[] = [];
  if (!pod.containers?.length) return [`${where}: no containers`];
  for (const c of pod.containers) {
    const at = `${where} container ${c.name}`;
    for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe'] as const) if (!c[probe]) out.push(`${at}: no ${probe}`);
    for (const kind of ['requests', 'limits'] as const)
      for (const resource of ['cpu', 'memory'])
        if (!c.resources?.[kind]?.[resource]) out.push(`${at}: no ${resource} in resources.${kind}`);
    const sc = c.securityContext ?? {};
    if ((sc.runAsNonRoot ?? pod.securityContext?.runAsNonRoot) !== true) out.push(`${at}: runAsNonRoot is not true`);
    if ((sc.runAsUser ?? pod.securityContext?.runAsUser) === 0) out.push(`${at}: runs as uid 0`);
    if (sc.readOnlyRootFilesystem !== true) out.push(`${at}: readOnlyRootFilesystem is not true`);
    if (sc.allowPrivilegeEscalation !== false) out.push(`${at}: allowPrivilegeEscalation is not false`);
    if (sc.privileged === true) out.push(`${at}: privileged`);
    if (!sc.capabilities?.drop?.includes('ALL')) out.push(`${at}: capabilities.drop lacks ALL`);
    if (sc.capabilities?.add?.length) out.push(`${at}: adds capabilities ${sc.capabilities.add.join(',')}`);
    const seccomp = sc.seccompProfile?.type ?? pod.securityContext?.seccompProfile?.type;
    if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') out.push(`${at}: seccompProfile is not RuntimeDefault`);
  }
  return out;
}

interface SecurityContextLike {
  runAsNonRoot?: boolean;
  runAsUser?: number;
  readOnlyRootFilesystem?: boolean;
  allowPrivilegeEscalation?: boolean;
  privileged?: boolean;
  capabilities?: { drop?: string[]; add?: string[] };
  seccompProfile?: { type?: string };
}

interface PodSpecLike {
  securityContext?: SecurityContextLike;
  containers?: {
    name: string;
    livenessProbe?: unknown;
    readinessProbe?: unknown;
    startupProbe?: unknown;
    resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
    securityContext?: SecurityContextLike;
  }[];
}
