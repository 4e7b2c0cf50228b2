import { applyJsonPatch } from './json-patch';
import { PatchError } from './patch-error';

const configMap = () => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'c1' },
  data: { k: 'v' },
});

function thrown(fn: () => unknown): PatchError {
  try {
    fn();
  } catch (err: unknown) {
    if (err instanceof PatchError) return err;
    throw err;
  }
  throw new Error('expected a PatchError');
}

describe('applyJsonPatch', () => {
  it('applies RFC 6902 operations to a copy of the object', () => {
    const live = configMap();
    const patched = applyJsonPatch(live, [
      { op: 'add', path: '/data/k2', value: 'v2' },
      { op: 'replace', path: '/data/k', value: 'w' },
      { op: 'test', path: '/metadata/name', value: 'c1' },
    ]);
    expect(patched.data).toEqual({ k: 'w', k2: 'v2' });
    expect(live.data).toEqual({ k: 'v' });
  });

  it('answers an operation on a missing path with the generic 422 Invalid message', () => {
    const err = thrown(() => applyJsonPatch(configMap(), [{ op: 'replace', path: '/data/missing', value: 'x' }]));
    expect(err).toMatchObject({
      code: 422,
      reason: 'Invalid',
      message: 'the server rejected our request due to an error in our request',
    });
  });

  it('answers a failed test operation with 422 as well', () => {
    const err = thrown(() => applyJsonPatch(configMap(), [{ op: 'test', path: '/data/k', value: 'nope' }]));
    expect(err.code).toBe(422);
  });

  it('refuses a body that is not a list of operations with 400 and the Go decoding message', () => {
    const err = thrown(() => applyJsonPatch(configMap(), { op: 'add' }));
    expect(err).toMatchObject({
      code: 400,
      reason: 'BadRequest',
      message: 'json: cannot unmarshal object into Go value of type jsonpatch.Patch',
    });
    expect(thrown(() => applyJsonPatch(configMap(), ['x'])).message).toBe(
      'json: cannot unmarshal string into Go value of type jsonpatch.Operation',
    );
  });

  it('rejects operations outside RFC 6902 like evanphx/json-patch does', () => {
    expect(thrown(() => applyJsonPatch(configMap(), [{ op: '_get', path: '/data' }])).code).toBe(422);
  });
});
