// The long fuzz (`npm run drill -- fuzz`, after a build): the property of apps/cube-e2e/src/fuzz.spec.ts
// over many more requests, counting every broken exchange instead of stopping at the first.
// FUZZ_RUNS (default 20000) requests, FUZZ_SEED (default: random, recorded) for a replay.
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { startKubeServer } from '@cube/testing';
import { describeRequest, FuzzTarget } from '../apps/cube-e2e/src/fuzz/fuzz-target';
import { startTestStack, waitForStatus } from '../apps/cube-e2e/src/support';

const RUNS = Number(process.env['FUZZ_RUNS'] ?? 20_000);
const SEED = Number(process.env['FUZZ_SEED'] ?? Math.floor(Math.random() * 2 ** 31));
const ADMIN_PASSWORD = 'Fuzz-Drill-Passphrase-2026';

export async function run(): Promise<unknown> {
  const member = await startKubeServer({ name: 'fz-member' });
  const lastLines: string[] = [];
  const running = await startTestStack('drill_fuzz', { CUBE_ADMIN_PASSWORD: ADMIN_PASSWORD }, (line) => {
    lastLines.push(line);
    if (lastLines.length > 200) lastLines.shift();
  });
  try {
    await waitForStatus(`${running.stack.gatewayUrl}/readyz`, 200, 1200);
    const target = new FuzzTarget({
      gatewayUrl: running.stack.gatewayUrl,
      databaseUrl: running.databaseUrl,
      adminPassword: ADMIN_PASSWORD,
      cluster: { name: 'fz-member', kubeconfig: member.kubeconfig },
    });
    await target.start();
    const started = Date.now();
    const byStatus: Record<string, number> = {};
    const problems: { request: string; problem: string }[] = [];
    let fiveXx = 0;
    let sent = 0;
    // One sample at a time, so memory stays flat however many runs are asked for.
    const batch = 500;
    for (let offset = 0; offset < RUNS; offset += batch) {
      const requests = fc.sample(target.requests(), { numRuns: Math.min(batch, RUNS - offset), seed: SEED + offset });
      for (const request of requests) {
        const outcome = await target.exchange(request);
        sent += 1;
        byStatus[outcome.response.status] = (byStatus[outcome.response.status] ?? 0) + 1;
        if (outcome.response.status >= 500 && outcome.response.status !== 503) fiveXx += 1;
        if (outcome.problem && problems.length < 100) problems.push({ request: describeRequest(request), problem: outcome.problem });
        if (outcome.problem) process.stderr.write(`${describeRequest(request)}\n  → ${outcome.problem}\n`);
      }
      process.stderr.write(`fuzz: ${sent}/${RUNS} sent, ${fiveXx} 5xx, ${problems.length} problems\n`);
    }
    await target.stop();
    const result = {
      runs: sent,
      seed: SEED,
      fiveXx,
      problems: problems.length,
      byStatus,
      operations: target.operationIds().length,
      seconds: Math.round((Date.now() - started) / 1000),
      examples: problems.slice(0, 20),
      replay: `FUZZ_RUNS=${RUNS} FUZZ_SEED=${SEED} npm run drill -- fuzz`,
    };
    const dir = resolve(__dirname, 'results');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'fuzz.json'), `${JSON.stringify(result, null, 2)}\n`);
    if (problems.length > 0) process.exitCode = 1;
    return result;
  } finally {
    await running.stop();
    await member.stop();
  }
}
