import { CubeError } from '@cube/contracts';
import { checkRange, parseDuration, parseTime } from './metrics-params';

const limits = { maxRangeSeconds: 3600, maxPoints: 11_000 };

function reasonOf(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    if (error instanceof CubeError) return { code: error.code, reason: error.details['reason'] };
    throw error;
  }
  return null;
}

describe('metrics parameters', () => {
  it('reads times as Prometheus does: Unix seconds or RFC 3339', () => {
    expect(parseTime('time', '1700000000.5')).toBe(1700000000.5);
    expect(parseTime('time', '2023-11-14T22:13:20Z')).toBe(1700000000);
    expect(reasonOf(() => parseTime('time', 'yesterday'))).toEqual({ code: 'BAD_REQUEST', reason: 'invalid_parameter' });
  });

  it('reads durations as Prometheus does: units or seconds', () => {
    expect(parseDuration('step', '15')).toBe(15);
    expect(parseDuration('step', '1h30m')).toBe(5400);
    expect(parseDuration('step', '250ms')).toBe(0.25);
    expect(reasonOf(() => parseDuration('step', '5 minutes'))).toEqual({ code: 'BAD_REQUEST', reason: 'invalid_parameter' });
  });

  it('refuses a range that is backwards (400), too wide or too dense (422)', () => {
    expect(reasonOf(() => checkRange(100, 50, 1, limits))).toEqual({ code: 'BAD_REQUEST', reason: 'invalid_range' });
    expect(reasonOf(() => checkRange(0, 3601, 60, limits))).toEqual({ code: 'UNPROCESSABLE', reason: 'range_too_large' });
    // Prometheus' own rule: (end - start) / step + 1 points per series, at most 11,000.
    expect(reasonOf(() => checkRange(0, 3600, 0.3, limits))).toEqual({ code: 'UNPROCESSABLE', reason: 'too_many_points' });
    expect(reasonOf(() => checkRange(0, 3600, 1, limits))).toBeNull();
  });
});
