import { connect, NatsConnection } from 'nats';
import { RoleBinding } from '@cube/contracts';
import { AbilitiesService, BINDING_EVENTS } from './abilities.service';
import { BindingsRepository } from './bindings.repository';

const NATS_URL = process.env['NATS_URL'] ?? 'nats://127.0.0.1:4222';

describe('AbilitiesService on the real NATS', () => {
  let nats: NatsConnection;
  let bindings: RoleBinding[];
  let loads: number;
  let service: AbilitiesService;
  const repository = { forPrincipal: async () => (loads++, bindings) } as unknown as BindingsRepository;
  const alice = { kind: 'user' as const, name: 'alice', groups: [] };
  const tenantAdmin: RoleBinding = {
    id: 'b1',
    subject: { kind: 'User', name: 'alice' },
    role: 'tenant-admin',
    scope: { kind: 'tenant', tenant: 'acme' },
    createdAt: '2026-01-01T00:00:00Z',
    createdBy: 'admin',
    origin: 'manual',
    version: 1,
  };

  beforeAll(async () => {
    nats = await connect({ servers: NATS_URL });
  });
  afterAll(() => nats.close());

  beforeEach(() => {
    bindings = [];
    loads = 0;
    service = new AbilitiesService(repository, nats);
    service.onModuleInit();
  });
  afterEach(() => service.onModuleDestroy());

  it('keeps an ability cached until a binding event arrives from any replica', async () => {
    expect((await service.abilityOf(alice)).can('update', 'Tenant')).toBe(false);
    bindings = [tenantAdmin];
    expect((await service.abilityOf(alice)).can('update', 'Tenant')).toBe(false);
    expect(loads).toBe(1);

    // Another replica created the binding: its event reaches this one.
    const other = await connect({ servers: NATS_URL });
    other.publish(BINDING_EVENTS.replace('*', 'created'), new Uint8Array());
    await other.flush();
    await other.close();
    await nats.flush();

    expect((await service.abilityOf(alice)).can('update', 'Tenant')).toBe(true);
    expect(loads).toBe(2);
  });
});
