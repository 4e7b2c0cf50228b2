import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ROOT } from '../support';

export interface TestOidcUser {
  name: string;
  email: string;
  groups: string[];
}

export interface TestOidcProviderOptions {
  clientId: string;
  clientSecret: string;
  /** The gateway's callback, registered as the client's only redirect URI. */
  redirectUri: string;
  users: Record<string, TestOidcUser>;
}

/**
 * A real OpenID provider (oidc-provider) in a child process on a free loopback port, with one
 * confidential client that must use PKCE; see test-provider.mjs for why a child process.
 */
export class TestOidcProvider {
  private constructor(
    private readonly child: ChildProcess,
    readonly issuer: string,
  ) {}

  static async start(options: TestOidcProviderOptions): Promise<TestOidcProvider> {
    const child = spawn(process.execPath, [join(ROOT, 'apps/cube-e2e/src/oidc/test-provider.mjs')], {
      cwd: ROOT,
      env: { PATH: process.env['PATH'], TEST_OIDC_CONFIG: JSON.stringify(options) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const issuer = await new Promise<string>((resolve, reject) => {
      const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
      lines.once('line', (line) => {
        try {
          resolve(String((JSON.parse(line) as { issuer: string }).issuer));
        } catch {
          reject(new Error(`unexpected first line from the OIDC provider: ${line}`));
        }
      });
      child.once('exit', (code) => reject(new Error(`the OIDC provider exited (${code}): ${stderr}`)));
    });
    return new TestOidcProvider(child, issuer);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    await exited;
  }
}
