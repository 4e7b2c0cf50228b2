import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './support';

interface LintMessage {
  ruleId: string | null;
  message: string;
}

/**
 * Lints `source` as if it were the file at `path`, with the repository's real ESLint configuration. The file
 * does not exist, so TypeScript's project service cannot type it: type-aware linting is off for it.
 */
function lintAs(path: string, source: string): LintMessage[] {
  const result = spawnSync(
    process.execPath,
    [
      join(ROOT, 'node_modules/eslint/bin/eslint.js'),
      '--parser-options',
      'projectService:false',
      '--rule',
      '@typescript-eslint/no-floating-promises: off',
      '--stdin',
      '--stdin-filename',
      path,
      '--format',
      'json',
    ],
    { cwd: ROOT, input: source, encoding: 'utf8', env: { ...process.env, NX_DAEMON: 'false' } },
  );
  const [report] = JSON.parse(result.stdout) as { messages: LintMessage[] }[];
  return report?.messages ?? [];
}

const boundaryErrors = (messages: LintMessage[]) => messages.filter((m) => m.ruleId === '@nx/enforce-module-boundaries');

describe('module boundaries (ARCHITECTURE.md)', () => {
  it('rejects an app importing another app', () => {
    const errors = boundaryErrors(
      lintAs(
        'apps/identity/src/leak.ts',
        "import { createGateway } from '../../gateway/src/create-gateway';\nexport const x = createGateway;\n",
      ),
    );
    expect(errors.map((e) => e.message)).toEqual([expect.stringMatching(/relative or absolute path|Imports of apps are forbidden/)]);
  });

  it('rejects contracts importing any other lib of ours', () => {
    const errors = boundaryErrors(
      lintAs('libs/contracts/src/leak.ts', "import { redactDatabaseUrl } from '@cube/persistence';\nexport const x = redactDatabaseUrl;\n"),
    );
    // Every other lib of ours depends on contracts, so Nx may name the cycle before the tag rule: both refuse the import.
    expect(errors).toHaveLength(1);
    expect(errors[0]?.message).toMatch(
      /A project tagged with "type:contracts" cannot depend on any libs with tags|Circular dependency between "contracts" and "persistence"/,
    );
  });

  it.each(['typeorm', 'pg', 'nats', '@kubernetes/client-node'])('rejects contracts importing %s', (pkg) => {
    const errors = boundaryErrors(lintAs('libs/contracts/src/leak.ts', `import * as client from '${pkg}';\nexport const x = client;\n`));
    expect(errors).toHaveLength(1);
    expect(errors[0]?.message).toContain(`"type:contracts" is not allowed to import "${pkg}"`);
  });

  it('rejects production code of an app importing the testing lib', () => {
    const errors = boundaryErrors(
      lintAs('apps/tenancy/src/leak.ts', "import * as testing from '@cube/testing';\nexport const x = testing;\n"),
    );
    expect(errors).toHaveLength(1);
    expect(errors[0]?.message).toContain('"type:app"');
  });

  it('accepts an app importing contracts through its path alias', () => {
    const messages = lintAs('apps/identity/src/fine.ts', "import { Subjects } from '@cube/contracts';\nexport const x = Subjects;\n");
    expect(boundaryErrors(messages)).toEqual([]);
  });
});
