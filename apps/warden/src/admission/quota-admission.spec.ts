import { TenantLedgerEntry } from '@cube/contracts';
import { quotaAdmission } from './quota-admission';

const ledger: TenantLedgerEntry[] = [
  {
    tenant: 'acme',
    cluster: 'a',
    hard: { 'requests.cpu': '2' },
    namespaces: { 'team-a': { 'requests.cpu': '1' }, 'team-b': { 'requests.cpu': '1' } },
    version: 1,
  },
];
const admit = quotaAdmission({
  ledger: () => ledger,
  trustedUsers: () => new Set(['system:serviceaccount:cube-system:cube-warden']),
  fieldManager: 'cube-warden',
});
const review = (username: string, operation = 'UPDATE', fieldManager = 'kubectl-edit') => ({
  apiVersion: 'admission.k8s.io/v1',
  kind: 'AdmissionReview',
  request: {
    uid: 'u-1',
    operation,
    namespace: 'team-a',
    name: 'cube-quota',
    userInfo: { username },
    object: { metadata: { name: 'cube-quota' }, spec: { hard: { 'requests.cpu': '5' } } },
    oldObject: { spec: { hard: { 'requests.cpu': '1' } } },
    options: { kind: `${operation === 'CREATE' ? 'Create' : 'Update'}Options`, apiVersion: 'meta.k8s.io/v1', fieldManager },
  },
});

describe('quotaAdmission', () => {
  it("denies someone else's raise beyond the tenant quota with a 403 Status, echoing the uid", async () => {
    const answer = await admit(review('ops'));
    expect(answer).toMatchObject({
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      response: { uid: 'u-1', allowed: false, status: { code: 403, reason: 'Forbidden' } },
    });
    expect(JSON.stringify(answer)).toContain('requests.cpu: requested 5, tenant hard 2');
  });

  it("lets Warden's own writes pass", async () => {
    expect(await admit(review('system:serviceaccount:cube-system:cube-warden', 'UPDATE', 'cube-warden'))).toMatchObject({
      response: { uid: 'u-1', allowed: true },
    });
  });

  it("judges a write by Warden's user under another field manager (the operator sharing its kubeconfig)", async () => {
    expect(await admit(review('system:serviceaccount:cube-system:cube-warden', 'UPDATE', 'kubectl-edit'))).toMatchObject({
      response: { allowed: false, status: { code: 403 } },
    });
  });

  it('answers a body that is not an AdmissionReview request with a refusal, not an exception', async () => {
    expect(await admit({ kind: 'Nonsense' })).toMatchObject({ response: { allowed: false, status: { code: 400 } } });
  });
});
