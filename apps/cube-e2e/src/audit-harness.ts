import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { freePort } from '@cube/dev-stack';
import { ROOT, until } from './support';

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

/**
 * A PostgreSQL cluster of the test's own (initdb + pg_ctl, run as the `postgres` user when the
 * tests run as root), so a test can restart it under a running service.
 */
export class RestartablePostgres {
  private constructor(
    readonly port: number,
    private readonly dir: string,
  ) {}

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  /** initdb/pg_ctl from the PATH, else from Debian's versioned directory (not on the PATH there). */
  private static binary(name: 'initdb' | 'pg_ctl'): string {
    if (spawnSync(name, ['--version']).status === 0) return name;
    const versions = existsSync('/usr/lib/postgresql') ? readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a)) : [];
    const found = versions.map((v) => `/usr/lib/postgresql/${v}/bin/${name}`).find((path) => existsSync(path));
    if (!found) throw new Error(`${name} is neither on the PATH nor under /usr/lib/postgresql/*/bin: install PostgreSQL's server package`);
    return found;
  }

  static async start(): Promise<RestartablePostgres> {
    const dir = await mkdtemp(join(tmpdir(), 'cube-audit-pg-'));
    await chmod(dir, 0o777);
    const pg = new RestartablePostgres(await freePort(), dir);
    pg.run(RestartablePostgres.binary('initdb'), ['-D', pg.data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8']);
    await pg.begin();
    return pg;
  }

  private get data(): string {
    return join(this.dir, 'data');
  }

  async stop(): Promise<void> {
    this.run(RestartablePostgres.binary('pg_ctl'), ['-D', this.data, '-m', 'fast', '-w', 'stop']);
  }

  async begin(): Promise<void> {
    this.run(RestartablePostgres.binary('pg_ctl'), [
      '-D',
      this.data,
      '-l',
      join(this.dir, 'log'),
      '-w',
      '-o',
      `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1`,
      'start',
    ]);
    await until(`PostgreSQL on ${this.port}`, () => answers(this.port), 20_000);
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.begin();
  }

  async remove(): Promise<void> {
    if (spawnSync(RestartablePostgres.binary('pg_ctl'), ['-D', this.data, 'status']).status === 0) await this.stop();
    await rm(this.dir, { recursive: true, force: true });
  }

  private run(command: string, args: string[]): void {
    const asRoot = process.getuid?.() === 0;
    const result = asRoot
      ? spawnSync('runuser', ['-u', 'postgres', '--', command, ...args], {
          encoding: 'utf8',
        })
      : spawnSync(command, args, { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`${command} failed: ${result.stderr || result.stdout}`);
  }
}

/** The built audit service as its own process. */
export class AuditProcess {
  readonly lines: string[] = [];
  private constructor(private readonly child: ChildProcess) {}

  static start(env: NodeJS.ProcessEnv): AuditProcess {
    const child = spawn(process.execPath, [join(ROOT, 'dist/apps/audit/main.js')], {
      cwd: ROOT,
      env: { PATH: process.env['PATH'], ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const audit = new AuditProcess(child);
    for (const stream of [child.stdout, child.stderr])
      if (stream) createInterface({ input: stream }).on('line', (line) => audit.lines.push(line));
    return audit;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    await exited;
  }
}
