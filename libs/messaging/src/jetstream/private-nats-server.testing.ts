import { ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A port free at this moment, chosen by the kernel. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** A user and password the private server requires of every client. */
export interface PrivateNatsAuth {
  user?: string;
  password?: string;
}

/**
 * A nats-server with JetStream of a test's own, on a free port and a store directory that survives
 * `restart()`: what a test needs to stop NATS under a running publisher without touching the shared one.
 */
export class PrivateNatsServer {
  private child: ChildProcess | null = null;

  private constructor(
    readonly port: number,
    private readonly storeDir: string,
    private readonly auth: PrivateNatsAuth,
  ) {}

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  /** `auth`: the server admits only this user (every connection must authenticate). */
  static async start(auth: PrivateNatsAuth = {}): Promise<PrivateNatsServer> {
    const server = new PrivateNatsServer(await freePort(), await mkdtemp(join(tmpdir(), 'cube-nats-')), auth);
    await server.run();
    return server;
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
    this.child = null;
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.run();
  }

  async remove(): Promise<void> {
    await this.stop();
    await rm(this.storeDir, { recursive: true, force: true });
  }

  private async run(): Promise<void> {
    const args = ['-a', '127.0.0.1', '-p', String(this.port), '-js', '-sd', this.storeDir];
    if (this.auth.user) args.push('--user', this.auth.user, '--pass', this.auth.password ?? '');
    this.child = spawn('nats-server', args, { stdio: 'ignore' });
    const deadline = Date.now() + 10_000;
    while (!(await answers(this.port))) {
      if (Date.now() > deadline) throw new Error(`nats-server on ${this.port} did not start within 10 s`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}

/**
 * A JetStream cluster of `size` nats-server processes on loopback (client and route ports free at start),
 * each with its own store directory: what a test needs to prove that R3 streams survive losing a node.
 */
export class PrivateNatsCluster {
  private readonly children = new Map<number, ChildProcess>();

  private constructor(
    readonly clientPorts: number[],
    private readonly routePorts: number[],
    private readonly storeDirs: string[],
  ) {}

  /** Every node's URL, comma-separated as `NATS_URL` takes them. */
  get url(): string {
    return this.clientPorts.map((port) => `nats://127.0.0.1:${port}`).join(',');
  }

  static async start(size = 3): Promise<PrivateNatsCluster> {
    const clientPorts: number[] = [];
    const routePorts: number[] = [];
    const storeDirs: string[] = [];
    for (let i = 0; i < size; i++) {
      clientPorts.push(await freePort());
      routePorts.push(await freePort());
      storeDirs.push(await mkdtemp(join(tmpdir(), `cube-nats-${i}-`)));
    }
    const cluster = new PrivateNatsCluster(clientPorts, routePorts, storeDirs);
    for (let i = 0; i < size; i++) cluster.spawnNode(i);
    for (let i = 0; i < size; i++) await cluster.untilAnswers(i);
    return cluster;
  }

  /** kill -9 of one node: what losing a machine looks like to the others. */
  async kill(node: number): Promise<void> {
    const child = this.children.get(node);
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    this.children.delete(node);
  }

  async restart(node: number): Promise<void> {
    await this.kill(node);
    this.spawnNode(node);
    await this.untilAnswers(node);
  }

  async remove(): Promise<void> {
    for (const node of [...this.children.keys()]) {
      const child = this.children.get(node);
      if (!child || child.exitCode !== null) continue;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    this.children.clear();
    await Promise.all(this.storeDirs.map((dir) => rm(dir, { recursive: true, force: true })));
  }

  private spawnNode(node: number): void {
    const routes = this.routePorts.map((port) => `nats://127.0.0.1:${port}`).join(',');
    const args = ['-a', '127.0.0.1', '-p', String(this.clientPorts[node]), '-n', `cube-${node}`, '-js', '-sd', this.storeDirs[node]];
    args.push('--cluster_name', 'cube', '--cluster', `nats://127.0.0.1:${this.routePorts[node]}`, '--routes', routes);
    this.children.set(node, spawn('nats-server', args, { stdio: 'ignore' }));
  }

  private async untilAnswers(node: number): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (!(await answers(this.clientPorts[node]))) {
      if (Date.now() > deadline) throw new Error(`nats-server on ${this.clientPorts[node]} did not start within 10 s`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}
