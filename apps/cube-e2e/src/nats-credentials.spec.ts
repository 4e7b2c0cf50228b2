import { Subjects } from '@cube/contracts';
import { Supervisor } from '@cube/dev-stack';
import { ServiceBus } from '@cube/messaging';
import { PrivateNatsServer } from '@cube/messaging/testing';
import { join } from 'node:path';
import { createTestDatabase, eventually, LineLog, ROOT, runApp } from './support';

const USER = 'cube-e2e';
const PASSWORD = 'nats-pass-7f3c9d2e1b';

// A NATS that admits one user: a built service connects with NATS_USER/NATS_PASSWORD (transport, bus and
// JetStream alike), is refused without them or with a wrong password, and never writes the password out.
describe('NATS credentials', () => {
  let nats: PrivateNatsServer;
  let database: { url: string; drop(): Promise<void> };
  let supervisor: Supervisor;
  const log = new LineLog();

  beforeAll(async () => {
    nats = await PrivateNatsServer.start({ user: USER, password: PASSWORD });
    database = await createTestDatabase('cube_e2e_nats_auth');
    supervisor = new Supervisor({ onLine: (name, line) => log.push(`[${name}] ${line}`) });
  });

  afterAll(async () => {
    await supervisor?.stopAll();
    await nats?.remove();
    await database?.drop();
  });

  const env = (extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv => ({
    PATH: process.env['PATH'],
    NATS_URL: nats.url,
    DATABASE_URL: database.url,
    LOG_LEVEL: 'info',
    ...extra,
  });

  it('refuses a service that brings no credentials, and one with a wrong password', async () => {
    for (const extra of [{}, { NATS_USER: USER, NATS_PASSWORD: 'not-the-password' }]) {
      const exit = await runApp('hotplug', env(extra));
      expect(exit.code).toBe(1);
      expect(`${exit.stdout}${exit.stderr}`).toMatch(/authorization violation/i);
      expect(`${exit.stdout}${exit.stderr}`).not.toContain('not-the-password');
    }
  }, 60_000);

  it('lets a service in with NATS_USER and NATS_PASSWORD: it answers over the bus and never logs the password', async () => {
    supervisor.start({
      name: 'hotplug',
      command: process.execPath,
      args: [join(ROOT, 'dist/apps/hotplug/main.js')],
      cwd: ROOT,
      env: env({ NATS_USER: USER, NATS_PASSWORD: PASSWORD }),
    });
    const bus = new ServiceBus({ service: 'e2e', servers: [nats.url], requestTimeoutMs: 2000, auth: { user: USER, pass: PASSWORD } });
    bus.start();
    try {
      const reply = await eventually('hotplug answers its ping', 60_000, () => bus.requestAsSystem(Subjects.health.ping('hotplug'), {}));
      expect(reply).toMatchObject({ service: 'hotplug', status: 'ok', dependencies: { nats: 'up', database: 'up' } });
    } finally {
      await bus.close();
    }
    await supervisor.stop('hotplug');
    expect(log.all().length).toBeGreaterThan(0);
    expect(log.all().filter((line) => line.includes(PASSWORD))).toEqual([]);
  }, 90_000);
});
