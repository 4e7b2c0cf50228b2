import { describe, expect, it } from 'vitest';
import { parseQuantity, quotaLines } from './quantity';

describe('quantities', () => {
  it('parses decimal, binary and exponent suffixes as kube-apiserver does', () => {
    expect(parseQuantity('500m')).toBeCloseTo(0.5);
    expect(parseQuantity('2')).toBe(2);
    expect(parseQuantity('4Gi')).toBe(4 * 2 ** 30);
    expect(parseQuantity('1.5k')).toBe(1500);
    expect(parseQuantity('1e3')).toBe(1000);
    expect(parseQuantity('12x')).toBeUndefined();
  });

  it('draws allocated and used as shares of hard but keeps the exact strings', () => {
    const [cpu, memory] = quotaLines(
      { 'requests.cpu': '2', 'requests.memory': '4Gi' },
      { 'requests.cpu': '500m', 'requests.memory': '1Gi' },
      { 'requests.cpu': '250m' },
    );
    expect(cpu).toMatchObject({
      resource: 'requests.cpu',
      hard: '2',
      allocated: '500m',
      used: '250m',
      allocatedPercent: 25,
      usedPercent: 12.5,
      over: false,
    });
    expect(memory).toMatchObject({
      resource: 'requests.memory',
      hard: '4Gi',
      allocated: '1Gi',
      used: undefined,
      allocatedPercent: 25,
      usedPercent: 0,
    });
  });

  it('flags use beyond hard (a quota lowered under use) without drawing past the bar', () => {
    const [pods] = quotaLines({ pods: '10' }, { pods: '10' }, { pods: '12' });
    expect(pods).toMatchObject({ usedPercent: 100, allocatedPercent: 100, over: true, used: '12' });
  });
});
