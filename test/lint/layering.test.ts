/**
 * The import directions of eslint.config.mjs (LAYERS) are enforced: a deliberate violation placed in each layer
 * (a temporary file, removed afterwards) is reported by `eslint` with the repository's own configuration, and an
 * allowed import is not.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

jest.setTimeout(120_000);

const ROOT = join(__dirname, '..', '..');
const ESLINT = join(ROOT, 'node_modules', 'eslint', 'bin', 'eslint.js');

/** Fixture files: path (relative to the repository), its source, and whether it breaks the layering. */
const FIXTURES: readonly { path: string; source: string; violates: string | undefined }[] = [
  { path: 'lib/zz-layering-fixture.ts', source: "export { ChaosStack } from '../stacks/chaos-stack';\n", violates: 'lib/ may not import constructs/, stacks/, tools/, test/' },
  { path: 'constructs/zz-layering-fixture.ts', source: "export { ENVIRONMENTS } from '../stacks/environments';\n", violates: 'constructs/ may not import stacks/, tools/, test/' },
  { path: 'stacks/zz-layering-fixture.ts', source: "export { find } from '../test/util';\n", violates: 'stacks/ may not import tools/, test/' },
  { path: 'tools/zz-layering-fixture.ts', source: "export { find } from '../test/util';\n", violates: 'tools/ may not import test/' },
  { path: 'constructs/zz-layering-allowed.ts', source: "export { ValidationError } from '../lib/validation';\n", violates: undefined },
];

interface EslintMessage { ruleId: string | null; message: string }

describe('layering (import/no-restricted-paths)', () => {
  let results: Map<string, EslintMessage[]>;
  beforeAll(() => {
    for (const f of FIXTURES) writeFileSync(join(ROOT, f.path), f.source);
    try {
      const r = spawnSync(process.execPath, [ESLINT, '--format', 'json', ...FIXTURES.map((f) => f.path)], { cwd: ROOT, encoding: 'utf8' });
      const parsed = JSON.parse(r.stdout) as { filePath: string; messages: EslintMessage[] }[];
      results = new Map(parsed.map((p) => [relative(ROOT, p.filePath), p.messages]));
    } finally {
      for (const f of FIXTURES) rmSync(join(ROOT, f.path), { force: true });
    }
  });

  test.each(FIXTURES.filter((f) => f.violates !== undefined).map((f) => [f.path, f.violates]))('%s: reported (%s)', (path, message) => {
    const layering = (results.get(path) ?? []).filter((m) => m.ruleId === 'import/no-restricted-paths');
    const imported = /from '([^']+)'/.exec(FIXTURES.find((f) => f.path === path)?.source ?? '')?.[1];
    expect(layering.map((m) => m.message)).toEqual([`Unexpected path "${imported}" imported in restricted zone. ${message} (see LAYERS in eslint.config.mjs).`]);
  });

  test('an import down the layers is allowed', () => {
    expect(results.get('constructs/zz-layering-allowed.ts')).toEqual([]);
  });

  test('no product file imports a layer above it (the same rule over the whole tree, by a plain scan)', () => {
    const above: Record<string, readonly string[]> = { lib: ['constructs', 'stacks', 'tools', 'test'], constructs: ['stacks', 'tools', 'test'], stacks: ['tools', 'test'] };
    const offenders: string[] = [];
    const walk = (dir: string): string[] => readdirSync(dir).flatMap((n) => {
      const p = join(dir, n);
      return statSync(p).isDirectory() ? walk(p) : p.endsWith('.ts') ? [p] : [];
    });
    for (const [layer, forbidden] of Object.entries(above)) {
      for (const file of walk(join(ROOT, layer))) {
        for (const m of readFileSync(file, 'utf8').matchAll(/from '((?:\.\.\/)+)([a-z]+)\//g)) {
          const up = (m[1] ?? '').length / 3;
          const depth = relative(ROOT, file).split('/').length - 1;
          if (up === depth && forbidden.includes(m[2] ?? '')) offenders.push(`${relative(ROOT, file)} imports ${m[2]}/`);
        }
      }
    }
    expect(offenders).toEqual([]);
  });
});
