import { ChildProcess, spawn } from 'node:child_process';
import { createServer, Server } from 'node:http';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort } from '@cube/dev-stack';
import { tempDir, until } from './support';

/**
 * A real Prometheus (Debian's package, 2.42) for tests: its own config, TSDB and loopback port in a temp
 * dir, `--web.enable-remote-write-receiver` as the central store runs, `--web.enable-lifecycle` so rule
 * changes are reloaded with `/-/reload`. It scrapes a `TestExporter` every second with `honor_labels`,
 * which stands for member clusters' Prometheus writing `cluster`/`namespace`-labelled series.
 */
export interface PrometheusOptions {
  /** Scraped every second, labels kept as exposed. */
  scrapeTarget: string;
  /** A glob of rule files to evaluate every second. */
  ruleFiles?: string;
  /** Alertmanager (host:port) that firing alerts are sent to. */
  alertmanager?: string;
}

const PROMETHEUS_CANDIDATES = ['/usr/bin/prometheus', '/usr/local/bin/prometheus'];
const ALERTMANAGER_CANDIDATES = ['/usr/bin/prometheus-alertmanager', '/usr/local/bin/alertmanager'];

export class TestPrometheus {
  private constructor(
    private readonly child: ChildProcess,
    private readonly dir: { path: string; remove(): Promise<void> },
    readonly port: number,
    private readonly output: string[],
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  static async start(options: PrometheusOptions): Promise<TestPrometheus> {
    const binary = firstExisting(PROMETHEUS_CANDIDATES, 'prometheus (apt-get install prometheus; .ci/run does it)');
    const dir = await tempDir('cube-prometheus');
    const port = await freePort();
    const config = [
      'global: { scrape_interval: 1s, evaluation_interval: 1s }',
      ...(options.ruleFiles ? [`rule_files: ['${options.ruleFiles}']`] : []),
      ...(options.alertmanager
        ? [`alerting: { alertmanagers: [ { static_configs: [ { targets: ['${options.alertmanager}'] } ] } ] }`]
        : []),
      'scrape_configs:',
      `  - { job_name: members, honor_labels: true, static_configs: [ { targets: ['${options.scrapeTarget}'] } ] }`,
    ].join('\n');
    await writeFile(join(dir.path, 'prometheus.yml'), config);
    const output: string[] = [];
    const child = spawn(
      binary,
      [
        `--config.file=${join(dir.path, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir.path, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--web.enable-remote-write-receiver',
        '--web.enable-lifecycle',
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    const server = new TestPrometheus(child, dir, port, output);
    try {
      await until('prometheus ready', async () => (await fetch(`${server.url}/-/ready`).catch(() => null))?.status === 200, 30_000);
      return server;
    } catch (error: unknown) {
      await server.stop();
      throw new Error(`${String(error)}\n${output.join('')}`);
    }
  }

  async stop(): Promise<void> {
    await stopChild(this.child);
    await this.dir.remove();
  }

  get log(): string {
    return this.output.join('');
  }
}

/** Debian's `prometheus-alertmanager`, configured by the file a test (or Cube) writes, reloaded with `/-/reload`. */
export class TestAlertmanager {
  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
    private readonly output: string[],
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  get log(): string {
    return this.output.join('');
  }

  /** Starts on `configFile` (which must exist) with its data under `dataDir`. */
  static async start(configFile: string, dataDir: string): Promise<TestAlertmanager> {
    const binary = firstExisting(ALERTMANAGER_CANDIDATES, 'prometheus-alertmanager (apt-get install prometheus-alertmanager)');
    const port = await freePort();
    const output: string[] = [];
    const child = spawn(
      binary,
      [
        `--config.file=${configFile}`,
        `--storage.path=${dataDir}`,
        `--web.listen-address=127.0.0.1:${port}`,
        // No gossip: a single test instance (port 0 would still bind; an empty address turns the cluster off).
        '--cluster.listen-address=',
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    const server = new TestAlertmanager(child, port, output);
    try {
      await until('alertmanager ready', async () => (await fetch(`${server.url}/-/ready`).catch(() => null))?.status === 200, 30_000);
      return server;
    } catch (error: unknown) {
      await stopChild(child);
      throw new Error(`${String(error)}\n${output.join('')}`);
    }
  }

  async stop(): Promise<void> {
    await stopChild(this.child);
  }
}

/**
 * What member clusters' monitoring would write: gauges and counters labelled with `cluster` and
 * `namespace`, served in the Prometheus text format; `set` changes a value for the next scrape.
 */
export class TestExporter {
  private readonly values = new Map<string, { name: string; labels: Record<string, string>; value: number }>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  get target(): string {
    return `127.0.0.1:${this.port}`;
  }

  static async start(): Promise<TestExporter> {
    const port = await freePort();
    let exporter: TestExporter | null = null;
    const server = createServer((_req, res) => {
      res.setHeader('Content-Type', 'text/plain; version=0.0.4');
      res.end(exporter?.exposition() ?? '');
    });
    exporter = new TestExporter(server, port);
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    return exporter;
  }

  set(name: string, labels: Record<string, string>, value: number): void {
    this.values.set(`${name}${JSON.stringify(Object.entries(labels).sort())}`, { name, labels, value });
  }

  private exposition(): string {
    return [...this.values.values()]
      .map(({ name, labels, value }) => {
        const pairs = Object.entries(labels).map(([key, label]) => `${key}=${JSON.stringify(label)}`);
        return `${name}{${pairs.join(',')}} ${value}\n`;
      })
      .join('');
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

function firstExisting(candidates: string[], missing: string): string {
  const found = candidates.find((path) => existsSync(path));
  if (!found) throw new Error(`${missing} is not installed`);
  return found;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}
