import { CubeError } from '@cube/contracts';
import { PathParamPipe } from './path-params';

describe('path parameter kinds', () => {
  const refusal = (pipe: PathParamPipe, value: unknown) => {
    try {
      pipe.transform(value);
    } catch (error: unknown) {
      return (error as CubeError).toBody();
    }
    return undefined;
  };

  it('passes a DNS label and refuses anything else with 400 naming the parameter', () => {
    const tenant = new PathParamPipe('tenant', 'name');
    expect(tenant.transform('acme-1')).toBe('acme-1');
    expect(tenant.transform('a'.repeat(63))).toBe('a'.repeat(63));
    for (const bad of ['a\u0000b', 'A', '-a', 'a-', '..', '', 'a'.repeat(64), 'é', 'a.b', 'a/b']) {
      expect(refusal(tenant, bad)).toEqual({
        code: 'BAD_REQUEST',
        message: 'invalid request: path parameter tenant',
        details: { fields: [{ field: 'tenant', in: 'path', problems: [expect.stringContaining('tenant must be a DNS label')] }] },
      });
    }
  });

  it('passes a UUID and refuses anything else', () => {
    const id = new PathParamPipe('id', 'id');
    expect(id.transform('0b9f3b0e-7d3c-4c1e-9a55-1c2d3e4f5a6b')).toBe('0b9f3b0e-7d3c-4c1e-9a55-1c2d3e4f5a6b');
    for (const bad of ['1', '0b9f3b0e-7d3c-4c1e-9a55-1c2d3e4f5a6b\u0000', 'not-a-uuid', '../x']) {
      expect(refusal(id, bad)?.details).toEqual({ fields: [{ field: 'id', in: 'path', problems: ['id must be a UUID'] }] });
    }
  });

  it('passes an audit record id (a UUID, or a native audit ID with its stage) and refuses anything else', () => {
    const id = new PathParamPipe('id', 'recordId');
    for (const good of ['0b9f3b0e-7d3c-4c1e-9a55-1c2d3e4f5a6b', '0b9f3b0e-7d3c-4c1e-9a55-1c2d3e4f5a6b/ResponseStarted'])
      expect(id.transform(good)).toBe(good);
    for (const bad of ['', '../x', '/x', 'a b', 'a\u0000', 'a'.repeat(513)]) {
      expect(refusal(id, bad)?.details).toEqual({
        fields: [{ field: 'id', in: 'path', problems: [expect.stringContaining('id must be an audit record id')] }],
      });
    }
  });
});
