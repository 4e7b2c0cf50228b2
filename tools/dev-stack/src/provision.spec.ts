import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

// tools/provision/provision.sh run against a made-up machine: a PATH holding only the commands the
// script needs, fake `id`, and fake or absent apt-get/sudo/daemons. PostgreSQL and NATS are the real
// ones of this machine (127.0.0.1:5432 and :4222), as for every suite.
const script = resolve(__dirname, '../../provision/provision.sh');
const BASE_COMMANDS = ['bash', 'dirname', 'ls', 'sort', 'tail', 'seq', 'sleep', 'grep', 'sed', 'env', 'cat', 'pg_isready'];
const TOOLS = [
  'pg_ctlcluster',
  'nats-server',
  'slapd',
  'ldapsearch',
  'kubectl',
  'chromium',
  'prometheus',
  'prometheus-alertmanager',
  'docker-compose',
];

let dir: string;
let bin: string;

function which(command: string): string {
  for (const folder of ['/usr/local/bin', '/usr/bin', '/bin', '/usr/sbin', '/sbin']) {
    if (existsSync(join(folder, command))) return join(folder, command);
  }
  throw new Error(`${command} is not on this machine`);
}

function fake(name: string, body: string): void {
  writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`);
  chmodSync(join(bin, name), 0o755);
}

function provision(mode: 'start' | 'test', env: NodeJS.ProcessEnv = {}) {
  const result = spawnSync(which('bash'), [script, mode], {
    env: {
      PATH: bin,
      CUBE_PROVISION_SBIN: '',
      CUBE_PROVISION_SKIP_NPM: '1',
      ...env,
    },
    encoding: 'utf8',
  });
  return {
    status: result.status,
    stdout: result.stdout,
    stderr: result.stderr,
  };
}

const aptCalls = () => (existsSync(join(dir, 'apt-calls')) ? readFileSync(join(dir, 'apt-calls'), 'utf8') : '');

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cube-provision-'));
  bin = join(dir, 'bin');
  spawnSync('mkdir', [bin]);
  for (const command of BASE_COMMANDS) symlinkSync(which(command), join(bin, command));
  fake('apt-get', `echo "$@" >> ${join(dir, 'apt-calls')}; exit 1`);
  for (const tool of TOOLS) fake(tool, 'exit 0');
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('provision.sh', () => {
  it('does nothing and asks no package manager when everything is there', () => {
    fake('id', 'echo 0');
    const result = provision('test');
    expect(result).toEqual({ status: 0, stdout: '', stderr: '' });
    expect(aptCalls()).toBe('');
  });

  it('says in one line what is missing when it is not root and has no sudo', () => {
    fake('id', 'echo 1000');
    rmSync(join(bin, 'slapd'));
    const result = provision('test');
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      'provision: missing slapd ldap-utils and cannot install it: not root and no password-less sudo. ' +
        'Install the Debian packages slapd ldap-utils (or their equivalents) and run again.\n',
    );
    expect(aptCalls()).toBe('');
  });

  it('says so when there is no apt-get, and lists every missing package once', () => {
    fake('id', 'echo 0');
    rmSync(join(bin, 'apt-get'));
    rmSync(join(bin, 'kubectl'));
    rmSync(join(bin, 'chromium'));
    const result = provision('test');
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      'provision: missing kubectl chromium and cannot install it: apt-get is not available (not a Debian/Ubuntu machine). ' +
        'Install the Debian packages kubectl chromium (or their equivalents) and run again.\n',
    );
  });

  it('uses password-less sudo when not root', () => {
    fake('id', 'echo 1000');
    fake('sudo', `[ "$1" = -n ] && shift; [ "$1" = true ] && exit 0; echo "sudo $@" >> ${join(dir, 'apt-calls')}; exit 1`);
    rmSync(join(bin, 'prometheus'));
    const result = provision('test');
    expect(result.status).not.toBe(0);
    expect(result.stdout).toContain('provision: installing prometheus (apt-get)');
    expect(aptCalls()).toBe('sudo apt-get update -qq\n');
  });

  it('start installs nothing when NATS_URL is set (the launcher checks that one)', () => {
    fake('id', 'echo 1000');
    rmSync(join(bin, 'nats-server'));
    expect(provision('start', { NATS_URL: 'nats://127.0.0.1:1' })).toEqual({
      status: 0,
      stdout: '',
      stderr: '',
    });
  });
});

describe('provision.sh and node_modules', () => {
  let tree: string;

  /** A repository of its own: the script, a lockfile, what npm recorded as installed, a fake npm. */
  function repository(wanted: Record<string, object>, installed: Record<string, object> | undefined): void {
    tree = mkdtempSync(join(tmpdir(), 'cube-provision-npm-'));
    mkdirSync(join(tree, 'tools/provision'), { recursive: true });
    copyFileSync(script, join(tree, 'tools/provision/provision.sh'));
    writeFileSync(join(tree, 'package-lock.json'), JSON.stringify({ packages: { '': {}, ...wanted } }));
    if (installed) {
      mkdirSync(join(tree, 'node_modules'));
      writeFileSync(join(tree, 'node_modules/.package-lock.json'), JSON.stringify({ packages: installed }));
    }
    bin = join(tree, 'bin');
    mkdirSync(bin);
    for (const command of [...BASE_COMMANDS, 'id']) symlinkSync(which(command), join(bin, command));
    symlinkSync(process.execPath, join(bin, 'node'));
    fake('npm', `echo "npm $@" >> ${join(tree, 'npm-calls')}`);
  }

  function provisionStart() {
    const result = spawnSync(which('bash'), [join(tree, 'tools/provision/provision.sh'), 'start'], {
      env: { PATH: bin, CUBE_PROVISION_SBIN: '', NATS_URL: 'nats://127.0.0.1:1' },
      encoding: 'utf8',
    });
    const calls = existsSync(join(tree, 'npm-calls')) ? readFileSync(join(tree, 'npm-calls'), 'utf8') : '';
    return { status: result.status, stdout: result.stdout, calls };
  }

  afterEach(() => rmSync(tree, { recursive: true, force: true }));

  it('runs npm ci when node_modules is missing', () => {
    repository({ 'node_modules/a': { version: '1.0.0' } }, undefined);
    expect(provisionStart()).toEqual({
      status: 0,
      stdout: 'provision: node_modules is missing: npm ci\n',
      calls: 'npm ci --no-audit --no-fund\n',
    });
  });

  it('runs npm ci when the lockfile changed since the install', () => {
    repository(
      { 'node_modules/a': { version: '1.0.0' }, 'node_modules/b': { version: '2.0.0' } },
      { 'node_modules/a': { version: '0.9.0' }, 'node_modules/old': { version: '1.0.0' } },
    );
    expect(provisionStart()).toEqual({
      status: 0,
      stdout:
        'provision: node_modules does not match package-lock.json ' +
        '(a 0.9.0 instead of 1.0.0, b missing, old not in the lockfile): npm ci\n',
      calls: 'npm ci --no-audit --no-fund\n',
    });
  });

  it('leaves a matching node_modules alone (optional packages npm skipped do not count)', () => {
    repository(
      { 'node_modules/a': { version: '1.0.0' }, 'node_modules/a-darwin-arm64': { version: '1.0.0', optional: true } },
      { 'node_modules/a': { version: '1.0.0' } },
    );
    expect(provisionStart()).toEqual({ status: 0, stdout: '', calls: '' });
  });
});
