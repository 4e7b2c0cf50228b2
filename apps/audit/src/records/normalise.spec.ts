import { AuditRecord } from '@cube/contracts';
import { firstBrokenLink, GENESIS_HASH, linkChain } from './audit-chain';
import { fromK8sEvent, K8sAuditEvent, REDACTED, toEntry } from './normalise';

const secretCreate: K8sAuditEvent = {
  auditID: '5d1c1a3e-0000-4000-8000-000000000001',
  stage: 'ResponseComplete',
  verb: 'create',
  requestURI: '/api/v1/namespaces/web/secrets',
  user: { username: 'cube-platform', groups: ['system:masters', 'system:authenticated'] },
  impersonatedUser: { username: 'alice', groups: ['dev'] },
  sourceIPs: ['10.1.2.3'],
  userAgent: 'kubectl/v1.31.0',
  objectRef: { resource: 'secrets', namespace: 'web', name: 'db', apiGroup: '' },
  responseStatus: { code: 201 },
  requestObject: {
    kind: 'Secret',
    apiVersion: 'v1',
    metadata: { name: 'db' },
    data: { password: 'aHVudGVyMg==' },
    stringData: { user: 'root' },
  },
  requestReceivedTimestamp: '2026-11-26T10:00:00.000100Z',
  stageTimestamp: '2026-11-26T10:00:00.012100Z',
};

describe('native audit normalisation', () => {
  const allowList = new Set(['secrets', 'configmaps']);

  it('records the impersonated Cube user, not the platform credentials that made the request', () => {
    const entry = toEntry(fromK8sEvent('member-a', secretCreate, allowList));
    expect(entry).toMatchObject({
      id: secretCreate.auditID,
      source: 'kubernetes',
      actor: { user: 'alice', groups: ['dev'], sourceIP: '10.1.2.3', userAgent: 'kubectl/v1.31.0' },
      action: 'create',
      target: { cluster: 'member-a', namespace: 'web', resource: 'secrets', name: 'db', apiGroup: null },
      requestId: secretCreate.auditID,
      outcome: { status: 'success', code: 201, reason: null },
      latencyMs: 12,
    });
  });

  it('keeps an allow-listed body with every Secret value redacted, keys kept', () => {
    const entry = toEntry(fromK8sEvent('member-a', secretCreate, allowList));
    expect(entry.requestBody).toEqual({
      kind: 'Secret',
      apiVersion: 'v1',
      metadata: { name: 'db' },
      data: { password: REDACTED },
      stringData: { user: REDACTED },
    });
    expect(JSON.stringify(entry)).not.toContain('aHVudGVyMg==');
  });

  it('drops the body of a resource not on the allow-list', () => {
    const event = { ...secretCreate, objectRef: { resource: 'pods', namespace: 'web', name: 'p' }, requestObject: { kind: 'Pod' } };
    expect(toEntry(fromK8sEvent('member-a', event, allowList)).requestBody).toBeNull();
  });

  it('redacts Secret data a producer put in a body, whoever sent it', () => {
    const record: AuditRecord = {
      id: 'r1',
      at: '2026-11-26T10:00:00.000Z',
      source: 'platform',
      service: 'tenancy',
      requestId: 'q',
      actor: { kind: 'user', name: 'bob', groups: [] },
      action: 'secret.copy',
      target: { kind: 'Secret', name: 's' },
      outcome: 'success',
      requestBody: { items: [{ kind: 'Secret', data: { k: 'v' } }] },
    };
    expect(toEntry(record).requestBody).toEqual({ items: [{ kind: 'Secret', data: { k: REDACTED } }] });
  });

  it('marks a refused request as a failure with its reason, and keys a watch stage apart', () => {
    const denied = { ...secretCreate, responseStatus: { code: 403, reason: 'Forbidden' } };
    expect(toEntry(fromK8sEvent('member-a', denied, allowList)).outcome).toEqual({ status: 'failure', code: 403, reason: 'Forbidden' });
    expect(fromK8sEvent('member-a', { ...secretCreate, stage: 'ResponseStarted' }, allowList).id).toBe(
      `${secretCreate.auditID}/ResponseStarted`,
    );
  });
});

describe('the Cube request of a native event', () => {
  const viaCube: K8sAuditEvent = {
    ...secretCreate,
    impersonatedUser: { username: 'alice', groups: ['dev'], extra: { 'cube-request-id': ['req-42'], 'cube-tenant': ['acme'] } },
  };

  it("takes the impersonated user's cube-request-id extra as the platform request id, keeping the member's audit id", () => {
    const entry = toEntry(fromK8sEvent('member-a', viaCube, new Set()));
    expect(entry).toMatchObject({ id: secretCreate.auditID, requestId: secretCreate.auditID, platformRequestId: 'req-42' });
  });

  it('ignores an extra of the authenticated user (not set by Cube), several values, and one that is no request id', () => {
    const fromUser = {
      ...secretCreate,
      user: { username: 'mallory', extra: { 'cube-request-id': ['req-42'] } },
      impersonatedUser: undefined,
    };
    const several = { ...viaCube, impersonatedUser: { username: 'alice', extra: { 'cube-request-id': ['a', 'b'] } } };
    const odd = { ...viaCube, impersonatedUser: { username: 'alice', extra: { 'cube-request-id': ['no spaces allowed'] } } };
    for (const event of [secretCreate, fromUser, several, odd])
      expect(Object.keys(toEntry(fromK8sEvent('member-a', event, new Set())))).not.toContain('platformRequestId');
  });

  it('keeps the hash of a record without one unchanged (the field is absent, not null)', () => {
    const entry = toEntry(fromK8sEvent('member-a', secretCreate, new Set()));
    expect('platformRequestId' in entry).toBe(false);
    const { linked } = linkChain([toEntry(fromK8sEvent('member-a', viaCube, new Set()))], GENESIS_HASH);
    expect(firstBrokenLink(linked, GENESIS_HASH)).toBeNull();
    expect(
      firstBrokenLink(
        linked.map((entry) => ({ ...entry, platformRequestId: 'req-43' })),
        GENESIS_HASH,
      ),
    ).not.toBeNull();
  });

  it("is never taken from a platform record's fields", () => {
    const record: AuditRecord = {
      id: 'p1',
      at: '2026-11-26T10:00:00.000Z',
      source: 'platform',
      service: 'tenancy',
      requestId: 'req-42',
      actor: { kind: 'user', name: 'bob', groups: [] },
      action: 'tenant.create',
      target: { kind: 'Tenant', name: 'acme' },
      outcome: 'success',
      platformRequestId: 'req-41',
    };
    expect('platformRequestId' in toEntry(record)).toBe(false);
  });
});

describe('hash chain', () => {
  it('detects a changed record and a reordered one', () => {
    const entries = ['a', 'b', 'c'].map((id) => toEntry({ ...fromK8sEvent('m', { ...secretCreate, auditID: id }, new Set()) }));
    const { linked } = linkChain(entries, GENESIS_HASH);
    expect(firstBrokenLink(linked, GENESIS_HASH)).toBeNull();
    const edited = linked.map((entry) => (entry.id === 'b' ? { ...entry, action: 'delete' } : entry));
    expect(firstBrokenLink(edited, GENESIS_HASH)?.entry.id).toBe('b');
    expect(
      firstBrokenLink(
        [linked[0], linked[2], linked[1]].filter((e) => e !== undefined),
        GENESIS_HASH,
      )?.entry.id,
    ).toBe('c');
  });
});

describe('Cube records', () => {
  it('files a login under the user who logged in, not the anonymous caller', () => {
    const login: AuditRecord = {
      id: 'l1',
      at: '2026-11-26T10:00:00.000Z',
      source: 'platform',
      service: 'identity',
      requestId: 'q',
      actor: { kind: 'system', name: 'anonymous' },
      action: 'auth.login',
      target: { kind: 'User', name: 'alice', clientIp: '10.0.0.9' },
      outcome: 'failure',
      reason: 'UNAUTHENTICATED: invalid user name or password',
    };
    expect(toEntry(login)).toMatchObject({ actor: { user: 'alice', sourceIP: '10.0.0.9' }, outcome: { status: 'failure' } });
  });
});
