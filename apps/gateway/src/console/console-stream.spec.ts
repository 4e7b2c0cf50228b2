import { parseControl } from './console-stream';
import { containerOf } from './console-access';
import { CubeError } from '@cube/contracts';

describe('the browser control frame', () => {
  it('reads a resize', () => {
    expect(parseControl('{"type":"resize","cols":120,"rows":40}')).toEqual({ cols: 120, rows: 40 });
  });

  it.each([
    ['not JSON', 'resize 120 40'],
    ['an unknown type', '{"type":"paste","cols":1,"rows":1}'],
    ['a dimension that is not a number', '{"type":"resize","cols":"wide","rows":40}'],
    ['a zero dimension', '{"type":"resize","cols":0,"rows":40}'],
    ['a fractional dimension', '{"type":"resize","cols":80.5,"rows":40}'],
    ['a huge dimension', '{"type":"resize","cols":80,"rows":100000}'],
    ['an array', '[1,2]'],
    ['null', 'null'],
  ])('refuses %s', (_what, text) => {
    expect(parseControl(text)).toBeUndefined();
  });
});

describe('the container of a session', () => {
  const pod = (containers: string[], annotations: Record<string, string> = {}) => ({
    metadata: { name: 'web', annotations },
    spec: { containers: containers.map((name) => ({ name })), initContainers: [{ name: 'init' }] },
  });

  it('is the one named, an init container included', () => {
    expect(containerOf(pod(['app', 'sidecar']), 'sidecar')).toBe('sidecar');
    expect(containerOf(pod(['app']), 'init')).toBe('init');
  });

  it('is the only one, or the default-container annotation, when none is named (as kubectl exec)', () => {
    expect(containerOf(pod(['app']), undefined)).toBe('app');
    expect(containerOf(pod(['app', 'sidecar'], { 'kubectl.kubernetes.io/default-container': 'sidecar' }), undefined)).toBe('sidecar');
  });

  it('is refused with 422 when unknown or ambiguous', () => {
    const unknown = (() => {
      try {
        containerOf(pod(['app']), 'nope');
        return undefined;
      } catch (error: unknown) {
        return error;
      }
    })();
    expect(unknown).toBeInstanceOf(CubeError);
    expect((unknown as CubeError).code).toBe('UNPROCESSABLE');
    expect(() => containerOf(pod(['app', 'sidecar']), undefined)).toThrow(/several containers/);
  });
});
