import { CubeError } from './errors';

describe('CubeError', () => {
  it('round-trips through its wire body', () => {
    const original = new CubeError('CONFLICT', 'tenant "a" has projects', { projects: ['p'] });
    const body = JSON.parse(JSON.stringify(original.toBody()));
    expect(CubeError.isBody(body)).toBe(true);
    const restored = CubeError.fromBody(body);
    expect(restored).toBeInstanceOf(CubeError);
    expect(restored.toBody()).toEqual({ code: 'CONFLICT', message: 'tenant "a" has projects', details: { projects: ['p'] } });
  });

  it('does not mistake an arbitrary error object for a Cube error body', () => {
    expect(CubeError.isBody({ code: 'ECONNREFUSED', message: 'x' })).toBe(false);
    expect(CubeError.isBody({ message: 'Internal server error', status: 'error' })).toBe(false);
    expect(CubeError.isBody(null)).toBe(false);
  });
});
