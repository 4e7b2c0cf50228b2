import { readdirSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { RunningStack } from '@cube/dev-stack';
import { eventually, gatewayClient, LineLog, startTestStack, TestStack, waitForStatus } from './support';

const ADMIN_PASSWORD = 'e2e-workers-secret-2026';

/** The process ids of a process's children (Linux /proc). */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    const listed = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
    if (listed) out.push(...listed.split(/\s+/).map(Number));
  }
  return out;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

// CUBE_GATEWAY_WORKERS=2: one port, two gateway workers (node:cluster), each with its own NATS
// connection and caches. Every request below goes out on a connection of its own, so the primary
// hands them to the workers in turn and both answer.
describe('gateway workers (CUBE_GATEWAY_WORKERS)', () => {
  const log = new LineLog();
  let running: TestStack;
  let stack: RunningStack;
  const client = gatewayClient(() => stack.gatewayUrl);

  /** A GET on a fresh connection (no keep-alive), with its status. */
  const fresh = (path: string, token: string) =>
    new Promise<number>((resolve, reject) => {
      const req = request(`${stack.gatewayUrl}${path}`, { agent: false, headers: { Authorization: `Bearer ${token}` } }, (res) => {
        res.resume();
        res.once('end', () => resolve(res.statusCode ?? 0));
      });
      req.once('error', reject);
      req.end();
    });

  beforeAll(async () => {
    running = await startTestStack('workers', { CUBE_ADMIN_PASSWORD: ADMIN_PASSWORD, CUBE_GATEWAY_WORKERS: '2' }, log.push);
    stack = running.stack;
    await waitForStatus(`${stack.gatewayUrl}/readyz`, 200);
  }, 180_000);

  afterAll(async () => {
    await running?.stop();
  });

  it('runs two workers on the one port, each refusing a revoked API token and a disabled user', async () => {
    const primary = stack.supervisor.pid('gateway') ?? 0;
    expect(childrenOf(primary)).toHaveLength(2);
    const admin = await client.token('admin', ADMIN_PASSWORD);
    const created = await client.call('POST', '/api/v1/tokens', { token: admin, body: { name: 'workers' } });
    expect(created.status).toBe(201);
    const secret = String(created.body['token']);
    // Both workers verify the token (and cache the answer).
    expect(await Promise.all([1, 2, 3, 4].map(() => fresh('/api/v1/users', secret)))).toEqual([200, 200, 200, 200]);
    expect((await client.call('DELETE', `/api/v1/tokens/${String(created.body['id'])}`, { token: admin })).status).toBe(204);
    // Within the documented 10 s, every worker refuses it.
    await eventually('the revoked token refused by every worker', 10_000, async () =>
      (await Promise.all([1, 2, 3, 4].map(() => fresh('/api/v1/users', secret)))).every((status) => status === 401) ? true : undefined,
    );

    expect(
      (await client.call('POST', '/api/v1/users', { token: admin, body: { name: 'wendy', password: 'workers long secret' } })).status,
    ).toBe(201);
    const wendy = await client.token('wendy', 'workers long secret');
    expect(await Promise.all([1, 2, 3, 4].map(() => fresh('/api/v1/me', wendy)))).toEqual([200, 200, 200, 200]);
    expect((await client.call('PATCH', '/api/v1/users/wendy', { token: admin, body: { state: 'disabled' } })).status).toBe(200);
    await eventually('the disabled user refused by every worker', 10_000, async () =>
      (await Promise.all([1, 2, 3, 4].map(() => fresh('/api/v1/me', wendy)))).every((status) => status === 401) ? true : undefined,
    );
  });

  it('replaces a worker that dies, and stops every worker on SIGTERM with exit code 0', async () => {
    const primary = stack.supervisor.pid('gateway') ?? 0;
    const [first, second] = childrenOf(primary);
    process.kill(first ?? 0, 'SIGKILL');
    const replaced = await eventually('a new worker', 60_000, async () => {
      const now = childrenOf(primary);
      return now.length === 2 && !now.includes(first ?? 0) ? now : undefined;
    });
    expect(replaced).toContain(second);
    await eventually('the new worker serving', 60_000, async () =>
      (await Promise.all([1, 2, 3, 4].map(() => fresh('/readyz', '')))).every((status) => status === 200) ? true : undefined,
    );

    const workers = childrenOf(primary);
    expect(await stack.stopProcess('gateway')).toBe(0);
    expect(workers.filter(alive)).toEqual([]);
  });
});
