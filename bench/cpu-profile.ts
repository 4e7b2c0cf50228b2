// Where a process's CPU time went, from a V8 .cpuprofile (PROXY_BENCH_CPU_PROF=<dir> writes one per
// gateway process): self time by category and the heaviest functions, idle time and start-up
// (module loading) left out. `node -r @swc-node/register bench/cpu-profile.ts <file> [requests]`
// prints Markdown; with the number of requests the process served, also µs per request.
import { readFileSync } from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const NATIVE_WRITES = new Set(['writev', 'writeLatin1String', 'writeUtf8String', 'writeBuffer', 'writeAsciiString']);

/** The category of the function a sample was taken in. */
export function categoryOf(frame: CallFrame): string {
  const { functionName: name, url } = frame;
  if (name === '(garbage collector)') return 'garbage collection';
  if (name === '(program)') return 'V8 and native code not attributed to a function';
  if (NATIVE_WRITES.has(name)) return 'socket writes (syscalls; TLS encryption for the member)';
  if (url.includes('node_modules/undici/')) return 'undici (client to the member)';
  if (/^node:_http_(server|incoming|common|outgoing)/.test(url)) return 'node:http (server side, parser, response)';
  if (/^node:(https|_http_client|_http_agent)/.test(url)) return 'node:http client (to the member)';
  if (/^node:(_tls|tls|internal\/tls)/.test(url)) return 'TLS (node)';
  if (/^node:(net|internal\/stream_base_commons|internal\/net)/.test(url)) return 'net sockets (reads, write requests)';
  if (
    /^node:(internal\/streams|events|internal\/process\/task_queues|internal\/async_hooks|internal\/timers|timers)/.test(url) ||
    name === 'runMicrotasks'
  )
    return 'streams, events, ticks, timers';
  if (/^node:internal\/crypto|^node:crypto/.test(url) || name === 'Hash' || name === 'digest') return 'crypto (credential cache key)';
  if (url.includes('node_modules/')) return `library: ${/node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1] ?? 'other'}`;
  if (url.includes('dist/apps/')) return 'Cube gateway code (incl. bundled libs)';
  if (url.startsWith('node:')) return 'other node internals';
  return url ? 'other' : `native: ${name}`;
}

export function summarize(profile: Profile, requests?: number): string {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const startup = new Map<number, boolean>();
  const isStartup = (id: number): boolean => {
    const known = startup.get(id);
    if (known !== undefined) return known;
    const frame = byId.get(id)?.callFrame;
    const up = parent.get(id);
    const value =
      frame?.functionName === 'Module._load' || frame?.url === 'node:internal/main/run_main_module' || (up !== undefined && isStartup(up));
    startup.set(id, value);
    return value;
  };
  const categories = new Map<string, number>();
  const functions = new Map<string, number>();
  let busy = 0;
  let idle = 0;
  let start = 0;
  profile.samples.forEach((id, i) => {
    const micros = profile.timeDeltas[i] ?? 0;
    const frame = byId.get(id)?.callFrame;
    if (!frame || frame.functionName === '(idle)') {
      idle += micros;
      return;
    }
    if (isStartup(id)) {
      start += micros;
      return;
    }
    busy += micros;
    const category = categoryOf(frame);
    categories.set(category, (categories.get(category) ?? 0) + micros);
    const where = frame.url.replace(/.*node_modules\//, '').replace(/.*dist\/apps\//, 'dist/');
    const key = `${frame.functionName || '(anonymous)'} ${where}${where ? `:${frame.lineNumber + 1}` : ''}`;
    functions.set(key, (functions.get(key) ?? 0) + micros);
  });
  const perRequest = (micros: number) => (requests ? ` | ${(micros / requests).toFixed(1)}` : '');
  const share = (micros: number) => ((100 * micros) / Math.max(busy, 1)).toFixed(1);
  const lines = [
    `Busy ${(busy / 1e6).toFixed(1)} s (idle ${(idle / 1e6).toFixed(1)} s and start-up ${(start / 1e6).toFixed(1)} s left out)${requests ? `, ${requests} requests: ${(busy / requests).toFixed(1)} µs of CPU per request` : ''}.`,
    '',
    `| category | share of busy time${requests ? ' | µs per request' : ''} |`,
    `|---|---|${requests ? '---|' : ''}`,
    ...[...categories].sort((a, b) => b[1] - a[1]).map(([name, micros]) => `| ${name} | ${share(micros)} %${perRequest(micros)} |`),
    '',
    '| heaviest functions (self time) | share |',
    '|---|---|',
    ...[...functions]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 25)
      .map(([name, micros]) => `| \`${name}\` | ${share(micros)} % |`),
  ];
  return lines.join('\n');
}

if (require.main === module) {
  const [file, requests] = process.argv.slice(2);
  if (!file) {
    process.stderr.write('usage: bench/cpu-profile.ts <file.cpuprofile> [requests]\n');
    process.exit(2);
  }
  process.stdout.write(`${summarize(JSON.parse(readFileSync(file, 'utf8')) as Profile, requests ? Number(requests) : undefined)}\n`);
}
