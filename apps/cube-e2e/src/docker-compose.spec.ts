import { spawnSync } from 'node:child_process';
import { parse } from 'yaml';
import { ROOT } from './support';

/** `docker compose config` where the Compose v2 plugin exists, else Debian's `docker-compose`. */
function composeConfig(): { status: number | null; stdout: string; stderr: string; tool: string } {
  const plugin = spawnSync('docker', ['compose', 'version'], { encoding: 'utf8' });
  const [command, args] = plugin.status === 0 ? ['docker', ['compose', 'config']] : ['docker-compose', ['config']];
  const result = spawnSync(command, args, { cwd: ROOT, encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout ?? '', stderr: result.stderr ?? String(result.error ?? ''), tool: command };
}

describe('docker-compose.yml', () => {
  const config = composeConfig();

  it('is accepted by Docker Compose', () => {
    expect({ status: config.status, stderr: config.stderr }).toEqual({ status: 0, stderr: '' });
  });

  it('runs the infrastructure and every app from the one Cube image', () => {
    const services = (
      parse(config.stdout) as { services: Record<string, { image: string; command?: string[]; build?: { dockerfile: string } }> }
    ).services;
    expect(Object.keys(services).sort()).toEqual(
      ['audit', 'clusters', 'console', 'elasticsearch', 'gateway', 'hotplug', 'identity', 'nats', 'postgres', 'tenancy', 'warden'].sort(),
    );
    for (const app of ['gateway', 'identity', 'tenancy', 'clusters', 'audit', 'hotplug', 'console', 'warden']) {
      expect(services[app]?.image).toBe('cube:local');
      expect(services[app]?.build?.dockerfile).toBe('deploy/Dockerfile');
      expect(services[app]?.command).toEqual([`dist/apps/${app}/main.js`]);
    }
    expect(services['postgres']?.image).toBe('postgres:16');
    expect(services['nats']?.command).toContain('-js');
  });

  it('health-checks every service and starts each only after what it depends on is healthy', () => {
    type Service = { healthcheck?: { test: string[] }; depends_on?: Record<string, { condition: string }> };
    const services = (parse(config.stdout) as { services: Record<string, Service> }).services;
    for (const [name, service] of Object.entries(services)) {
      expect(service.healthcheck?.test.length).toBeGreaterThan(1);
      for (const [dependency, { condition }] of Object.entries(service.depends_on ?? {}))
        expect(`${name} -> ${dependency}: ${condition}`).toBe(`${name} -> ${dependency}: service_healthy`);
    }
    // The gateway answers clients only once every control-plane service is there to answer it.
    expect(Object.keys(services['gateway']?.depends_on ?? {}).sort()).toEqual(
      ['audit', 'clusters', 'console', 'hotplug', 'identity', 'nats', 'tenancy'].sort(),
    );
  });
});
