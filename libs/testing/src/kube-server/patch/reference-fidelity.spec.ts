// Replays the PATCH exchanges captured from a real kube-apiserver v1.32 (/work/shared/k8s-reference) through
// the patch functions. The "before" object of each request is rebuilt from the captured sequence:
//   cm-create (POST c1 by curl)  -> its response body is the live c1 (cm-get shows the same object);
//   cm-merge-patch               -> applied to that body, by manager "curl" one second later;
//   cm-strategic-merge-patch     -> applied to cm-merge-patch's response body;
//   cm-server-side-apply         -> creates c2 (no live object) for manager "ref-test";
//   cm-server-side-apply-conflict -> applied by "other-manager" to cm-server-side-apply's response body.
//   pod-create (POST p2 by curl) -> the field manager sees the decoded, defaulted pod before mutating
//                                admission (ServiceAccount, Priority, DefaultTolerationSeconds) and before
//                                the strategy sets status (apiserver create.go), so those parts are taken out.
// uid, resourceVersion and creationTimestamp are set by the server around these functions, so only data,
// labels and managedFields are compared.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { applyMergePatch, applyServerSideApply, applyStrategicMergePatch, PatchError, recordUpdateManager } from './index';

const REFERENCE_DIR = process.env['KUBE_REFERENCE_DIR'] ?? '/work/shared/k8s-reference';

interface Exchange {
  request: string;
  status: number;
  body: Record<string, unknown> & {
    metadata?: Record<string, unknown>;
    data?: unknown;
  };
}

function load(name: string): Exchange {
  return JSON.parse(readFileSync(join(REFERENCE_DIR, name), 'utf8')) as Exchange;
}

/** The request body and URL out of the recorded curl arguments (`-d BODY URL` or `--data-binary BODY URL`). */
function requestParts(exchange: Exchange): { body: string; url: URL } {
  const match = /(?:-d|--data-binary) ([\s\S]*) (\/\S+)$/.exec(exchange.request);
  if (!match) throw new Error(`no body in ${exchange.request}`);
  return { body: match[1], url: new URL(match[2], 'https://kube.invalid') };
}

function timeOf(exchange: Exchange): string {
  const entries = exchange.body.metadata?.['managedFields'] as {
    time: string;
  }[];
  return entries[entries.length - 1].time;
}

const configMap = { group: '', version: 'v1', kind: 'ConfigMap' };
const describeWithReferences = existsSync(REFERENCE_DIR) ? describe : describe.skip;

describeWithReferences('fidelity to the kube-apiserver v1.32 reference exchanges', () => {
  const created = load('cm-create.json');
  const mergePatched = load('cm-merge-patch.json');
  const strategicPatched = load('cm-strategic-merge-patch.json');
  const applied = load('cm-server-side-apply.json');
  const conflicted = load('cm-server-side-apply-conflict.json');

  it('records the creator as an Update manager like cm-create', () => {
    const { body } = requestParts(created);
    const posted = JSON.parse(body) as Record<string, unknown>;
    const stored = {
      ...posted,
      metadata: {
        ...(posted['metadata'] as object),
        namespace: 'ref',
        uid: 'u',
      },
    };
    const result = recordUpdateManager(undefined, stored, 'curl', timeOf(created)) as Exchange['body'];
    expect(result.metadata?.['managedFields']).toEqual(created.body.metadata?.['managedFields']);
  });

  it('reproduces pod-create: the creator owns the defaulted containers by name, not what admission added', () => {
    const podCreated = load('pod-create.json');
    const pod = structuredClone(podCreated.body) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    delete pod['status'];
    delete pod['metadata']['managedFields'];
    for (const field of ['volumes', 'serviceAccountName', 'serviceAccount', 'tolerations', 'priority', 'preemptionPolicy']) {
      delete pod['spec'][field];
    }
    delete pod['spec']['containers'][0]['volumeMounts'];
    const result = recordUpdateManager(undefined, pod, 'curl', timeOf(podCreated)) as Exchange['body'];
    expect(result.metadata?.['managedFields']).toEqual(podCreated.body.metadata?.['managedFields']);
  });

  it('reproduces cm-merge-patch: data merged, curl keeps one Update entry with f:k2 and a new time', () => {
    const { body } = requestParts(mergePatched);
    const patched = applyMergePatch(created.body, JSON.parse(body));
    const result = recordUpdateManager(created.body, patched as object, 'curl', timeOf(mergePatched)) as Exchange['body'];
    expect(result.data).toEqual(mergePatched.body.data);
    expect(result.metadata?.['labels']).toEqual(mergePatched.body.metadata?.['labels']);
    expect(result.metadata?.['managedFields']).toEqual(mergePatched.body.metadata?.['managedFields']);
  });

  it('reproduces cm-strategic-merge-patch from the merge-patched object', () => {
    const { body } = requestParts(strategicPatched);
    const patched = applyStrategicMergePatch(mergePatched.body, JSON.parse(body), configMap);
    const result = recordUpdateManager(mergePatched.body, patched, 'curl', timeOf(strategicPatched)) as Exchange['body'];
    expect(result.data).toEqual(strategicPatched.body.data);
    expect(result.metadata?.['managedFields']).toEqual(strategicPatched.body.metadata?.['managedFields']);
  });

  it('reproduces cm-server-side-apply: the apply creates c2 owned by ref-test with exactly f:data.f:a', () => {
    const { body, url } = requestParts(applied);
    const manager = url.searchParams.get('fieldManager') ?? '';
    const result = applyServerSideApply(undefined, parseYaml(body) as object, {
      manager,
      force: false,
      now: timeOf(applied),
    });
    const object = result.object as Exchange['body'];
    expect(object.data).toEqual(applied.body.data);
    expect(object.metadata?.['managedFields']).toEqual(applied.body.metadata?.['managedFields']);
    expect(result.conflicts).toEqual([]);
  });

  it('reproduces cm-server-side-apply-conflict: 409 with the exact Status message and causes', () => {
    const { body, url } = requestParts(conflicted);
    let caught: unknown;
    try {
      applyServerSideApply(applied.body, parseYaml(body) as object, {
        manager: url.searchParams.get('fieldManager') ?? '',
        force: url.searchParams.get('force') === 'true',
        now: '2026-11-24T16:17:16Z',
      });
    } catch (err: unknown) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(PatchError);
    const error = caught as PatchError;
    const status = conflicted.body as {
      message: string;
      reason: string;
      code: number;
      details: { causes: unknown };
    };
    expect(error.code).toBe(conflicted.status);
    expect(error.code).toBe(status.code);
    expect(error.reason).toBe(status.reason);
    expect(error.message).toBe(status.message);
    expect(error.causes).toEqual(status.details.causes);
  });
});
