import { Readiness } from './readiness.service';
import { readinessStatus } from './health.controller';

const base: Readiness = { ready: true, nats: 'up', missing: [], degraded: [], services: {} };

describe('readinessStatus', () => {
  it('is ready when NATS and every service answer', () => {
    expect(readinessStatus(base)).toBe('ready');
  });

  it('is degraded while NATS is up and a service has no replica answering', () => {
    expect(readinessStatus({ ...base, ready: false, missing: ['tenancy'] })).toBe('degraded');
  });

  it('is degraded while a service answers with a dependency down', () => {
    expect(readinessStatus({ ...base, ready: false, degraded: ['audit'] })).toBe('degraded');
  });

  it('is unavailable when the gateway has no NATS connection', () => {
    expect(readinessStatus({ ...base, ready: false, nats: 'down', missing: ['identity', 'tenancy'] })).toBe('unavailable');
  });
});
