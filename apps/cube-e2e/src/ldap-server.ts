import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Client } from 'ldapts';
import { freePort } from '@cube/dev-stack';
import { tempDir } from './support';

/**
 * A real OpenLDAP `slapd` (Debian's package) for tests: its own slapd.conf, mdb database and
 * loopback port in a temp dir, run as the current user in the foreground, seeded with slapadd.
 * The directory has `ou=people` (inetOrgPerson users) and `ou=groups` (groupOfNames).
 * Optionally it also listens for LDAPS and StartTLS with a given certificate, and keeps users'
 * `memberOf` with the memberof overlay.
 */
export interface LdapTestUser {
  uid: string;
  password: string;
  cn?: string;
  mail?: string;
  telephoneNumber?: string;
}

/** PEM server certificate and key (e.g. from `makeCertificateAuthority().issue(...)` of @cube/testing). */
export interface LdapTestCertificate {
  cert: string;
  key: string;
}

export interface LdapTestOptions {
  /** Serve LDAPS on `ldapsUrl` and StartTLS on `url` with this certificate. */
  tls?: LdapTestCertificate;
  /** Refuse binds and searches on connections without TLS (`security tls=1`): proves StartTLS was used. */
  requireTls?: boolean;
  /** Load the memberof overlay: users carry `memberOf` for each groupOfNames listing them. */
  memberOf?: boolean;
}

export interface LdapTestGroup {
  cn: string;
  /** uids of the members (groupOfNames needs at least one). */
  members: string[];
}

const SLAPD_CANDIDATES = ['/usr/sbin/slapd', '/usr/local/sbin/slapd'];
const SCHEMAS = ['core', 'cosine', 'inetorgperson'];

/** RFC 2307 {SSHA}: what slapd verifies a simple bind against. */
function sshaHash(password: string): string {
  const salt = randomBytes(8);
  const digest = createHash('sha1').update(password).update(salt).digest();
  return `{SSHA}${Buffer.concat([digest, salt]).toString('base64')}`;
}

export class TestLdapServer {
  static readonly suffix = 'dc=example,dc=org';
  static readonly adminDn = `cn=admin,${TestLdapServer.suffix}`;
  readonly adminPassword = randomBytes(12).toString('hex');
  private process: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();

  private constructor(
    private readonly dir: { path: string; remove(): Promise<void> },
    private readonly slapd: string,
    readonly port: number,
    /** The LDAPS port; 0 without TLS. */
    readonly tlsPort: number,
    private readonly options: LdapTestOptions,
  ) {}

  static slapdBinary(): string | null {
    return SLAPD_CANDIDATES.find((path) => existsSync(path)) ?? null;
  }

  get url(): string {
    return `ldap://127.0.0.1:${this.port}`;
  }

  get ldapsUrl(): string {
    if (!this.tlsPort) throw new Error('this slapd was started without tls');
    return `ldaps://127.0.0.1:${this.tlsPort}`;
  }

  userDn(uid: string): string {
    return `uid=${uid},ou=people,${TestLdapServer.suffix}`;
  }

  groupDn(cn: string): string {
    return `cn=${cn},ou=groups,${TestLdapServer.suffix}`;
  }

  /** Writes the configuration, seeds the directory and starts slapd on a free loopback port. */
  static async start(seed: { users: LdapTestUser[]; groups: LdapTestGroup[] }, options: LdapTestOptions = {}): Promise<TestLdapServer> {
    const slapd = TestLdapServer.slapdBinary();
    if (!slapd) throw new Error('slapd is not installed (apt-get install slapd ldap-utils; .ci/run does it)');
    const dir = await tempDir('cube-slapd');
    const server = new TestLdapServer(dir, slapd, await freePort(), options.tls ? await freePort() : 0, options);
    try {
      if (options.tls) await server.writeCertificate(options.tls);
      await server.configure(seed);
      await server.resume();
      // slapadd bypasses overlays: groups added over LDAP get their members' memberOf from the overlay.
      if (options.memberOf)
        await server.asAdmin(async (client) => {
          for (const group of seed.groups) await client.add(server.groupDn(group.cn), server.groupAttributes(group));
        });
      return server;
    } catch (error: unknown) {
      await server.stop();
      throw error;
    }
  }

  /** Replaces the served certificate (slapd reads it at start): call between `pause()` and `resume()`. */
  async writeCertificate(tls: LdapTestCertificate): Promise<void> {
    await writeFile(join(this.dir.path, 'server.crt'), tls.cert);
    await writeFile(join(this.dir.path, 'server.key'), tls.key, { mode: 0o600 });
  }

  private groupAttributes(group: LdapTestGroup): Record<string, string | string[]> {
    return { objectClass: 'groupOfNames', cn: group.cn, member: group.members.map((uid) => this.userDn(uid)) };
  }

  private async configure(seed: { users: LdapTestUser[]; groups: LdapTestGroup[] }): Promise<void> {
    const data = join(this.dir.path, 'data');
    await mkdir(data);
    const { tls, requireTls, memberOf } = this.options;
    const conf = [
      ...SCHEMAS.map((schema) => `include /etc/ldap/schema/${schema}.schema`),
      `pidfile ${join(this.dir.path, 'slapd.pid')}`,
      `argsfile ${join(this.dir.path, 'slapd.args')}`,
      ...(tls
        ? [`TLSCertificateFile ${join(this.dir.path, 'server.crt')}`, `TLSCertificateKeyFile ${join(this.dir.path, 'server.key')}`]
        : []),
      'modulepath /usr/lib/ldap',
      'moduleload back_mdb',
      ...(memberOf ? ['moduleload memberof'] : []),
      'database mdb',
      'maxsize 16777216',
      `suffix "${TestLdapServer.suffix}"`,
      `rootdn "${TestLdapServer.adminDn}"`,
      `rootpw ${sshaHash(this.adminPassword)}`,
      `directory ${data}`,
      ...(requireTls ? ['security tls=1'] : []),
      ...(memberOf ? ['overlay memberof'] : []),
      'access to attrs=userPassword by self write by anonymous auth by * none',
      'access to * by * read',
      '',
    ].join('\n');
    await writeFile(join(this.dir.path, 'slapd.conf'), conf);
    const entries = [
      `dn: ${TestLdapServer.suffix}\nobjectClass: dcObject\nobjectClass: organization\ndc: example\no: Example`,
      `dn: ou=people,${TestLdapServer.suffix}\nobjectClass: organizationalUnit\nou: people`,
      `dn: ou=groups,${TestLdapServer.suffix}\nobjectClass: organizationalUnit\nou: groups`,
      ...seed.users.map((user) =>
        [
          `dn: ${this.userDn(user.uid)}`,
          'objectClass: inetOrgPerson',
          `uid: ${user.uid}`,
          `cn: ${user.cn ?? user.uid}`,
          `sn: ${user.uid}`,
          ...(user.mail ? [`mail: ${user.mail}`] : []),
          ...(user.telephoneNumber ? [`telephoneNumber: ${user.telephoneNumber}`] : []),
          `userPassword: ${sshaHash(user.password)}`,
        ].join('\n'),
      ),
      ...(memberOf ? [] : seed.groups).map((group) =>
        [
          `dn: ${this.groupDn(group.cn)}`,
          'objectClass: groupOfNames',
          `cn: ${group.cn}`,
          ...group.members.map((uid) => `member: ${this.userDn(uid)}`),
        ].join('\n'),
      ),
    ];
    const ldif = join(this.dir.path, 'seed.ldif');
    await writeFile(ldif, `${entries.join('\n\n')}\n`);
    const slapadd = spawnSync(this.slapd.replace(/slapd$/, 'slapadd'), ['-f', join(this.dir.path, 'slapd.conf'), '-l', ldif], {
      encoding: 'utf8',
    });
    if (slapadd.status !== 0) throw new Error(`slapadd failed: ${slapadd.stderr}`);
  }

  /** Starts (again) on the same port and data; resolves once a bind as the admin succeeds. */
  async resume(): Promise<void> {
    const urls = [`${this.url}/`, ...(this.tlsPort ? [`${this.ldapsUrl}/`] : [])].join(' ');
    const child = spawn(this.slapd, ['-f', join(this.dir.path, 'slapd.conf'), '-h', urls, '-d', '0'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    this.process = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    let exitedEarly = false;
    void this.exited.then(() => (exitedEarly = true));
    for (let attempt = 0; attempt < 200; attempt++) {
      if (exitedEarly) throw new Error(`slapd exited: ${stderr}`);
      const client = this.client();
      try {
        await this.secure(client);
        await client.bind(TestLdapServer.adminDn, this.adminPassword);
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 50));
      } finally {
        await client.unbind().catch(() => undefined);
      }
    }
    throw new Error(`slapd did not answer on ${this.url}: ${stderr}`);
  }

  /** The harness's own connections only check that the server answers; identity verifies the certificate. */
  private async secure(client: Client): Promise<void> {
    if (this.options.requireTls) await client.startTLS({ rejectUnauthorized: false });
  }

  /** Stops slapd but keeps its data, so `resume()` brings the same directory back. */
  async pause(): Promise<void> {
    if (!this.process) return;
    this.process.kill('SIGTERM');
    await this.exited;
    this.process = null;
  }

  async stop(): Promise<void> {
    await this.pause();
    await this.dir.remove();
  }

  client(): Client {
    return new Client({ url: this.url, timeout: 2000, connectTimeout: 2000 });
  }

  /** Runs `work` with a client bound as the directory's admin (over StartTLS when the server requires TLS). */
  async asAdmin<T>(work: (client: Client) => Promise<T>): Promise<T> {
    const client = this.client();
    try {
      await this.secure(client);
      await client.bind(TestLdapServer.adminDn, this.adminPassword);
      return await work(client);
    } finally {
      await client.unbind().catch(() => undefined);
    }
  }
}
