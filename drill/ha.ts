// The long HA drill (`npm run drill -- ha`, after a build): apps/cube-e2e/src/ha/ha-drill.ts with 60 s of
// load (HA_DRILL_SECONDS, HA_DRILL_CLIENTS), figures written to bench/results/ha-drill.json. The bounded
// version is apps/cube-e2e/src/ha-drill.spec.ts in `npm test`.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { haDrillProblems, runHaDrill } from '../apps/cube-e2e/src/ha/ha-drill';

const SECONDS = Number(process.env['HA_DRILL_SECONDS'] ?? 60);
const CLIENTS = Number(process.env['HA_DRILL_CLIENTS'] ?? 6);

/** Where the figures go: beside the benchmarks' figures. */
export const output = resolve(__dirname, '..', 'bench', 'results', 'ha-drill.json');

export async function run(): Promise<unknown> {
  const result = await runHaDrill({ loadSeconds: SECONDS, clients: CLIENTS, progress: (line) => process.stderr.write(`ha: ${line}\n`) });
  const problems = haDrillProblems(result);
  const figures = { ...result, problems, passed: problems.length === 0 };
  await mkdir(dirname(output), { recursive: true });
  await writeFile(output, `${JSON.stringify(figures, null, 2)}\n`);
  if (problems.length > 0) process.exitCode = 1;
  return figures;
}
