import { PatchError } from './patch-error';
import { applyServerSideApply, recordUpdateManager, type ManagedFieldsEntry } from './server-side-apply';

const T1 = '2026-01-01T00:00:01Z';
const T2 = '2026-01-01T00:00:02Z';
const T3 = '2026-01-01T00:00:03Z';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function makeConfigMap(data: Record<string, string>, extra: Obj = {}): Obj {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'c', ...extra },
    data,
  };
}

function makeDeployment(containers: Obj[]): Obj {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'd' },
    spec: { template: { spec: { containers } } },
  };
}

function apply(live: Obj | undefined, applied: Obj, manager: string, now = T1, force = false): Obj {
  return applyServerSideApply(live, applied, { manager, force, now }).object as Obj;
}

function managed(obj: Obj): ManagedFieldsEntry[] {
  return obj['metadata']['managedFields'];
}

function conflictOf(fn: () => unknown): PatchError {
  try {
    fn();
  } catch (err: unknown) {
    if (err instanceof PatchError) return err;
    throw err;
  }
  throw new Error('expected a conflict');
}

describe('applyServerSideApply', () => {
  it('creates the object and owns exactly the applied fields', () => {
    const created = apply(undefined, makeConfigMap({ a: '1' }, { labels: { app: 'x' } }), 'mgr');
    expect(created['data']).toEqual({ a: '1' });
    expect(managed(created)).toEqual([
      {
        manager: 'mgr',
        operation: 'Apply',
        apiVersion: 'v1',
        time: T1,
        fieldsType: 'FieldsV1',
        fieldsV1: {
          'f:data': { 'f:a': {} },
          'f:metadata': { 'f:labels': { 'f:app': {} } },
        },
      },
    ]);
  });

  it('lets the same manager change its own values without conflict', () => {
    const live = apply(undefined, makeConfigMap({ a: '1' }), 'mgr');
    const next = apply(live, makeConfigMap({ a: '2' }), 'mgr', T2);
    expect(next['data']).toEqual({ a: '2' });
    expect(managed(next)[0].time).toBe(T2);
  });

  it('keeps the previous time when a re-apply changes nothing', () => {
    const live = apply(undefined, makeConfigMap({ a: '1' }), 'mgr');
    expect(managed(apply(live, makeConfigMap({ a: '1' }), 'mgr', T2))[0].time).toBe(T1);
  });

  it('shares ownership when two appliers set the same value', () => {
    const live = apply(undefined, makeConfigMap({ a: '1' }), 'one');
    const next = apply(live, makeConfigMap({ a: '1', b: '2' }), 'two', T2);
    expect(managed(next).map((e) => [e.manager, e.fieldsV1])).toEqual([
      ['one', { 'f:data': { 'f:a': {} } }],
      ['two', { 'f:data': { 'f:a': {}, 'f:b': {} } }],
    ]);
  });

  it('refuses a different value for a field another applier owns', () => {
    const live = apply(undefined, makeConfigMap({ a: '1', b: '1' }), 'one');
    const err = conflictOf(() => apply(live, makeConfigMap({ a: '2', b: '2' }), 'two', T2));
    expect(err).toMatchObject({
      code: 409,
      reason: 'Conflict',
      message: 'Apply failed with 2 conflicts: conflicts with "one":\n- .data.a\n- .data.b',
      causes: [
        {
          reason: 'FieldManagerConflict',
          message: 'conflict with "one"',
          field: '.data.a',
        },
        {
          reason: 'FieldManagerConflict',
          message: 'conflict with "one"',
          field: '.data.b',
        },
      ],
    });
  });

  it('takes the field over when forced', () => {
    const live = apply(undefined, makeConfigMap({ a: '1', b: '1' }), 'one');
    const next = apply(live, makeConfigMap({ a: '2' }), 'two', T2, true);
    expect(next['data']).toEqual({ a: '2', b: '1' });
    expect(managed(next).map((e) => [e.manager, e.fieldsV1])).toEqual([
      ['one', { 'f:data': { 'f:b': {} } }],
      ['two', { 'f:data': { 'f:a': {} } }],
    ]);
  });

  it('removes a field the applier stopped applying when nobody else owns it', () => {
    const live = apply(undefined, makeConfigMap({ a: '1', b: '2' }), 'mgr');
    const next = apply(live, makeConfigMap({ a: '1' }), 'mgr', T2);
    expect(next['data']).toEqual({ a: '1' });
    expect(managed(next)[0].fieldsV1).toEqual({ 'f:data': { 'f:a': {} } });
  });

  it('removes the whole map field when its last applied key goes away', () => {
    const live = apply(undefined, makeConfigMap({ a: '1' }), 'mgr');
    const next = apply(live, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } }, 'mgr', T2);
    expect(next['data']).toBeUndefined();
    expect(next['metadata']['managedFields']).toBeUndefined();
  });

  it('keeps a field the applier stopped applying while another manager still owns it', () => {
    const live = apply(apply(undefined, makeConfigMap({ a: '1', b: '2' }), 'one'), makeConfigMap({ b: '2' }), 'two');
    const next = apply(live, makeConfigMap({ a: '1' }), 'one', T2);
    expect(next['data']).toEqual({ a: '1', b: '2' });
  });

  it('keeps fields written by ordinary updates when an applier drops them', () => {
    const live = apply(undefined, makeConfigMap({ a: '1' }), 'mgr');
    const edited = recordUpdateManager(live, { ...live, data: { a: '1', c: '3' } }, 'kubectl-edit', T2);
    const next = apply(edited, makeConfigMap({ a: '1' }), 'mgr', T3);
    expect(next['data']).toEqual({ a: '1', c: '3' });
  });

  it('conflicts with a value set by an ordinary update, naming the updater and its version', () => {
    const live = apply(undefined, makeConfigMap({ a: '1' }), 'mgr');
    const edited = recordUpdateManager(live, { ...live, data: { a: 'edited' } }, 'kubectl-edit', T2);
    expect(managed(edited).map((e) => [e.manager, e.operation, e.fieldsV1])).toEqual([
      ['kubectl-edit', 'Update', { 'f:data': { 'f:a': {} } }],
    ]);
    const err = conflictOf(() => apply(edited, makeConfigMap({ a: '1' }), 'mgr', T3));
    expect(err.message).toBe('Apply failed with 1 conflict: conflict with "kubectl-edit" using v1: .data.a');
    expect(err.causes).toEqual([
      {
        reason: 'FieldManagerConflict',
        message: 'conflict with "kubectl-edit" using v1',
        field: '.data.a',
      },
    ]);
  });

  it('tracks containers as an associative list keyed by name', () => {
    const live = apply(
      undefined,
      makeDeployment([
        { name: 'app', image: 'app:1', ports: [{ containerPort: 80 }] },
        { name: 'side', image: 'side:1' },
      ]),
      'mgr',
    );
    expect(managed(live)[0].fieldsV1).toEqual({
      'f:spec': {
        'f:template': {
          'f:spec': {
            'f:containers': {
              'k:{"name":"app"}': {
                '.': {},
                'f:image': {},
                'f:name': {},
                'f:ports': {
                  'k:{"containerPort":80,"protocol":"TCP"}': {
                    '.': {},
                    'f:containerPort': {},
                  },
                },
              },
              'k:{"name":"side"}': { '.': {}, 'f:image': {}, 'f:name': {} },
            },
          },
        },
      },
    });
    const next = apply(live, makeDeployment([{ name: 'app', image: 'app:2', ports: [{ containerPort: 80 }] }]), 'mgr', T2);
    expect(next['spec']['template']['spec']['containers']).toEqual([{ name: 'app', image: 'app:2', ports: [{ containerPort: 80 }] }]);
  });

  it('merges list items of different appliers and reports conflicts with the key path', () => {
    const live = apply(undefined, makeDeployment([{ name: 'app', image: 'app:1' }]), 'one');
    const merged = apply(live, makeDeployment([{ name: 'side', image: 'side:1' }]), 'two', T2);
    expect(merged['spec']['template']['spec']['containers'].map((c: Obj) => c['name'])).toEqual(['app', 'side']);
    const err = conflictOf(() => apply(merged, makeDeployment([{ name: 'app', image: 'app:2' }]), 'two', T3));
    expect(err.message).toBe('Apply failed with 1 conflict: conflict with "one": .spec.template.spec.containers[name="app"].image');
  });

  it('keys webhook configurations by webhook name: a Service reference replaced by a URL is dropped', () => {
    const vwc = (clientConfig: Obj, name = 'q.cube.io'): Obj => ({
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingWebhookConfiguration',
      metadata: { name: 'w' },
      webhooks: [{ name, clientConfig, sideEffects: 'None' }],
    });
    const byService = apply(undefined, vwc({ service: { namespace: 'cube-system', name: 'cube-warden' } }), 'cube');
    // Another applier's webhook sits beside it.
    const both = apply(byService, vwc({ url: 'https://other.example' }, 'other.example.com'), 'other', T2);
    const byUrl = apply(both, vwc({ url: 'https://127.0.0.1:8443' }), 'cube', T3);
    expect(byUrl['webhooks']).toEqual([
      {
        name: 'q.cube.io',
        clientConfig: { url: 'https://127.0.0.1:8443' },
        sideEffects: 'None',
      },
      {
        name: 'other.example.com',
        clientConfig: { url: 'https://other.example' },
        sideEffects: 'None',
      },
    ]);
  });

  it('treats finalizers as a set of values', () => {
    const live = apply(
      undefined,
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'c', finalizers: ['a/b'] },
      },
      'mgr',
    );
    expect(managed(live)[0].fieldsV1).toEqual({
      'f:metadata': { 'f:finalizers': { 'v:"a/b"': {} } },
    });
  });

  it('replaces atomic lists such as container args', () => {
    const live = apply(undefined, makeDeployment([{ name: 'app', args: ['a', 'b'] }]), 'mgr');
    const next = apply(live, makeDeployment([{ name: 'app', args: ['c'] }]), 'mgr', T2);
    expect(next['spec']['template']['spec']['containers'][0]['args']).toEqual(['c']);
    expect(managed(next)[0].fieldsV1?.['f:spec']).toMatchObject({
      'f:template': {
        'f:spec': { 'f:containers': { 'k:{"name":"app"}': { 'f:args': {} } } },
      },
    });
  });

  it('refuses managedFields in the applied configuration and a different apiVersion', () => {
    const live = apply(undefined, makeConfigMap({ a: '1' }), 'mgr');
    expect(() => apply(live, makeConfigMap({}, { managedFields: [] }), 'mgr')).toThrow('metadata.managedFields must be nil');
    expect(() => apply(live, { ...makeConfigMap({}), apiVersion: 'v2' }, 'mgr')).toThrow(
      'Incorrect version specified in apply patch. Specified patch version: v2, expected: v1',
    );
  });
});

describe('recordUpdateManager', () => {
  it('merges repeated writes by one manager into one entry and moves its time', () => {
    const created = recordUpdateManager(undefined, makeConfigMap({ a: '1' }), 'curl', T1);
    const updated = recordUpdateManager(created, { ...created, data: { a: '1', b: '2' } }, 'curl', T2);
    expect(managed(updated)).toEqual([
      {
        manager: 'curl',
        operation: 'Update',
        apiVersion: 'v1',
        time: T2,
        fieldsType: 'FieldsV1',
        fieldsV1: { 'f:data': { '.': {}, 'f:a': {}, 'f:b': {} } },
      },
    ]);
  });

  it('leaves the time alone when the write changes nothing', () => {
    const created = recordUpdateManager(undefined, makeConfigMap({ a: '1' }), 'curl', T1);
    expect(managed(recordUpdateManager(created, created, 'curl', T2))[0].time).toBe(T1);
  });

  it('takes removed fields away from every manager', () => {
    const created = recordUpdateManager(undefined, makeConfigMap({ a: '1', b: '2' }), 'one', T1);
    const updated = recordUpdateManager(created, { ...created, data: { a: '1' } }, 'two', T2);
    expect(managed(updated)).toEqual([
      expect.objectContaining({
        manager: 'one',
        fieldsV1: { 'f:data': { '.': {}, 'f:a': {} } },
      }),
    ]);
  });

  it('keeps the live managedFields when the request carries none, and resets them for []', () => {
    const created = recordUpdateManager(undefined, makeConfigMap({ a: '1' }), 'one', T1);
    const withoutFields = makeConfigMap({ a: '2' });
    // "one" keeps the data map it created; "two" takes the value it changed.
    expect(managed(recordUpdateManager(created, withoutFields, 'two', T2)).map((e) => [e.manager, e.fieldsV1])).toEqual([
      ['one', { 'f:data': {} }],
      ['two', { 'f:data': { 'f:a': {} } }],
    ]);
    const reset = recordUpdateManager(created, makeConfigMap({ a: '1' }, { managedFields: [] }), 'two', T2);
    expect(reset['metadata']['managedFields']).toBeUndefined();
  });

  it('never records status on the main resource of a kind with a status subresource', () => {
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p' },
      spec: { hostname: 'h' },
      status: { phase: 'Pending' },
    };
    expect(managed(recordUpdateManager(undefined, pod, 'curl', T1))[0].fieldsV1).toEqual({ 'f:spec': { 'f:hostname': {} } });
    expect(managed(apply(undefined, pod, 'mgr'))[0].fieldsV1).toEqual({
      'f:spec': { 'f:hostname': {} },
    });
  });
});

describe('server-side apply errors', () => {
  it('fails like the apiserver when an applied list item lacks its key', () => {
    const err = conflictOf(() => apply(undefined, makeDeployment([{ image: 'x' }]), 'mgr'));
    expect(err).toMatchObject({
      code: 500,
      reason: 'Unknown',
      message:
        'failed to create typed patch object (/d; apps/v1, Kind=Deployment): .spec.template.spec.containers: element 0: associative list with keys has an element that omits key field "name" (and doesn\'t have default value)',
    });
  });

  it('refuses duplicate keys in the applied configuration', () => {
    const err = conflictOf(() => apply(undefined, makeDeployment([{ name: 'a' }, { name: 'a' }]), 'mgr'));
    expect(err.message).toBe(
      'failed to create typed patch object (/d; apps/v1, Kind=Deployment): .spec.template.spec.containers: duplicate entries for key [name="a"]',
    );
  });

  it('keeps applied items after the live ones they follow', () => {
    const live = apply(undefined, makeDeployment([{ name: 'a' }, { name: 'b' }, { name: 'c' }]), 'one');
    const next = apply(live, makeDeployment([{ name: 'c' }, { name: 'd' }]), 'two', T2);
    expect(next['spec']['template']['spec']['containers'].map((c: Obj) => c['name'])).toEqual(['a', 'b', 'c', 'd']);
  });
});
