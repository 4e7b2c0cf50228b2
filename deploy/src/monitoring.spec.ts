// deploy/grafana and deploy/prometheus as an operator uses them: the dashboard is a Grafana dashboard
// whose every PromQL expression parses (the official grammar, and Prometheus' own parser via promtool)
// and names only metrics Cube registers; the scrape configs load in Prometheus and match the manifests.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parser } from '@prometheus-io/lezer-promql';
import { parse as parseYaml } from 'yaml';
import { cubeMetricSampleNames } from '@cube/observability';

const PROMTOOL = process.env['PROMTOOL'] ?? 'promtool';
const DEPLOY = join(__dirname, '..');

interface Target {
  refId: string;
  expr: string;
  datasource: { type: string; uid: string };
}
interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { h: number; w: number; x: number; y: number };
  datasource?: { type: string; uid: string };
  targets?: Target[];
}
interface Dashboard {
  uid: string;
  title: string;
  schemaVersion: number;
  panels: Panel[];
  templating: { list: { name: string; type: string; query: string }[] };
}

function promtool(args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(PROMTOOL, args, { timeout: 60_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, output: `${stdout}${stderr}` }),
    );
  });
}

/** Grafana's interval macro as Prometheus sees it once Grafana substituted it. */
const asPromql = (expr: string) => expr.replace(/\$__rate_interval/g, '5m');

/** Syntax errors and the metric names of every vector selector, from the official PromQL grammar. */
function selectorsOf(expr: string): { errors: number[]; metrics: string[] } {
  const errors: number[] = [];
  const metrics: string[] = [];
  parser.parse(expr).iterate({
    enter: (node) => {
      if (node.type.isError) errors.push(node.from);
      if (node.name === 'VectorSelector') {
        const name = node.node.getChild('Identifier');
        if (name) metrics.push(expr.slice(name.from, name.to));
        // A selector without a name (`{__name__=~"…"}`) could match anything: the dashboard never uses one.
        else metrics.push(`<unnamed selector at ${node.from}>`);
      }
    },
  });
  return { errors, metrics };
}

describe('deploy/grafana/cube-dashboard.json', () => {
  const dashboard = JSON.parse(readFileSync(join(DEPLOY, 'grafana', 'cube-dashboard.json'), 'utf8')) as Dashboard;
  const queried = dashboard.panels.filter((panel) => panel.type !== 'row');
  const targets = queried.flatMap((panel) => (panel.targets ?? []).map((target) => ({ panel: panel.title, ...target })));

  it('is a Grafana dashboard: uid, schema version, unique panel ids on the 24-column grid, a Prometheus data source variable', () => {
    expect(dashboard.uid).toMatch(/^[a-zA-Z0-9_-]{1,40}$/);
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
    const ids = dashboard.panels.map((panel) => panel.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const panel of dashboard.panels) {
      expect(panel.gridPos.x + panel.gridPos.w).toBeLessThanOrEqual(24);
      expect(panel.gridPos.h).toBeGreaterThan(0);
    }
    expect(dashboard.templating.list).toContainEqual(
      expect.objectContaining({ name: 'datasource', type: 'datasource', query: 'prometheus' }),
    );
    for (const panel of queried) {
      expect([panel.title, panel.datasource]).toEqual([panel.title, { type: 'prometheus', uid: '${datasource}' }]);
      expect([panel.title, panel.targets?.length ?? 0]).not.toEqual([panel.title, 0]);
    }
  });

  it('queries only metric names Cube registers, in PromQL the official grammar accepts', async () => {
    const registered = await cubeMetricSampleNames();
    const unknown: string[] = [];
    for (const target of targets) {
      const { errors, metrics } = selectorsOf(asPromql(target.expr));
      expect([target.panel, target.expr, errors]).toEqual([target.panel, target.expr, []]);
      expect(metrics.length).toBeGreaterThan(0);
      unknown.push(...metrics.filter((metric) => !registered.has(metric)).map((metric) => `${target.panel}: ${metric}`));
    }
    expect(unknown).toEqual([]);
    // The check can fail: a misspelt name is caught.
    expect(registered.has(selectorsOf('rate(cube_nats_request_total[5m])').metrics[0] ?? '')).toBe(false);
  });

  it("is accepted by Prometheus' own parser (each expression as a recording rule, checked by promtool)", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cube-dashboard-'));
    try {
      const rules = targets.map(
        (target, i) => `      - record: cube:dashboard:${i}\n        expr: ${JSON.stringify(asPromql(target.expr))}`,
      );
      const file = join(dir, 'rules.yml');
      writeFileSync(file, `groups:\n  - name: cube-dashboard\n    rules:\n${rules.join('\n')}\n`);
      const checked = await promtool(['check', 'rules', file]);
      expect(checked.output).toContain(`SUCCESS: ${targets.length} rules found`);
      expect(checked.code).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('Prometheus scrape configs', () => {
  it('deploy/prometheus/prometheus.yml loads in Prometheus and scrapes the ports npm start gives each process', async () => {
    const file = join(DEPLOY, 'prometheus', 'prometheus.yml');
    const checked = await promtool(['check', 'config', file]);
    expect(checked.output).toContain('SUCCESS');
    const config = parseYaml(readFileSync(file, 'utf8')) as {
      scrape_configs: { static_configs: { targets: string[]; labels: { process: string } }[] }[];
    };
    const targets = config.scrape_configs.flatMap((job) => job.static_configs.map((c) => [c.labels.process, c.targets[0]]));
    // tools/dev-stack LOCAL_HEALTH_PORTS, which `npm start` passes as CUBE_HEALTH_PORT.
    expect(Object.fromEntries(targets)).toEqual({
      gateway: '127.0.0.1:9464',
      identity: '127.0.0.1:9465',
      tenancy: '127.0.0.1:9466',
      clusters: '127.0.0.1:9467',
      audit: '127.0.0.1:9468',
      hotplug: '127.0.0.1:9469',
      console: '127.0.0.1:9470',
      warden: '127.0.0.1:9471',
    });
  });

  it('deploy/prometheus/prometheus-compose.yml loads in Prometheus and scrapes every app of docker-compose.yml on its internal port', async () => {
    const file = join(DEPLOY, 'prometheus', 'prometheus-compose.yml');
    const checked = await promtool(['check', 'config', file]);
    expect(checked.output).toContain('SUCCESS');
    const config = parseYaml(readFileSync(file, 'utf8')) as { scrape_configs: { static_configs: { targets: string[] }[] }[] };
    const compose = parseYaml(readFileSync(join(DEPLOY, '..', 'docker-compose.yml'), 'utf8'), { merge: true }) as {
      services: Record<string, { command?: string[]; environment?: Record<string, string> }>;
    };
    const apps = Object.entries(compose.services).filter(([, service]) => service.command?.[0]?.startsWith('dist/apps/'));
    expect(apps.length).toBe(8);
    for (const [, service] of apps) expect(service.environment?.['CUBE_HEALTH_PORT']).toBe('8081');
    const targets = config.scrape_configs.flatMap((job) => job.static_configs.flatMap((c) => c.targets));
    expect(targets.sort()).toEqual(apps.map(([name]) => `${name}:8081`).sort());
  });

  it('deploy/kubernetes/prometheus-scrape.yml keeps pods by the annotations the manifests carry and scrapes the health port', () => {
    const job = (
      parseYaml(readFileSync(join(DEPLOY, 'kubernetes', 'prometheus-scrape.yml'), 'utf8')) as {
        scrape_configs: {
          kubernetes_sd_configs: { role: string }[];
          relabel_configs: { source_labels?: string[]; regex?: string; action?: string }[];
        }[];
      }
    ).scrape_configs[0];
    expect(job?.kubernetes_sd_configs[0]?.role).toBe('pod');
    const keep = job?.relabel_configs.filter((rule) => rule.action === 'keep') ?? [];
    expect(keep.map((rule) => [rule.source_labels?.[0], rule.regex])).toEqual([
      ['__meta_kubernetes_pod_label_app_kubernetes_io_part_of', 'cube'],
      ['__meta_kubernetes_pod_annotation_prometheus_io_scrape', 'true'],
    ]);
    const patch = parseYaml(readFileSync(join(DEPLOY, 'kubernetes', 'base', 'app-hardening.yaml'), 'utf8')) as {
      spec: { template: { metadata: { annotations: Record<string, string> } } };
    };
    expect(patch.spec.template.metadata.annotations).toEqual({
      'prometheus.io/scrape': 'true',
      'prometheus.io/port': '8081',
      'prometheus.io/path': '/metrics',
    });
    const settings = readFileSync(join(DEPLOY, 'kubernetes', 'base', 'kustomization.yaml'), 'utf8');
    expect(settings).toContain('CUBE_HEALTH_PORT=8081');
  });
});
