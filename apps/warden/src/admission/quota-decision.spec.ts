import { TenantLedgerEntry } from '@cube/contracts';
import { decideQuotaChange } from './quota-decision';

const makeEntry = (overrides: Partial<TenantLedgerEntry> = {}): TenantLedgerEntry => ({
  tenant: 'acme',
  cluster: 'member-a',
  hard: { 'requests.cpu': '4', 'requests.memory': '8Gi' },
  namespaces: { 'team-a': { 'requests.cpu': '1', 'requests.memory': '2Gi' }, 'team-b': { 'requests.cpu': '1500m' }, 'team-c': {} },
  version: 3,
  ...overrides,
});

describe('decideQuotaChange', () => {
  it('allows a namespace quota that keeps the tenant within its hard, exactly at the limit included', () => {
    expect(
      decideQuotaChange({ namespace: 'team-a', name: 'cube-quota', hard: { 'requests.cpu': '2500m', 'requests.memory': '8Gi' } }, [
        makeEntry(),
      ]),
    ).toEqual({
      allowed: true,
      reason: 'within the tenant quota',
    });
  });

  it('denies a raise beyond the tenant hard, naming resource, requested, tenant hard and what the others hold', () => {
    const decision = decideQuotaChange(
      {
        namespace: 'team-a',
        name: 'cube-quota',
        hard: { 'requests.cpu': '3', 'requests.memory': '2Gi' },
        oldHard: { 'requests.cpu': '1', 'requests.memory': '2Gi' },
      },
      [makeEntry()],
    );
    expect(decision.allowed).toBe(false);
    const message = decision.allowed ? '' : decision.message;
    expect(message).toContain('tenant "acme"\'s quota in cluster "member-a"');
    expect(message).toContain(
      'requests.cpu: requested 3, tenant hard 4, other namespaces hold 1500m (team-b: 1500m), at most 2500m is free',
    );
    expect(message).not.toContain('requests.memory');
  });

  it('compares quantities exactly across units (1Gi is not 1G)', () => {
    const entry = makeEntry({ hard: { 'requests.memory': '1Gi' }, namespaces: { 'team-a': {} } });
    expect(decideQuotaChange({ namespace: 'team-a', name: 'q', hard: { 'requests.memory': '1073741824' } }, [entry]).allowed).toBe(true);
    expect(decideQuotaChange({ namespace: 'team-a', name: 'q', hard: { 'requests.memory': '1073741825' } }, [entry]).allowed).toBe(false);
    expect(decideQuotaChange({ namespace: 'team-a', name: 'q', hard: { 'requests.memory': '1G' } }, [entry]).allowed).toBe(true);
  });

  it('treats a resource the tenant has no quota for as having nothing free, as tenancy does', () => {
    const decision = decideQuotaChange({ namespace: 'team-c', name: 'extra', hard: { pods: '10' } }, [makeEntry()]);
    expect(decision.allowed).toBe(false);
    expect(decision.allowed ? '' : decision.message).toContain('pods: requested 10, tenant hard none');
  });

  it('lets a change pass that raises nothing, even when the namespace is already over (a ledger that is behind)', () => {
    const entry = makeEntry({ hard: { 'requests.cpu': '1' } });
    expect(
      decideQuotaChange({ namespace: 'team-a', name: 'cube-quota', hard: { 'requests.cpu': '1' }, oldHard: { 'requests.cpu': '2' } }, [
        entry,
      ]).allowed,
    ).toBe(true);
  });

  it('lets namespaces the ledger does not know pass, and finds the tenant among several', () => {
    expect(decideQuotaChange({ namespace: 'kube-public', name: 'q', hard: { 'requests.cpu': '100' } }, [makeEntry()]).allowed).toBe(true);
    const other = makeEntry({ tenant: 'globex', hard: { 'requests.cpu': '100' }, namespaces: { ops: {} } });
    expect(decideQuotaChange({ namespace: 'ops', name: 'q', hard: { 'requests.cpu': '50' } }, [makeEntry(), other]).allowed).toBe(true);
    expect(decideQuotaChange({ namespace: 'team-c', name: 'q', hard: { 'requests.cpu': '50' } }, [makeEntry(), other]).allowed).toBe(false);
  });

  it('denies a malformed quantity with the reason instead of throwing', () => {
    const decision = decideQuotaChange({ namespace: 'team-a', name: 'q', hard: { 'requests.cpu': 'lots' } }, [makeEntry()]);
    expect(decision.allowed).toBe(false);
  });
});
