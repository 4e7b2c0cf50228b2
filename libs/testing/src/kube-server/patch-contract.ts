// The patch algorithms the PATCH handler dispatches to, as a contract, implemented by ./patch-algorithms
// (on ./patch); tests may pass their own through startKubeServer({ patch }).
import { KubeObject } from './types';

export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

export interface ApplyConflict {
  manager: string;
  /** Field path as structured-merge-diff prints it, e.g. ".data.a". */
  field: string;
  message?: string;
}

export interface PatchAlgorithms {
  applyJsonPatch(obj: KubeObject, ops: unknown): KubeObject;
  applyMergePatch(obj: KubeObject, patch: unknown): KubeObject;
  applyStrategicMergePatch(obj: KubeObject, patch: unknown, kind: GroupVersionKind): KubeObject;
  applyServerSideApply(
    live: KubeObject | undefined,
    applied: KubeObject,
    opts: { manager: string; force: boolean },
  ): { object: KubeObject; conflicts: ApplyConflict[] };
}

/** What the patch functions throw on bad input. */
export interface PatchErrorLike {
  reason: string;
  message: string;
  causes?: { reason?: string; message?: string; field?: string }[];
}

export function isPatchError(e: unknown): e is PatchErrorLike {
  return typeof e === 'object' && e !== null && 'reason' in e && 'message' in e && typeof (e as PatchErrorLike).reason === 'string';
}
