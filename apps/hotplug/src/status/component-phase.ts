import { ComponentPhase, ComponentReport } from '@cube/contracts';

export interface PhaseInput {
  enabled: boolean;
  /** The generation last written to the cluster's desired state. */
  generation: number;
  /** The generation that last reached `running`, if any. */
  runningGeneration: number | null;
  /** What Warden reported for the component; undefined when it reported nothing of it. */
  report: ComponentReport | undefined;
}

export interface PhaseVerdict {
  phase: ComponentPhase;
  message: string;
  observedGeneration: number | null;
}

const workloadName = (w: ComponentReport['workloads'][number]) => `${w.kind} ${w.namespace}/${w.name}`;

/**
 * The phase of a component in a cluster, from Warden's report only (issue #16, Status): a failed
 * apply is `failed` with the API server's message, never hidden; objects not all applied or
 * workloads not all ready are `applying` — or `degraded` once this generation had been running.
 */
export function componentPhase({ enabled, generation, runningGeneration, report }: PhaseInput): PhaseVerdict {
  if (!enabled) return { phase: 'disabled', message: '', observedGeneration: report?.generation ?? null };
  if (!report || report.generation < generation) {
    return {
      phase: 'pending',
      message: `generation ${generation} written to the desired state; waiting for Warden`,
      observedGeneration: report?.generation ?? null,
    };
  }
  const observedGeneration = report.generation;
  if (report.failed.length > 0) {
    const first = report.failed[0];
    const more = report.failed.length > 1 ? ` (and ${report.failed.length - 1} more)` : '';
    return { phase: 'failed', message: `${first?.message ?? 'an object could not be applied'}${more}`, observedGeneration };
  }
  if (report.applied < report.objects)
    return { phase: 'applying', message: `${report.applied} of ${report.objects} objects applied`, observedGeneration };
  const unready = report.workloads.filter((w) => !w.current || w.ready < w.desired);
  if (unready.length > 0) {
    const message = unready.map((w) => `${workloadName(w)}: ${w.ready}/${w.desired} ready`).join('; ');
    return { phase: runningGeneration === generation ? 'degraded' : 'applying', message, observedGeneration };
  }
  return { phase: 'running', message: `${report.objects} objects applied; ${report.workloads.length} workloads ready`, observedGeneration };
}
