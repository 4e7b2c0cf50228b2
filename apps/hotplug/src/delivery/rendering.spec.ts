import { monitoring } from '../catalog/monitoring/monitoring.component';
import { metricsServer } from '../catalog/metrics-server/metrics-server.component';
import { configFingerprint, objectKey, renderComponent } from './rendering';

describe('rendering a component', () => {
  const config = { enabled: true, values: monitoring.defaultValues };

  it('gives the same bytes for the same config, and labels every object with component and generation', () => {
    const first = renderComponent(monitoring, config, 'east', 3);
    const again = renderComponent(monitoring, { enabled: true, values: JSON.parse(JSON.stringify(monitoring.defaultValues)) }, 'east', 3);
    expect(JSON.stringify([...first])).toBe(JSON.stringify([...again]));
    for (const object of first.values())
      expect(object.metadata?.labels).toMatchObject({ 'cube.io/component': 'monitoring', 'cube.io/component-generation': '3' });
    expect(configFingerprint(monitoring, config)).toBe(
      configFingerprint(monitoring, { enabled: true, values: JSON.parse(JSON.stringify(monitoring.defaultValues)) }),
    );
  });

  it("puts the cluster name into Prometheus' external labels and the values' remote_write URL into its config", () => {
    const values = {
      ...monitoring.defaultValues,
      prometheus: {
        ...(monitoring.defaultValues['prometheus'] as object),
        remoteWrite: { url: 'https://metrics.example.com/api/v1/write' },
      },
    };
    const rendered = renderComponent(monitoring, { enabled: true, values }, 'east', 1);
    const config = [...rendered.values()].find((o) => o.kind === 'ConfigMap' && o.metadata?.name === 'prometheus-config') as {
      data: Record<string, string>;
    };
    expect(config.data['prometheus.yml']).toContain('cluster: east');
    expect(config.data['prometheus.yml']).toContain('url: https://metrics.example.com/api/v1/write');
  });

  it('renders nothing for a disabled component and keys objects safely for NATS', () => {
    expect(renderComponent(monitoring, { enabled: false, values: {} }, 'east', 1).size).toBe(0);
    const keys = [...renderComponent(metricsServer, { enabled: true, values: metricsServer.defaultValues }, 'east', 1).keys()];
    expect(keys).toContain('hotplug.metrics-server.clusterrole._.system=3ametrics-server');
    for (const key of keys) expect(key).toMatch(/^[-/_=.a-zA-Z0-9]+$/);
    expect(
      objectKey('x', { apiVersion: 'apiregistration.k8s.io/v1', kind: 'APIService', metadata: { name: 'v1beta1.metrics.k8s.io' } }),
    ).toBe('hotplug.x.apiservice._.v1beta1=2emetrics=2ek8s=2eio');
  });
});
