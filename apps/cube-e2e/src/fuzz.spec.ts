import fc from 'fast-check';
import { KubeServer, startKubeServer } from '@cube/testing';
import { describeRequest, FuzzTarget } from './fuzz/fuzz-target';
import { send } from './fuzz/openapi-fuzz';
import { LineLog, startTestStack, TestStack, waitForStatus } from './support';

const ADMIN_PASSWORD = 'Fuzz-Suite-Passphrase-2026';
/** Bounded for `npm test`; `npm run drill -- fuzz` runs the long version. FUZZ_SEED replays a failure. */
const RUNS = Number(process.env['FUZZ_RUNS'] ?? 300);
const SEED = Number(process.env['FUZZ_SEED'] ?? 20261203);

// Every OpenAPI operation of the gateway driven with generated path parameters, queries and bodies,
// as the platform admin, an unprivileged user and nobody, against the real stack.
describe('the gateway under fuzzed input', () => {
  const log = new LineLog();
  let running: TestStack;
  let member: KubeServer;
  let target: FuzzTarget;

  beforeAll(async () => {
    member = await startKubeServer({ name: 'fz-member' });
    running = await startTestStack('fuzz', { CUBE_ADMIN_PASSWORD: ADMIN_PASSWORD }, log.push);
    await waitForStatus(`${running.stack.gatewayUrl}/readyz`, 200, 1200);
    target = new FuzzTarget({
      gatewayUrl: running.stack.gatewayUrl,
      databaseUrl: running.databaseUrl,
      adminPassword: ADMIN_PASSWORD,
      cluster: { name: 'fz-member', kubeconfig: member.kubeconfig },
    });
    await target.start();
  }, 300_000);

  afterAll(async () => {
    await target?.stop();
    await running?.stop();
    await member?.stop();
  });

  it('answers no request with a 5xx (503 aside), every refusal with its error body and no partial write', async () => {
    await fc.assert(
      fc.asyncProperty(target.requests(), async (request) => {
        const outcome = await target.exchange(request);
        if (outcome.problem)
          throw new Error(`${describeRequest(request)}\n  → ${outcome.problem}\n  (replay: FUZZ_SEED=${SEED} FUZZ_RUNS=${RUNS})`);
      }),
      { numRuns: RUNS, seed: SEED },
    );
    // The runs got past the first check: some requests succeeded, and refused writes were compared.
    const succeeded = [...target.stats.statuses].filter(([status]) => status < 300).reduce((sum, [, n]) => sum + n, 0);
    expect(succeeded).toBeGreaterThan(0);
    expect(target.stats.refusedWritesChecked).toBeGreaterThan(RUNS / 10);
  }, 600_000);

  // What the fuzz found, one request each: every NUL byte below was a 500 `internal error` (PostgreSQL
  // refuses U+0000); the overlong name and the malformed id show the path check itself.
  it.each([
    ['a NUL byte in a tenant name', 'GET', '/api/v1/tenants/a%00b', undefined, 'tenant'],
    ['a NUL byte in a cluster name', 'DELETE', '/api/v1/clusters/%C3%A9%00', undefined, 'cluster'],
    ['a NUL byte in a user name', 'PUT', '/api/v1/users/a%00/password', '{"newPassword":"Another passphrase 2026"}', 'user'],
    ['an overlong project name', 'GET', `/api/v1/tenants/fz-tenant/projects/${'x'.repeat(2000)}`, undefined, 'project'],
    ['a role binding id that is not a UUID', 'DELETE', '/api/v1/rolebindings/..%2F1', undefined, 'id'],
    ['a NUL byte in a cursor', 'GET', '/api/v1/users?cursor=%C3%A9%00', undefined, 'cursor'],
    ['a NUL byte in a token name', 'POST', '/api/v1/tokens', '{"name":"\\u0000"}', 'name'],
    ['a NUL byte in a tenant description', 'PATCH', '/api/v1/tenants/fz-tenant', '{"description":"a\\u0000b"}', 'description'],
  ])('refuses %s with 400 naming the field', async (_what, method, path, body, field) => {
    const response = await send(
      running.stack.gatewayUrl,
      { operation: 'regression', method, path, principal: 'admin', ...(body ? { body, contentType: 'application/json' } : {}) },
      target.adminToken(),
    );
    expect(response.status).toBe(400);
    expect(JSON.parse(response.text)).toMatchObject({ code: 'BAD_REQUEST', details: { fields: [{ field }] } });
  });

  it('answers a proxy request for a cluster that is not a name with a 404 Status, not a 500', async () => {
    const response = await send(
      running.stack.gatewayUrl,
      { operation: 'proxy', method: 'GET', path: '/api/v1/proxy/clusters/a%00b/api/v1/namespaces', principal: 'admin' },
      target.adminToken(),
    );
    expect(response.status).toBe(404);
    expect(JSON.parse(response.text)).toMatchObject({ kind: 'Status', code: 404, reason: 'NotFound' });
  });
});
