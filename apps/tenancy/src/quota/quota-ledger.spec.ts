import { formatAmounts, HardMap, namespaceAllocationRefusal, sumHard, tenantQuotaRefusal } from './quota-ledger';

describe('quota ledger rules', () => {
  const tenant = { 'requests.cpu': '4', 'requests.memory': '8Gi', pods: '10' };

  it('lets a namespace take exactly what is free', () => {
    expect(namespaceAllocationRefusal(tenant, [{ 'requests.cpu': '3500m' }], { 'requests.cpu': '0.5' })).toBeNull();
    expect(namespaceAllocationRefusal(tenant, [{ 'requests.memory': '7Gi' }], { 'requests.memory': '1024Mi' })).toBeNull();
  });

  it('refuses a namespace quota larger than what the tenant has free, saying what is free', () => {
    expect(namespaceAllocationRefusal(tenant, [{ 'requests.cpu': '3500m' }], { 'requests.cpu': '501m', pods: '2' })).toEqual({
      free: { pods: '10', 'requests.cpu': '500m' },
      shortfall: { 'requests.cpu': '1m' },
    });
  });

  it('has nothing free of a resource the tenant has no quota for', () => {
    expect(namespaceAllocationRefusal(tenant, [], { 'limits.cpu': '1' })).toEqual({
      free: { 'limits.cpu': '0' },
      shortfall: { 'limits.cpu': '1' },
    });
    expect(namespaceAllocationRefusal({}, [], { 'requests.cpu': '0' })).toBeNull();
  });

  it('sums shares exactly: ten times 100m is 1', () => {
    const shares = Array.from({ length: 10 }, () => ({ 'requests.cpu': '0.1' }));
    expect(formatAmounts(sumHard(shares))).toEqual({ 'requests.cpu': '1' });
    expect(namespaceAllocationRefusal({ 'requests.cpu': '1' }, shares, { 'requests.cpu': '1n' })).not.toBeNull();
  });

  it('refuses lowering a tenant quota below what its namespaces hold, with the shortfall per resource', () => {
    const namespaces: HardMap[] = [{ 'requests.cpu': '1', 'requests.memory': '1Gi' }, { 'requests.cpu': '1500m' }];
    expect(tenantQuotaRefusal({ 'requests.cpu': '2', 'requests.memory': '1Gi' }, namespaces)).toEqual({
      allocated: { 'requests.cpu': '2500m', 'requests.memory': '1Gi' },
      shortfall: { 'requests.cpu': '500m' },
    });
    expect(tenantQuotaRefusal({ 'requests.cpu': '2.5', 'requests.memory': '1073741824' }, namespaces)).toBeNull();
    expect(tenantQuotaRefusal({ 'requests.cpu': '3' }, namespaces)).toEqual({
      allocated: { 'requests.cpu': '2500m', 'requests.memory': '1Gi' },
      shortfall: { 'requests.memory': '1Gi' },
    });
  });
});
