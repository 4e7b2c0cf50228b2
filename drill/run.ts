// `npm run drill -- <name>`: runs one long check of drill/<name>.ts against a stack of its own and
// writes drill/results/<name>.json. Drills find defects by volume; the bounded versions run in `npm test`.
import { resolve } from 'node:path';

const DRILLS: Record<string, () => Promise<{ run(): Promise<unknown>; output?: string }>> = {
  fuzz: () => import('./fuzz'),
  ha: () => import('./ha'),
};

async function main(): Promise<void> {
  const name = process.argv[2];
  const load = name ? DRILLS[name] : undefined;
  if (!load) {
    process.stderr.write(`usage: npm run drill -- <${Object.keys(DRILLS).join('|')}>\n`);
    process.exit(2);
  }
  const drill = await load();
  const result = await drill.run();
  const written = drill.output ?? resolve(__dirname, 'results', `${name}.json`);
  process.stdout.write(`${JSON.stringify(result, null, 2)}\nwritten to ${written}\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`drill: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
