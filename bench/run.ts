// `npm run bench -- <name>`: runs one benchmark of bench/<name>.ts and writes bench/results/<name>.json.
import { resolve } from 'node:path';

const BENCHMARKS: Record<string, () => Promise<{ run(): Promise<unknown> }>> = {
  audit: () => import('./audit'),
  proxy: () => import('./proxy'),
  scale: () => import('./scale'),
  sync: () => import('./sync'),
};

async function main(): Promise<void> {
  const name = process.argv[2];
  const load = name ? BENCHMARKS[name] : undefined;
  if (!load) {
    process.stderr.write(`usage: npm run bench -- <${Object.keys(BENCHMARKS).join('|')}>\n`);
    process.exit(2);
  }
  const result = await (await load()).run();
  process.stdout.write(`${JSON.stringify(result, null, 2)}\nwritten to ${resolve(__dirname, 'results', `${name}.json`)}\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
