import { haDrillProblems, HaDrillResult, runHaDrill } from './ha/ha-drill';

// The HA drill of `npm run drill -- ha` (ha/ha-drill.ts), bounded: two replicas of the gateway and of the
// services the load calls (the long drill: of every service) on a 3-node JetStream cluster lose one replica
// each, then a NATS node, and come back.
const SERVICES = ['identity', 'tenancy', 'audit'] as const;

describe('high availability: losing any one replica, or one NATS node', () => {
  let result: HaDrillResult;

  beforeAll(async () => {
    result = await runHaDrill({ loadSeconds: 15, clients: 4, services: SERVICES });
  }, 300_000);

  it('kills one replica of the gateway and of each replicated service, then a NATS node, under load', () => {
    expect(result.disruptions.map((d) => d.target)).toEqual(['gateway', ...SERVICES, 'nats']);
    expect(result.requests.total).toBeGreaterThan(20);
  });

  it('loses no audit record or event, over-allocates no quota, converges, and fails only requests in flight on a killed process', () => {
    expect({ problems: haDrillProblems(result), unexplained: result.errors.unexplained }).toEqual({ problems: [], unexplained: [] });
    expect(result.audit.expected).toBeGreaterThan(0);
    expect(result.events.expected).toBeGreaterThan(0);
  });

  it('reports /readyz degraded, naming the service, while it has no replica, and ready once it is back', () => {
    expect(result.readyz.degradedBody).toMatchObject({ status: 'degraded', nats: 'up', missing: ['console'] });
    expect(result.readyz.recoveredAfterMs).not.toBeNull();
  });
});
