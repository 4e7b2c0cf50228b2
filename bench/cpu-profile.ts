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

interface Tally {
  busy: number;
  idle: number;
  start: number;
  categories: Map<string, number>;
  functions: Map<string, number>;
}

/** Self time (µs) by category and by function, with idle time and start-up (module loading) apart. */
function tally(profile: Profile): Tally {
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
  const out: Tally = { busy: 0, idle: 0, start: 0, categories: new Map(), functions: new Map() };
  profile.samples.forEach((id, i) => {
    const micros = profile.timeDeltas[i] ?? 0;
    const frame = byId.get(id)?.callFrame;
    if (!frame || frame.functionName === '(idle)') {
      out.idle += micros;
      return;
    }
    if (isStartup(id)) {
      out.start += micros;
      return;
    }
    out.busy += micros;
    const category = categoryOf(frame);
    out.categories.set(category, (out.categories.get(category) ?? 0) + micros);
    const where = frame.url.replace(/.*node_modules\//, '').replace(/.*dist\/apps\//, 'dist/');
    const key = `${frame.functionName || '(anonymous)'} ${where}${where ? `:${frame.lineNumber + 1}` : ''}`;
    out.functions.set(key, (out.functions.get(key) ?? 0) + micros);
  });
  return out;
}

export function summarize(profile: Profile, requests?: number): string {
  const { busy, idle, start, categories, functions } = tally(profile);
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

/**
 * Two processes doing the same job (Cube's gateway and the bare Node proxy), each with the CPU time
 * per request measured from /proc in the same run: each category's share of busy time times that
 * figure gives µs per request, so the difference shows where the one spends more than the other.
 */
export function compare(
  a: { label: string; profile: Profile; usPerRequest: number },
  b: { label: string; profile: Profile; usPerRequest: number },
): string {
  const ta = tally(a.profile);
  const tb = tally(b.profile);
  const us = (t: Tally, perRequest: number, micros = 0) => (perRequest * micros) / Math.max(t.busy, 1);
  const rows = (pick: (t: Tally) => Map<string, number>, limit: number) =>
    [...new Set([...pick(ta).keys(), ...pick(tb).keys()])]
      .map((name) => {
        const ua = us(ta, a.usPerRequest, pick(ta).get(name));
        const ub = us(tb, b.usPerRequest, pick(tb).get(name));
        return { name, ua, ub, diff: ua - ub };
      })
      .filter((row) => Math.abs(row.diff) >= 0.5 || row.ua >= 0.5)
      .sort((x, y) => y.diff - x.diff)
      .slice(0, limit)
      .map((row) => `| ${row.name} | ${row.ua.toFixed(1)} | ${row.ub.toFixed(1)} | ${row.diff >= 0 ? '+' : ''}${row.diff.toFixed(1)} |`);
  return [
    `CPU per request: ${a.label} ${a.usPerRequest} µs, ${b.label} ${b.usPerRequest} µs (difference ${(a.usPerRequest - b.usPerRequest).toFixed(1)} µs).`,
    '',
    `| category | ${a.label} µs/request | ${b.label} µs/request | difference |`,
    '|---|---|---|---|',
    ...rows((t) => t.categories, 40),
    '',
    `| function (self time) | ${a.label} µs/request | ${b.label} µs/request | difference |`,
    '|---|---|---|---|',
    ...rows((t) => new Map([...t.functions].map(([name, micros]) => [`\`${name}\``, micros])), 25),
  ].join('\n');
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const load = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as Profile;
  if (args[0] === '--compare' && args.length === 5) {
    // --compare <a.cpuprofile> <a µs/request> <b.cpuprofile> <b µs/request>
    const [, fa, ua, fb, ub] = args as [string, string, string, string, string];
    const label = (file: string) => file.replace(/.*\//, '').replace(/\.cpuprofile$/, '');
    process.stdout.write(
      `${compare({ label: label(fa), profile: load(fa), usPerRequest: Number(ua) }, { label: label(fb), profile: load(fb), usPerRequest: Number(ub) })}\n`,
    );
  } else if (args[0] && args[0] !== '--compare') {
    process.stdout.write(`${summarize(load(args[0]), args[1] ? Number(args[1]) : undefined)}\n`);
  } else {
    process.stderr.write(
      'usage: bench/cpu-profile.ts <file.cpuprofile> [requests]\n       bench/cpu-profile.ts --compare <a.cpuprofile> <a µs/request> <b.cpuprofile> <b µs/request>\n',
    );
    process.exit(2);
  }
}
