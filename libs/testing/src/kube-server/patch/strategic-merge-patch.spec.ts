import { PatchError } from './patch-error';
import { applyStrategicMergePatch } from './strategic-merge-patch';

const pod = { group: '', version: 'v1', kind: 'Pod' };
const deployment = { group: 'apps', version: 'v1', kind: 'Deployment' };

function makePod<S extends object>(spec: S) {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec };
}

describe('applyStrategicMergePatch', () => {
  it('merges containers by name and their env by name', () => {
    const live = makePod({
      containers: [
        { name: 'app', image: 'app:1', env: [{ name: 'A', value: '1' }] },
        { name: 'side', image: 'side:1' },
      ],
    });
    const patched = applyStrategicMergePatch(
      live,
      {
        spec: {
          containers: [{ name: 'app', image: 'app:2', env: [{ name: 'B', value: '2' }] }],
        },
      },
      pod,
    );
    expect(patched.spec).toEqual({
      containers: [
        {
          name: 'app',
          image: 'app:2',
          // Items new in the patch come first (apimachinery normalizeElementOrder/mergeSortedSlice).
          env: [
            { name: 'B', value: '2' },
            { name: 'A', value: '1' },
          ],
        },
        { name: 'side', image: 'side:1' },
      ],
    });
  });

  it('applies PodSpec rules inside a Deployment pod template', () => {
    const live = {
      spec: {
        template: {
          spec: {
            containers: [{ name: 'app', image: 'a:1', ports: [{ containerPort: 80 }] }],
          },
        },
      },
    };
    const patched = applyStrategicMergePatch(
      live,
      {
        spec: {
          template: {
            spec: {
              containers: [{ name: 'app', ports: [{ containerPort: 443 }] }],
            },
          },
        },
      },
      deployment,
    );
    expect(patched.spec.template.spec.containers).toEqual([
      {
        name: 'app',
        image: 'a:1',
        ports: [{ containerPort: 443 }, { containerPort: 80 }],
      },
    ]);
  });

  it('applies PodSpec rules inside a CronJob job template', () => {
    const live = {
      spec: {
        jobTemplate: {
          spec: {
            template: { spec: { volumes: [{ name: 'a', emptyDir: {} }] } },
          },
        },
      },
    };
    const patched = applyStrategicMergePatch(
      live,
      {
        spec: {
          jobTemplate: {
            spec: {
              template: { spec: { volumes: [{ name: 'b', emptyDir: {} }] } },
            },
          },
        },
      },
      { group: 'batch', version: 'v1', kind: 'CronJob' },
    );
    expect(patched.spec.jobTemplate.spec.template.spec.volumes.map((v) => v.name)).toEqual(['b', 'a']);
  });

  it('replaces lists without a patch strategy, such as tolerations and container args', () => {
    const live = makePod({
      tolerations: [{ key: 'a' }],
      containers: [{ name: 'c', args: ['x', 'y'] }],
    });
    const patched = applyStrategicMergePatch(
      live,
      {
        spec: {
          tolerations: [{ key: 'b' }],
          containers: [{ name: 'c', args: ['z'] }],
        },
      },
      pod,
    );
    expect(patched.spec).toEqual({
      tolerations: [{ key: 'b' }],
      containers: [{ name: 'c', args: ['z'] }],
    });
  });

  it('deletes a list item with $patch: delete and a key with null', () => {
    const live = makePod({
      containers: [
        { name: 'a', image: 'a' },
        { name: 'b', image: 'b' },
      ],
      hostname: 'h',
    });
    const patched = applyStrategicMergePatch(
      live,
      {
        spec: { hostname: null, containers: [{ name: 'a', $patch: 'delete' }] },
      },
      pod,
    );
    expect(patched.spec).toEqual({ containers: [{ name: 'b', image: 'b' }] });
  });

  it('replaces a whole list with $patch: replace', () => {
    const live = makePod({ containers: [{ name: 'a' }, { name: 'b' }] });
    const patched = applyStrategicMergePatch(live, { spec: { containers: [{ name: 'c' }, { $patch: 'replace' }] } }, pod);
    expect(patched.spec.containers).toEqual([{ name: 'c' }]);
  });

  it('replaces a map with $patch: replace', () => {
    const live = { metadata: { name: 'p', labels: { a: '1', b: '2' } } };
    const patched = applyStrategicMergePatch(live, { metadata: { labels: { c: '3', $patch: 'replace' } } }, pod);
    expect(patched.metadata.labels).toEqual({ c: '3' });
  });

  it('merges finalizers as a set and removes values with $deleteFromPrimitiveList', () => {
    const live = { metadata: { name: 'p', finalizers: ['a', 'b'] } };
    const added = applyStrategicMergePatch(live, { metadata: { finalizers: ['b', 'c'] } }, pod);
    expect(added.metadata.finalizers).toEqual(['a', 'b', 'c']);
    const removed = applyStrategicMergePatch(live, { metadata: { '$deleteFromPrimitiveList/finalizers': ['a'] } }, pod);
    expect(removed.metadata.finalizers).toEqual(['b']);
  });

  it('merges ownerReferences by uid and conditions by type', () => {
    const live = {
      metadata: { name: 'p', ownerReferences: [{ uid: '1', name: 'rs' }] },
      status: { conditions: [{ type: 'Ready', status: 'False' }] },
    };
    const patched = applyStrategicMergePatch(
      live,
      {
        metadata: { ownerReferences: [{ uid: '2', name: 'other' }] },
        status: { conditions: [{ type: 'Ready', status: 'True' }] },
      },
      pod,
    );
    expect(patched.metadata.ownerReferences).toEqual([
      { uid: '2', name: 'other' },
      { uid: '1', name: 'rs' },
    ]);
    expect(patched.status.conditions).toEqual([{ type: 'Ready', status: 'True' }]);
  });

  it('merges service ports by port', () => {
    const live = { spec: { ports: [{ port: 80, name: 'http' }] } };
    const patched = applyStrategicMergePatch(
      live,
      { spec: { ports: [{ port: 80, targetPort: 8080 }, { port: 443 }] } },
      { group: '', version: 'v1', kind: 'Service' },
    );
    expect(patched.spec.ports).toEqual([{ port: 80, name: 'http', targetPort: 8080 }, { port: 443 }]);
  });

  it('orders a merged list by $setElementOrder', () => {
    const live = makePod({ containers: [{ name: 'a' }, { name: 'b' }] });
    const patched = applyStrategicMergePatch(
      live,
      {
        spec: {
          '$setElementOrder/containers': [{ name: 'b' }, { name: 'c' }, { name: 'a' }],
          containers: [{ name: 'c' }],
        },
      },
      pod,
    );
    expect(patched.spec.containers.map((c: { name: string }) => c.name)).toEqual(['b', 'c', 'a']);
  });

  it('drops keys missing from $retainKeys, as kubectl apply does for a Deployment strategy', () => {
    const live = {
      spec: {
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } },
      },
    };
    const patched = applyStrategicMergePatch(live, { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } } }, deployment);
    expect(patched.spec.strategy).toEqual({ type: 'Recreate' });
  });

  it('refuses $retainKeys that do not cover the patched keys with 400', () => {
    const live = { spec: { strategy: { type: 'RollingUpdate' } } };
    expect(() => applyStrategicMergePatch(live, { spec: { strategy: { $retainKeys: [], type: 'Recreate' } } }, deployment)).toThrow(
      expect.objectContaining({
        code: 400,
        message: 'invalid patch format of retainKeys',
      }),
    );
  });

  it('fails like the apiserver when a merging list item lacks its merge key', () => {
    const live = makePod({ containers: [{ name: 'a' }] });
    let caught: unknown;
    try {
      applyStrategicMergePatch(live, { spec: { containers: [{ image: 'x' }] } }, pod);
    } catch (err: unknown) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(PatchError);
    expect(caught).toMatchObject({
      code: 500,
      message: 'map: map[image:x] does not contain declared merge key: name',
    });
  });

  it('refuses custom resources with 415 UnsupportedMediaType', () => {
    expect(() => applyStrategicMergePatch({}, { spec: {} }, { group: 'example.com', version: 'v1', kind: 'Widget' })).toThrow(
      expect.objectContaining({
        code: 415,
        reason: 'UnsupportedMediaType',
        message:
          'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml',
      }),
    );
  });

  it('treats built-in kinds without a detailed schema as plain maps', () => {
    const patched = applyStrategicMergePatch(
      { rules: [{ verbs: ['get'] }] },
      { rules: [{ verbs: ['list'] }] },
      { group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'Role' },
    );
    expect(patched.rules).toEqual([{ verbs: ['list'] }]);
  });

  it('applies a kubectl apply style patch with $setElementOrder and $retainKeys on volumes', () => {
    const live = makePod({
      containers: [{ name: 'app', image: 'a:1' }],
      volumes: [
        { name: 'cfg', configMap: { name: 'old' } },
        { name: 'tmp', emptyDir: {} },
      ],
    });
    const patched = applyStrategicMergePatch(
      live,
      {
        spec: {
          '$setElementOrder/volumes': [{ name: 'tmp' }, { name: 'cfg' }],
          volumes: [
            {
              $retainKeys: ['name', 'secret'],
              name: 'cfg',
              secret: { secretName: 's' },
            },
          ],
        },
      },
      pod,
    );
    expect(patched.spec.volumes).toEqual([
      { name: 'tmp', emptyDir: {} },
      { name: 'cfg', secret: { secretName: 's' } },
    ]);
  });
});

describe('strategic merge patch element order (apimachinery normalizeElementOrder)', () => {
  it('puts items new in the patch before the server-only ones, as kube-apiserver does for `kubectl patch`', () => {
    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: { template: { spec: { containers: [{ name: 'nginx', image: 'nginx', env: [{ name: 'MODE', value: 'a' }] }] } } },
    };
    const patched = applyStrategicMergePatch(
      deployment,
      { spec: { template: { spec: { containers: [{ name: 'nginx', env: [{ name: 'LEVEL', value: 'debug' }] }] } } } },
      { group: 'apps', version: 'v1', kind: 'Deployment' },
    );
    expect(patched.spec.template.spec.containers[0]?.env.map((e) => e.name)).toEqual(['LEVEL', 'MODE']);
  });
});
