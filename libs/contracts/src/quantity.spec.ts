import { compareQuantities, formatQuantity, isQuantity, parseQuantity } from './quantity';
import { isCountingQuotaKey, isQuotaKey } from './quota-keys';

const same = (a: string, b: string) => compareQuantities(parseQuantity(a), parseQuantity(b));

describe('Kubernetes quantities', () => {
  it('reads plain, milli, decimal and binary amounts exactly', () => {
    expect(parseQuantity('1')).toBe(1_000_000_000n);
    expect(parseQuantity('500m')).toBe(500_000_000n);
    expect(parseQuantity('1.5')).toBe(1_500_000_000n);
    expect(parseQuantity('2Gi')).toBe(2n * 1024n ** 3n * 1_000_000_000n);
    expect(parseQuantity('1k')).toBe(1000n * 1_000_000_000n);
    expect(parseQuantity('3n')).toBe(3n);
    expect(parseQuantity('.5')).toBe(500_000_000n);
    expect(parseQuantity('+2')).toBe(2_000_000_000n);
  });

  it('treats 0.1 and 100m as the same amount', () => {
    expect(same('0.1', '100m')).toBe(0);
  });

  it('treats 1Gi and 1024Mi as the same amount, and 1G as less', () => {
    expect(same('1Gi', '1024Mi')).toBe(0);
    expect(same('1G', '1Gi')).toBe(-1);
    expect(same('1Gi', '1073741824')).toBe(0);
  });

  it('reads exponents: 1e3 is 1000 and 1E-3 is 1m', () => {
    expect(same('1e3', '1000')).toBe(0);
    expect(same('1E-3', '1m')).toBe(0);
    expect(same('2.5e2', '250')).toBe(0);
  });

  it('sums without floating point error (0.1 + 0.2 = 300m)', () => {
    expect(parseQuantity('0.1') + parseQuantity('0.2')).toBe(parseQuantity('300m'));
  });

  it('rounds amounts finer than a nano-unit up, as Kubernetes does', () => {
    expect(parseQuantity('0.1n')).toBe(1n);
    expect(parseQuantity('1e-12')).toBe(1n);
  });

  it('handles amounts far beyond 2^53 exactly', () => {
    expect(parseQuantity('8Ei') - parseQuantity('8Ei') + parseQuantity('1n')).toBe(1n);
    expect(same('9007199254740993', '9007199254740992')).toBe(1);
  });

  it('refuses negative amounts, units it does not know and junk', () => {
    for (const bad of ['-1', '1KiB', '1 Gi', '', 'abc', '1.2.3', '1m1', 'Gi', '1e', '0x10', '1e1000']) {
      expect(isQuantity(bad)).toBe(false);
    }
  });

  it('formats sums canonically', () => {
    expect(formatQuantity(parseQuantity('1.5'))).toBe('1500m');
    expect(formatQuantity(parseQuantity('2'))).toBe('2');
    expect(formatQuantity(parseQuantity('1024Mi'))).toBe('1Gi');
    expect(formatQuantity(parseQuantity('1e3'))).toBe('1000');
    expect(formatQuantity(0n)).toBe('0');
    expect(formatQuantity(parseQuantity('1u'))).toBe('1u');
    for (const text of ['1500m', '3Gi', '7n', '12']) expect(formatQuantity(parseQuantity(text))).toBe(text);
  });
});

describe('quota keys', () => {
  it('accepts the quota resources of Cube and object counts', () => {
    for (const key of ['requests.cpu', 'limits.memory', 'pods', 'requests.nvidia.com/gpu', 'count/deployments.apps', 'count/configmaps']) {
      expect(isQuotaKey(key)).toBe(true);
    }
  });

  it('refuses anything else', () => {
    for (const key of ['cpu', 'requests.gpu', 'count/', 'count/Deployments', 'limits.storage', 'services.nodeports']) {
      expect(isQuotaKey(key)).toBe(false);
    }
  });

  it('knows which keys count whole objects', () => {
    expect(isCountingQuotaKey('pods')).toBe(true);
    expect(isCountingQuotaKey('count/secrets')).toBe(true);
    expect(isCountingQuotaKey('requests.cpu')).toBe(false);
  });
});
