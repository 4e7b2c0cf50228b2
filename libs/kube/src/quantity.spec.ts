import { formatQuantity, quantityValue, sumResourceLists } from './quantity';

describe('Kubernetes quantities', () => {
  it('reads decimal and binary suffixes in base units', () => {
    expect(quantityValue('500m')).toBe(0.5);
    expect(quantityValue('2')).toBe(2);
    expect(quantityValue('1Gi')).toBe(1073741824);
    expect(quantityValue('1k')).toBe(1000);
    expect(quantityValue('lots')).toBeNaN();
  });

  it('formats fractions as millis', () => {
    expect(formatQuantity(1.5)).toBe('1500m');
    expect(formatQuantity(3)).toBe('3');
  });

  it('adds resource lists key by key', () => {
    expect(
      sumResourceLists([
        { 'requests.cpu': '500m', pods: '10' },
        { 'requests.cpu': '1', 'requests.memory': '1Gi' },
      ]),
    ).toEqual({
      pods: '10',
      'requests.cpu': '1500m',
      'requests.memory': '1073741824',
    });
  });
});
