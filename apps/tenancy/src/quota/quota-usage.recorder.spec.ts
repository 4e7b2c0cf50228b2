import { usageByNamespace } from './quota-usage.recorder';

describe('usageByNamespace', () => {
  it('keeps one used map per namespace, as exact quantities', () => {
    const usage = usageByNamespace([
      { namespace: 'a', hard: {}, used: { 'requests.cpu': '0.1', 'requests.memory': '1024Mi' } },
      { namespace: 'b', hard: {}, used: { pods: '2' } },
    ]);
    expect(Object.fromEntries(usage)).toEqual({ a: { 'requests.cpu': '100m', 'requests.memory': '1Gi' }, b: { pods: '2' } });
  });

  it('merges two ResourceQuotas of one namespace by the larger figure, never their sum', () => {
    const usage = usageByNamespace([
      { namespace: 'a', hard: {}, used: { pods: '3', 'requests.cpu': '500m' } },
      { namespace: 'a', hard: {}, used: { pods: '3' } },
    ]);
    expect(usage.get('a')).toEqual({ pods: '3', 'requests.cpu': '500m' });
  });

  it('skips entries that are not a namespace usage and amounts that are not quantities', () => {
    const usage = usageByNamespace([
      null,
      { namespace: 'Not A Label', used: { pods: '1' } },
      { namespace: 'c', used: { pods: 'lots', cpu: '1' } },
    ]);
    expect(Object.fromEntries(usage)).toEqual({ c: { cpu: '1' } });
  });
});
