/**
 * The cdk8s entry as users run it: the real `npx cdk8s synth` (cdk8s.yaml, the CLI, stacks/main.ts) in a scratch
 * copy of the project (its folders linked, so dist/ is the scratch copy's), with CHAOS_STACK_ENVIRONMENTS pointing
 * at a table in which one environment is wrong.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { ENVIRONMENTS, environmentConfig } from '../../stacks/environments';
import { synthesize } from '../../stacks/synth';

const REPO = resolve(__dirname, '..', '..');
const FIXTURE = join(__dirname, 'fixtures', 'bad-environment.ts');

/** Every file under `dir` with its text, relative paths sorted: what "unchanged" compares. */
function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out[relative(dir, p)] = readFileSync(p, 'utf8');
    }
  };
  walk(dir);
  return out;
}

function project(): string {
  const dir = mkdtempSync(join(tmpdir(), 'synth-entry-'));
  for (const entry of ['cdk8s.yaml', 'package.json', 'tsconfig.json', 'node_modules', 'stacks', 'constructs', 'lib']) {
    symlinkSync(join(REPO, entry), join(dir, entry));
  }
  // What an earlier synth left, including a file the new one does not produce.
  for (const [file, text] of [['dist/dev/0000-namespaces.k8s.yaml', 'earlier\n'], ['dist-chaostoolkit/dev/old-experiment.json', '{}\n']]) {
    mkdirSync(join(dir, file, '..'), { recursive: true });
    writeFileSync(join(dir, file), text);
  }
  return dir;
}

function synth(cwd: string, env: Record<string, string>): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync('npx', ['--no-install', 'cdk8s', 'synth'], {
    cwd, encoding: 'utf8', timeout: 120_000,
    env: { ...process.env, CDK8S_CHECK_UPGRADE: 'false', ...env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('npx cdk8s synth', () => {
  let dir: string;
  beforeEach(() => {
    dir = project();
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test.each([
    ['tunable', "synth: environment 'prod': Invalid pod-delete.forse: false; is not a tunable of pod-delete (did you mean 'force'?); "
      + 'allowed: totalChaosDuration, rampTime, podsAffectedPercent, sequence, chaosInterval, force.', 'forse'],
    ['experiment list', "synth: environment 'dev': Invalid plan.steps: []; must list at least one step (an experiment, or a named group of them).", 'empty'],
    ['bookinfo config', "synth: environment 'prod': Invalid Bookinfo.ratingsV2Replicas: 1; must be a whole number from 2 to 50.", 'bookinfo'],
  ])('on a bad %s prints one message naming the environment and the field, and leaves dist/ and dist-chaostoolkit/ as they were', (_what, message, mistake) => {
    // GIVEN
    const before = { dist: tree(join(dir, 'dist')), experiments: tree(join(dir, 'dist-chaostoolkit')) };
    // WHEN
    const r = synth(dir, { CHAOS_STACK_ENVIRONMENTS: FIXTURE, SYNTH_FIXTURE_MISTAKE: mistake });
    // THEN
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`${message}\nNothing was written: dist/ and dist-chaostoolkit/ are unchanged.\n`
      + 'ERROR: synthesis failed, app expected to create ".cdk8s-synth"\n');
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect({ dist: tree(join(dir, 'dist')), experiments: tree(join(dir, 'dist-chaostoolkit')) }).toEqual(before);
  }, 120_000);

  test('on valid input replaces both folders whole with exactly what the stacks render', () => {
    // WHEN
    const r = synth(dir, { CHAOS_STACK_ENVIRONMENTS: FIXTURE });
    // THEN
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: 'synth: wrote 30 manifests to dist/ and 9 experiments to dist-chaostoolkit/\n' });
    const expected = synthesize({ environments: ENVIRONMENTS.map(environmentConfig) });
    const files = (list: readonly { path: string; content: string }[]) => Object.fromEntries(list.map((f) => [f.path, f.content]));
    expect(tree(join(dir, 'dist'))).toEqual(files(expected.manifests));
    expect(tree(join(dir, 'dist-chaostoolkit'))).toEqual(files(expected.experiments));
    // The CLI lists its own output folder: it holds a copy of the manifests.
    expect(tree(join(dir, '.cdk8s-synth'))).toEqual(files(expected.manifests));
    expect(readdirSync(dir).filter((n) => /\.(tmp|old)-/.test(n))).toEqual([]);
  }, 120_000);
});
