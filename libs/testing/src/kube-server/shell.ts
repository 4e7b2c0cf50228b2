// The built-in "container" of the test server's pods: a small deterministic busybox-like shell that
// `pods/exec` runs, so kubectl exec, WebConsole sessions and scripts see realistic output without a
// container runtime. Output formats follow busybox (the `/ # ` prompt, `sh: x: not found`, exit 127).

/** What a command sees of its pod: identity, environment and the few files it can read. */
export interface ContainerContext {
  podName: string;
  namespace: string;
  /** Environment in the order `env` prints it. */
  env: [string, string][];
  podIP?: string;
}

/** A command's standard input: chunks as they arrive, with end-of-file markers (a TTY's ^D). */
export class InputQueue {
  private readonly items: (string | null)[] = [];
  private closed = false;
  private waiter?: () => void;

  push(data: string): void {
    if (this.closed || data === '') return;
    this.items.push(data);
    this.wake();
  }

  /** One end-of-file: the next read returns null, later reads continue (as after ^D on a terminal). */
  pushEof(): void {
    if (this.closed) return;
    this.items.push(null);
    this.wake();
  }

  /** Drops what was typed but not read yet (a terminal's ^C flushes its input queue). */
  flush(): void {
    this.items.length = 0;
  }

  /** The writer is gone: every read from now on returns null once the queue is drained. */
  close(): void {
    this.closed = true;
    this.wake();
  }

  /** The next chunk, or null at end of file (or when `signal` aborts). */
  async read(signal?: AbortSignal): Promise<string | null> {
    for (;;) {
      if (this.items.length) return this.items.shift() ?? null;
      if (this.closed || signal?.aborted) return null;
      await new Promise<void>((resolve) => {
        const done = () => {
          signal?.removeEventListener('abort', done);
          this.waiter = undefined;
          resolve();
        };
        this.waiter = done;
        signal?.addEventListener('abort', done);
      });
    }
  }

  /** One line including its newline; at end of file the partial rest (or null when there is none). */
  async readLine(signal?: AbortSignal): Promise<string | null> {
    let line = '';
    for (;;) {
      const nl = line.indexOf('\n');
      if (nl >= 0) {
        const rest = line.slice(nl + 1);
        if (rest) this.items.unshift(rest);
        return line.slice(0, nl + 1);
      }
      const chunk = await this.read(signal);
      if (chunk === null) return line || null;
      line += chunk;
    }
  }

  private wake(): void {
    this.waiter?.();
  }
}

/**
 * ^C on a terminal: the innermost handler gets it (the interactive shell interrupts its foreground
 * command; a program run directly is killed).
 */
export class InterruptSource {
  private readonly handlers: (() => void)[] = [];

  push(handler: () => void): () => void {
    this.handlers.push(handler);
    return () => {
      const i = this.handlers.lastIndexOf(handler);
      if (i >= 0) this.handlers.splice(i, 1);
    };
  }

  fire(): void {
    this.handlers[this.handlers.length - 1]?.();
  }
}

/** Where a running command writes, and the signal that stops it (^C, or the session closing). */
export interface CommandIO {
  stdin: InputQueue;
  stdout(text: string): void;
  stderr(text: string): void;
  signal: AbortSignal;
  /** Present with a TTY. */
  interrupts?: InterruptSource;
  /** The terminal's size as the client last set it (resize channel); present with a TTY. */
  terminalSize?: () => { Width: number; Height: number } | undefined;
}

function childSignal(parent: AbortSignal): {
  controller: AbortController;
  unlink: () => void;
} {
  const controller = new AbortController();
  const abort = () => controller.abort();
  if (parent.aborted) controller.abort();
  else parent.addEventListener('abort', abort, { once: true });
  return {
    controller,
    unlink: () => parent.removeEventListener('abort', abort),
  };
}

/** The container runtime's answer to exec of a binary the image does not have. */
export class ExecutableNotFound extends Error {
  constructor(readonly command: string) {
    super(`exec: "${command}": executable file not found in $PATH`);
  }
}

const SH = new Set(['sh', '/bin/sh', 'bash', '/bin/bash', 'ash', '/bin/ash']);
const BINARIES = new Set(['echo', 'env', 'hostname', 'cat', 'ls', 'pwd', 'sleep', 'true', 'false', 'stty', ...SH]);
/** Builtins of the shell only: exec'ing them directly is "not found", as with a real runtime. */
const SHELL_BUILTINS = new Set(['exit', 'cd', 'export']);

const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

function files(ctx: ContainerContext): Map<string, string> {
  return new Map([
    ['/etc/hostname', `${ctx.podName}\n`],
    [
      '/etc/hosts',
      '# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' +
        `fe00::0\tip6-localnet\nfe00::0\tip6-mcastprefix\nfe00::1\tip6-allnodes\nfe00::2\tip6-allrouters\n` +
        (ctx.podIP ? `${ctx.podIP}\t${ctx.podName}\n` : ''),
    ],
    [
      '/etc/os-release',
      'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.21.3\nPRETTY_NAME="Alpine Linux v3.21"\n' +
        'HOME_URL="https://alpinelinux.org/"\nBUG_REPORT_URL="https://gitlab.alpinelinux.org/alpine/aports/-/issues"\n',
    ],
    [
      '/etc/resolv.conf',
      `search ${ctx.namespace}.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n`,
    ],
    // The projected file has no trailing newline.
    [`${SERVICE_ACCOUNT_DIR}/namespace`, ctx.namespace],
  ]);
}

const DIRECTORIES = new Map<string, string[]>([
  ['/', ['bin', 'dev', 'etc', 'home', 'lib', 'media', 'mnt', 'opt', 'proc', 'root', 'run', 'sbin', 'srv', 'sys', 'tmp', 'usr', 'var']],
  ['/etc', ['hostname', 'hosts', 'os-release', 'resolv.conf']],
  ['/root', []],
  ['/tmp', []],
  ['/var', ['run']],
  ['/var/run', ['secrets']],
  ['/var/run/secrets', ['kubernetes.io']],
  ['/var/run/secrets/kubernetes.io', ['serviceaccount']],
  [SERVICE_ACCOUNT_DIR, ['namespace']],
]);

function resolvePath(cwd: string, p: string): string {
  const parts = (p.startsWith('/') ? p : `${cwd}/${p}`).split('/');
  const out: string[] = [];
  for (const part of parts) {
    if (!part || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return `/${out.join('/')}`;
}

function sleepFor(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const onAbort = () => {
      clearTimeout(t);
      resolve(false);
    };
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Exit status of a command killed by SIGINT (128 + 2). */
export const INTERRUPTED = 130;

/** Shell state shared by the commands of one process: variables, cwd, last status. */
class ShellState {
  vars: Map<string, string>;
  cwd = '/';
  status = 0;
  exitRequested?: number;

  constructor(
    readonly ctx: ContainerContext,
    readonly positional: string[] = [],
  ) {
    this.vars = new Map(ctx.env);
  }
}

/**
 * Runs `argv` as the container runtime would exec it (no shell in between), resolving to its exit
 * status. Throws ExecutableNotFound for a binary the image does not have.
 */
export async function execInContainer(argv: string[], ctx: ContainerContext, io: CommandIO, tty = false): Promise<number> {
  const [cmd] = argv;
  if (!cmd || !BINARIES.has(cmd) || SHELL_BUILTINS.has(cmd)) throw new ExecutableNotFound(cmd ?? '');
  const state = new ShellState(ctx);
  if (tty) state.vars.set('TERM', 'xterm');
  const { controller, unlink } = childSignal(io.signal);
  const release = io.interrupts?.push(() => controller.abort());
  try {
    return await runCommand(argv, state, { ...io, signal: controller.signal }, tty);
  } finally {
    release?.();
    unlink();
  }
}

async function runCommand(argv: string[], state: ShellState, io: CommandIO, tty: boolean): Promise<number> {
  const [cmd, ...args] = argv;
  const out = io.stdout;
  const err = io.stderr;
  switch (cmd) {
    case 'echo': {
      const noNewline = args[0] === '-n';
      const words = noNewline ? args.slice(1) : args;
      out(words.join(' ') + (noNewline ? '' : '\n'));
      return 0;
    }
    case 'env':
      out([...state.vars].map(([k, v]) => `${k}=${v}\n`).join(''));
      return 0;
    case 'hostname':
      out(`${state.ctx.podName}\n`);
      return 0;
    case 'pwd':
      out(`${state.cwd}\n`);
      return 0;
    case 'stty':
      return stty(args, io);
    case 'true':
      return 0;
    case 'false':
      return 1;
    case 'cat':
      return cat(args, state, io);
    case 'ls':
      return ls(args, state, io);
    case 'sleep': {
      const seconds = Number(args[0]);
      if (args.length !== 1 || !Number.isFinite(seconds) || seconds < 0) {
        err(`sleep: invalid number '${args[0] ?? ''}'\n`);
        return 1;
      }
      return (await sleepFor(seconds * 1000, io.signal)) ? 0 : INTERRUPTED;
    }
    case 'cd': {
      const target = resolvePath(state.cwd, args[0] ?? state.vars.get('HOME') ?? '/');
      if (!DIRECTORIES.has(target)) {
        err(`sh: cd: can't cd to ${args[0]}: No such file or directory\n`);
        return 2;
      }
      state.cwd = target;
      return 0;
    }
    case 'export':
      for (const a of args) {
        const eq = a.indexOf('=');
        if (eq > 0) state.vars.set(a.slice(0, eq), a.slice(eq + 1));
      }
      return 0;
    case 'exit': {
      const code = args[0] === undefined ? state.status : Number(args[0]);
      state.exitRequested = Number.isInteger(code) ? code & 0xff : 2;
      return state.exitRequested;
    }
    default:
      if (cmd !== undefined && SH.has(cmd)) return sh(args, state, io, tty);
      err(`sh: ${cmd}: not found\n`);
      return 127;
  }
}

/**
 * `stty size` (busybox and coreutils print "rows cols"): the size a client last sent on the resize
 * channel; a pty nobody resized is 0 by 0. Without a TTY stdin is no terminal.
 */
function stty(args: string[], io: CommandIO): number {
  if (!io.terminalSize) {
    io.stderr('stty: standard input: Not a tty\n');
    return 1;
  }
  if (args.length !== 1 || args[0] !== 'size') {
    io.stderr(`stty: only "stty size" is supported here\n`);
    return 1;
  }
  const size = io.terminalSize();
  io.stdout(`${size?.Height ?? 0} ${size?.Width ?? 0}\n`);
  return 0;
}

async function cat(args: string[], state: ShellState, io: CommandIO): Promise<number> {
  if (!args.length || (args.length === 1 && args[0] === '-')) {
    for (;;) {
      const chunk = await io.stdin.read(io.signal);
      if (chunk === null) return io.signal.aborted ? INTERRUPTED : 0;
      io.stdout(chunk);
    }
  }
  const known = files(state.ctx);
  let status = 0;
  for (const a of args) {
    const p = resolvePath(state.cwd, a);
    const content = known.get(p);
    if (content !== undefined) io.stdout(content);
    else if (DIRECTORIES.has(p)) {
      io.stderr('cat: read error: Is a directory\n');
      status = 1;
    } else {
      io.stderr(`cat: can't open '${a}': No such file or directory\n`);
      status = 1;
    }
  }
  return status;
}

function ls(args: string[], state: ShellState, io: CommandIO): number {
  const paths = args.filter((a) => !a.startsWith('-'));
  if (!paths.length) paths.push('.');
  const known = files(state.ctx);
  let status = 0;
  paths.forEach((a, i) => {
    const p = resolvePath(state.cwd, a);
    const entries = DIRECTORIES.get(p);
    if (entries) {
      if (paths.length > 1) io.stdout(`${i ? '\n' : ''}${a}:\n`);
      io.stdout(entries.map((e) => `${e}\n`).join(''));
    } else if (known.has(p)) io.stdout(`${a}\n`);
    else {
      io.stderr(`ls: ${a}: No such file or directory\n`);
      status = 1;
    }
  });
  return status;
}

// --- the shell language: words, quotes, $VAR, `;`, `&&`, `||` -----------------------------------

type Token = { word: string } | { op: ';' | '&&' | '||' } | { redirect: { fd: number; target: string } };

export class ShellSyntaxError extends Error {}

/** Splits a command line into words (quotes removed, variables expanded) and list operators. */
export function tokenize(line: string, vars: (name: string) => string): Token[] {
  const tokens: Token[] = [];
  let word = '';
  let inWord = false;
  const flush = () => {
    if (inWord) tokens.push({ word });
    word = '';
    inWord = false;
  };
  const expand = (i: number): [string, number] => {
    const rest = line.slice(i + 1);
    const braced = /^\{([A-Za-z_][A-Za-z0-9_]*)\}/.exec(rest);
    if (braced) return [vars(braced[1]), i + 1 + braced[0].length];
    const named = /^([A-Za-z_][A-Za-z0-9_]*|[?$#0-9])/.exec(rest);
    if (named) return [vars(named[1]), i + 1 + named[0].length];
    return ['$', i + 1];
  };
  let i = 0;
  while (i < line.length) {
    const c = line[i];
    if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new ShellSyntaxError('unterminated quoted string');
      word += line.slice(i + 1, end);
      inWord = true;
      i = end + 1;
    } else if (c === '"') {
      inWord = true;
      i++;
      for (;;) {
        if (i >= line.length) throw new ShellSyntaxError('unterminated quoted string');
        const d = line[i];
        if (d === '"') {
          i++;
          break;
        }
        if (d === '\\' && '"\\$`'.includes(line[i + 1] ?? '')) {
          word += line[i + 1];
          i += 2;
        } else if (d === '$') {
          const [v, next] = expand(i);
          word += v;
          i = next;
        } else {
          word += d;
          i++;
        }
      }
    } else if (c === '\\') {
      if (i + 1 < line.length) word += line[i + 1];
      inWord = true;
      i += 2;
    } else if (c === '$') {
      const [v, next] = expand(i);
      word += v;
      inWord = inWord || v !== '';
      i = next;
    } else if (c === ' ' || c === '\t' || c === '\n') {
      flush();
      i++;
    } else if (c === '#' && !inWord) {
      break;
    } else if (c === ';') {
      flush();
      tokens.push({ op: ';' });
      i++;
    } else if (line.startsWith('&&', i) || line.startsWith('||', i)) {
      flush();
      tokens.push({ op: line.slice(i, i + 2) as '&&' | '||' });
      i += 2;
    } else if (c === '>' || ((c === '1' || c === '2') && !inWord && line[i + 1] === '>')) {
      // `>&2`, `2>&1`, `>/dev/null`: the redirections scripts use to route output.
      flush();
      const fd = c === '>' ? 1 : Number(c);
      i += c === '>' ? 1 : 2;
      let target = '';
      if (line[i] === '&') {
        target = line.slice(i, i + 2);
        i += 2;
      } else {
        while (line[i] === ' ') i++;
        while (i < line.length && !' \t;&|'.includes(line[i])) target += line[i++];
      }
      if (!target) throw new ShellSyntaxError("unexpected newline after '>'");
      tokens.push({ redirect: { fd, target } });
    } else if (c === '|' || c === '&' || c === '<') {
      throw new ShellSyntaxError(`unsupported operator '${c}'`);
    } else {
      word += c;
      inWord = true;
      i++;
    }
  }
  flush();
  return tokens;
}

/** Splits a line at its list operators (outside quotes), keeping each command's text unexpanded. */
function splitList(line: string): { text: string; op?: ';' | '&&' | '||' }[] {
  const out: { text: string; op?: ';' | '&&' | '||' }[] = [];
  let start = 0;
  let end = line.length;
  let quote = '';
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = '';
    } else if (c === '\\') i++;
    else if (c === "'" || c === '"') quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(line[i - 1]))) {
      end = i;
      break;
    } else if (c === ';' || line.startsWith('&&', i) || line.startsWith('||', i)) {
      const op = c === ';' ? ';' : (line.slice(i, i + 2) as '&&' | '||');
      out.push({ text: line.slice(start, i), op });
      i += op.length - 1;
      start = i + 1;
    }
  }
  out.push({ text: line.slice(start, end) });
  return out;
}

/** The command's output after its redirections, or the shell's error for a file it cannot write. */
function redirect(tokens: Token[], io: CommandIO): CommandIO | string {
  let { stdout, stderr } = io;
  for (const t of tokens) {
    if (!('redirect' in t)) continue;
    const { fd, target } = t.redirect;
    const to = target === '&1' ? stdout : target === '&2' ? stderr : target === '/dev/null' ? () => undefined : undefined;
    if (!to) return `sh: can't create ${target}: Read-only file system\n`;
    if (fd === 1) stdout = to;
    else stderr = to;
  }
  return { ...io, stdout, stderr };
}

/** Runs one line (`a; b && c || d`) in the shell's state; returns the last status. */
async function runLine(line: string, state: ShellState, io: CommandIO, tty: boolean): Promise<number> {
  const vars = (name: string) => {
    if (name === '?') return String(state.status);
    if (name === '$') return '1';
    if (name === '#') return String(state.positional.length);
    if (/^[0-9]$/.test(name)) return name === '0' ? 'sh' : (state.positional[Number(name) - 1] ?? '');
    return state.vars.get(name) ?? '';
  };
  let skip = false;
  for (const { text, op } of splitList(line)) {
    if (state.exitRequested !== undefined || io.signal.aborted) break;
    if (!skip) {
      // Expanded when it runs, so `false; echo $?` sees the status of `false`.
      let words: string[];
      let tokens: Token[];
      try {
        tokens = tokenize(text, vars);
        words = tokens.flatMap((t) => ('word' in t ? [t.word] : []));
      } catch (e) {
        if (!(e instanceof ShellSyntaxError)) throw e;
        io.stderr(`sh: syntax error: ${e.message}\n`);
        state.status = 2;
        return 2;
      }
      const assignment = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(words[0] ?? '');
      if (assignment && words.length === 1) {
        state.vars.set(assignment[1], assignment[2]);
        state.status = 0;
      } else if (words.length) {
        const redirected = redirect(tokens, io);
        state.status = typeof redirected === 'string' ? (io.stderr(redirected), 1) : await runCommand(words, state, redirected, tty);
      }
    }
    // `a && b`: b runs when the last command that ran succeeded; `a || b` when it failed.
    skip = op === '&&' ? state.status !== 0 : op === '||' ? state.status === 0 : false;
  }
  return state.status;
}

/** `sh -c 'script' [name args...]`, `sh` reading commands from stdin, or the interactive shell on a TTY. */
async function sh(args: string[], outer: ShellState, io: CommandIO, tty: boolean): Promise<number> {
  if (args[0] === '-c') {
    if (args[1] === undefined) {
      io.stderr('sh: -c requires an argument\n');
      return 2;
    }
    const state = new ShellState(outer.ctx, args.slice(3));
    state.vars = outer.vars;
    for (const line of args[1].split('\n')) {
      await runLine(line, state, io, tty);
      if (state.exitRequested !== undefined) return state.exitRequested;
      if (io.signal.aborted) return INTERRUPTED;
    }
    return state.status;
  }
  const state = new ShellState(outer.ctx);
  state.vars = new Map(outer.vars);
  state.cwd = outer.cwd;
  // ^C aborts what the shell is doing: the foreground command, or reading the line at the prompt.
  let foreground: AbortController | undefined;
  const release = io.interrupts?.push(() => foreground?.abort());
  try {
    for (;;) {
      if (tty) io.stdout(prompt(state));
      const { controller, unlink } = childSignal(io.signal);
      foreground = controller;
      try {
        const line = await io.stdin.readLine(controller.signal);
        if (line === null) {
          if (io.signal.aborted) return INTERRUPTED;
          if (!controller.signal.aborted) return state.status;
          state.status = INTERRUPTED;
          continue;
        }
        await runLine(line, state, { ...io, signal: controller.signal }, tty);
      } finally {
        foreground = undefined;
        unlink();
      }
      if (state.exitRequested !== undefined) return state.exitRequested;
      if (io.signal.aborted) return INTERRUPTED;
    }
  } finally {
    release?.();
  }
}

function prompt(state: ShellState): string {
  const home = state.vars.get('HOME');
  const dir = home && state.cwd === home ? '~' : state.cwd;
  return `${dir} # `;
}

/**
 * The terminal of an exec with `tty`: line discipline between the raw keystrokes a client sends in
 * raw mode and the program. It echoes, edits lines (backspace), turns ^C into an interrupt and ^D
 * into end of file, and maps `\n` to `\r\n` on output (as a pty's ICANON/ECHO/ONLCR modes do).
 */
export class Terminal {
  private line = '';
  private escape = false;
  readonly input = new InputQueue();

  constructor(
    private readonly echo: (text: string) => void,
    private readonly interrupt: () => void,
  ) {}

  /** Output of the program, as the terminal shows it. */
  static output(text: string): string {
    return text.replace(/\r?\n/g, '\r\n');
  }

  write(data: string): void {
    for (const c of data) {
      if (this.escape) {
        // An escape sequence (arrow keys and the like): swallow up to its final byte.
        if (/[A-Za-z~]/.test(c)) this.escape = false;
        continue;
      }
      switch (c) {
        case '\x1b':
          this.escape = true;
          break;
        case '\r':
        case '\n':
          this.echo('\r\n');
          this.input.push(`${this.line}\n`);
          this.line = '';
          break;
        case '\x7f':
        case '\b':
          if (this.line) {
            this.line = [...this.line].slice(0, -1).join('');
            this.echo('\b \b');
          }
          break;
        case '\x03':
          this.echo('^C\r\n');
          this.line = '';
          this.input.flush();
          this.interrupt();
          break;
        case '\x04':
          if (this.line) {
            this.input.push(this.line);
            this.line = '';
          } else this.input.pushEof();
          break;
        case '\x15':
          this.echo('\b \b'.repeat([...this.line].length));
          this.line = '';
          break;
        default:
          if (c >= ' ') {
            this.line += c;
            this.echo(c);
          }
      }
    }
  }

  close(): void {
    this.input.close();
  }
}

export { BINARIES as CONTAINER_BINARIES };
