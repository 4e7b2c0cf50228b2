import { ContainerContext, execInContainer, ExecutableNotFound, InputQueue, InterruptSource, Terminal, tokenize } from './shell';

const ctx: ContainerContext = {
  podName: 'web-0',
  namespace: 'shop',
  env: [
    ['PATH', '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
    ['HOSTNAME', 'web-0'],
    ['GREETING', 'hello world'],
    ['HOME', '/root'],
  ],
};

interface Run {
  code: number;
  out: string;
  err: string;
}

async function run(argv: string[], stdin?: string): Promise<Run> {
  const input = new InputQueue();
  if (stdin !== undefined) input.push(stdin);
  input.close();
  let out = '';
  let err = '';
  const code = await execInContainer(argv, ctx, {
    stdin: input,
    stdout: (t) => (out += t),
    stderr: (t) => (err += t),
    signal: new AbortController().signal,
  });
  return { code, out, err };
}

/** An interactive `sh` on a terminal, fed keystrokes; resolves output when it shows `expected`. */
function terminalSession() {
  let screen = '';
  const waiters: (() => void)[] = [];
  const show = (t: string) => {
    screen += t;
    waiters.splice(0).forEach((w) => w());
  };
  const interrupts = new InterruptSource();
  const terminal = new Terminal(show, () => interrupts.fire());
  const session = new AbortController();
  const done = execInContainer(
    ['sh'],
    ctx,
    {
      stdin: terminal.input,
      stdout: (t) => show(Terminal.output(t)),
      stderr: (t) => show(Terminal.output(t)),
      signal: session.signal,
      interrupts,
    },
    true,
  );
  const until = async (expected: string) => {
    while (!screen.includes(expected)) await new Promise<void>((r) => waiters.push(r));
  };
  return {
    type: (keys: string) => terminal.write(keys),
    until,
    screen: () => screen,
    done,
    close: () => session.abort(),
  };
}

describe('the built-in container shell', () => {
  it('echoes words, and without the newline with -n', async () => {
    expect(await run(['echo', 'hi', 'there'])).toEqual({
      code: 0,
      out: 'hi there\n',
      err: '',
    });
    expect((await run(['echo', '-n', 'hi'])).out).toBe('hi');
  });

  it('prints the pod environment, hostname and working directory', async () => {
    expect((await run(['env'])).out).toContain('GREETING=hello world\n');
    expect((await run(['hostname'])).out).toBe('web-0\n');
    expect((await run(['pwd'])).out).toBe('/\n');
  });

  it('reads the files a pod has', async () => {
    expect((await run(['cat', '/etc/hostname'])).out).toBe('web-0\n');
    expect((await run(['cat', '/etc/resolv.conf'])).out).toContain('search shop.svc.cluster.local svc.cluster.local cluster.local\n');
    expect((await run(['cat', '/var/run/secrets/kubernetes.io/serviceaccount/namespace'])).out).toBe('shop');
    expect(await run(['cat', '/nope'])).toEqual({
      code: 1,
      out: '',
      err: "cat: can't open '/nope': No such file or directory\n",
    });
    expect((await run(['ls', '/etc'])).out).toBe('hostname\nhosts\nos-release\nresolv.conf\n');
  });

  it('copies stdin to stdout with cat and no arguments', async () => {
    expect(await run(['cat'], 'x\ny')).toEqual({
      code: 0,
      out: 'x\ny',
      err: '',
    });
  });

  it('runs sh -c lists with quoting, variables, && and ||', async () => {
    expect((await run(['sh', '-c', 'echo "$GREETING" \'$HOME\'; false && echo no || echo yes'])).out).toBe('hello world $HOME\nyes\n');
    expect((await run(['sh', '-c', 'false; echo $?'])).out).toBe('1\n');
    expect(await run(['sh', '-c', 'echo e >&2; echo o 2>/dev/null; ls /x 2>&1'])).toEqual({
      code: 1,
      out: 'o\nls: /x: No such file or directory\n',
      err: 'e\n',
    });
    expect((await run(['bash', '-c', 'X=1; echo ${X}2'])).out).toBe('12\n');
    expect((await run(['sh', '-c', 'echo a; exit 3; echo b'])).code).toBe(3);
    expect((await run(['sh', '-c', 'echo a; exit 3; echo b'])).out).toBe('a\n');
  });

  it('reports unknown commands like busybox sh, and unknown binaries like the runtime', async () => {
    expect(await run(['sh', '-c', 'nginx -v'])).toEqual({
      code: 127,
      out: '',
      err: 'sh: nginx: not found\n',
    });
    await expect(run(['nginx'])).rejects.toThrow(new ExecutableNotFound('nginx'));
    await expect(run(['exit', '1'])).rejects.toThrow(ExecutableNotFound);
  });

  it('runs a script fed on stdin to sh', async () => {
    expect(await run(['sh'], 'echo one\nhostname\nexit 4\necho never\n')).toEqual({ code: 4, out: 'one\nweb-0\n', err: '' });
  });

  it('stops sleep when the session ends', async () => {
    const input = new InputQueue();
    const session = new AbortController();
    const done = execInContainer(['sleep', '3600'], ctx, {
      stdin: input,
      stdout: () => undefined,
      stderr: () => undefined,
      signal: session.signal,
    });
    session.abort();
    expect(await done).toBe(130);
  });

  it('tokenizes words and operators', () => {
    expect(tokenize(`a 'b c'&&d||e;f # g`, () => '')).toEqual([
      { word: 'a' },
      { word: 'b c' },
      { op: '&&' },
      { word: 'd' },
      { op: '||' },
      { word: 'e' },
      { op: ';' },
      { word: 'f' },
    ]);
  });

  describe('on a terminal', () => {
    it('prompts, echoes, edits and runs what is typed', async () => {
      const t = terminalSession();
      await t.until('/ # ');
      t.type('echo hellx\x7fo\r');
      await t.until('hello\r\n/ # ');
      expect(t.screen()).toBe('/ # echo hellx\b \bo\r\nhello\r\n/ # ');
      t.type('exit 5\r');
      expect(await t.done).toBe(5);
    });

    it('interrupts the foreground command with ^C and ends on ^D', async () => {
      const t = terminalSession();
      await t.until('/ # ');
      t.type('sleep 3600\r');
      await t.until('sleep 3600\r\n');
      t.type('\x03');
      await t.until('^C\r\n/ # ');
      t.type('half a line\x03');
      await t.until('half a line^C\r\n/ # ');
      t.type('echo $?\r');
      await t.until('130\r\n/ # ');
      t.type('cd /etc\r');
      await t.until('/etc # ');
      t.type('\x04');
      expect(await t.done).toBe(0);
    });

    it('ends with the session', async () => {
      const t = terminalSession();
      await t.until('/ # ');
      t.close();
      expect(await t.done).toBe(130);
    });
  });
});

describe('stty size', () => {
  const sized = (size: { Width: number; Height: number } | undefined) => {
    let out = '';
    let err = '';
    const input = new InputQueue();
    input.close();
    return execInContainer(['stty', 'size'], ctx, {
      stdin: input,
      stdout: (t) => (out += t),
      stderr: (t) => (err += t),
      signal: new AbortController().signal,
      terminalSize: () => size,
    }).then((code) => ({ code, out, err }));
  };

  it('prints rows and columns of the last resize, as busybox does', async () => {
    expect(await sized({ Width: 132, Height: 43 })).toEqual({ code: 0, out: '43 132\n', err: '' });
  });

  it('prints 0 0 on a terminal nobody resized', async () => {
    expect(await sized(undefined)).toEqual({ code: 0, out: '0 0\n', err: '' });
  });

  it('fails without a terminal', async () => {
    expect(await run(['stty', 'size'])).toEqual({ code: 1, out: '', err: 'stty: standard input: Not a tty\n' });
  });
});
