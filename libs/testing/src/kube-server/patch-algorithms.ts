// The PATCH handler's algorithms: ./patch, ported from apimachinery's strategicpatch and
// structured-merge-diff. Server-side apply conflicts are thrown there as a PatchError carrying the
// real 409 Status message and causes, so none are returned here.
import * as patch from './patch';
import { PatchAlgorithms } from './patch-contract';
import { KubeObject } from './types';

export const patchAlgorithms: PatchAlgorithms = {
  applyJsonPatch: (obj, ops) => patch.applyJsonPatch(obj, ops),
  applyMergePatch: (obj, body) => patch.applyMergePatch(obj, body) as KubeObject,
  applyStrategicMergePatch: (obj, body, kind) => patch.applyStrategicMergePatch(obj, body, kind),
  applyServerSideApply: (live, applied, opts) => ({
    object: patch.applyServerSideApply(live, applied, { manager: opts.manager, force: opts.force, now: new Date().toISOString() }).object,
    conflicts: [],
  }),
};
