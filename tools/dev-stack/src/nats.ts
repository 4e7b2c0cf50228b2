import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { answersTcp, freePort } from './ports';

export class NatsNotAvailableError extends Error {}

/** A nats-server with JetStream started for the dev stack when none answers. */
export class LocalNatsServer {
  private constructor(
    private child: ChildProcess,
    readonly port: number,
    private readonly storeDir: string,
  ) {}

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  /** nats-server from the PATH, else Debian's /usr/sbin (not on a non-root PATH). */
  static binary(): string | undefined {
    return ['nats-server', '/usr/sbin/nats-server', '/usr/local/sbin/nats-server'].find(
      (candidate) => spawnSync(candidate, ['--version'], { stdio: 'ignore' }).status === 0,
    );
  }

  static isInstalled(): boolean {
    return LocalNatsServer.binary() !== undefined;
  }

  static async start(stateDir: string): Promise<LocalNatsServer> {
    if (!LocalNatsServer.isInstalled()) {
      throw new NatsNotAvailableError(
        'no NATS answers at NATS_URL and nats-server is not on the PATH: install it (Debian: apt-get install nats-server; ' +
          'or https://docs.nats.io/running-a-nats-service/introduction/installation) or set NATS_URL',
      );
    }
    const storeDir = join(stateDir, 'nats');
    await mkdir(storeDir, { recursive: true });
    const port = await freePort();
    return new LocalNatsServer(await LocalNatsServer.spawn(port, storeDir), port, storeDir);
  }

  private static async spawn(port: number, storeDir: string): Promise<ChildProcess> {
    const child = spawn(LocalNatsServer.binary() ?? 'nats-server', ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', storeDir], {
      stdio: 'ignore',
    });
    const exited = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`nats-server exited with ${code}`))));
    const ready = (async () => {
      while (!(await answersTcp('127.0.0.1', port, 200))) await new Promise((r) => setTimeout(r, 50));
    })();
    await Promise.race([ready, exited]);
    exited.catch(() => undefined);
    return child;
  }

  /** Stops the server and starts it again on the same port and JetStream store (tests of outages). */
  async restart(): Promise<void> {
    await this.stop();
    this.child = await LocalNatsServer.spawn(this.port, this.storeDir);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    await exited;
  }
}
