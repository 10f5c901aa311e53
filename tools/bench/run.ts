/**
 * `npm run bench`: how fast the feedback loops are, measured on this machine, as medians of interleaved runs.
 *
 *   synth    the README's `npx cdk8s synth` of every environment (CPU and wall), the cdk8s.yaml `app:` command alone,
 *            and the floor: a bare cdk8s app (tools/bench/floor.mjs) writing the same objects into the same files;
 *   scale    1, 10 and 100 targets x 10 faults (tools/bench/scale.ts): objects, seconds, seconds per object;
 *   memory   peak RSS of every node process of one `npx cdk8s synth`;
 *   tests    the unit suite (`npm run test:unit`): median wall of --test-runs runs (default 3), and the five slowest files of
 *            the median run; with --full, `npm test`.
 *
 * Prints a table and writes the same figures as JSON (default `.bench/<time>.json` and `.bench/latest.json`), so
 * two runs can be compared: `npm run bench -- --compare .bench/<before>.json`.
 *
 * Options: --runs N (synth rounds, default 5), --scale-runs N (default 3), --test-runs N (default 3), --targets 1,10,100,
 * --no-tests, --full, --out FILE, --compare FILE, --show FILE (print a written run's table, with --compare against another, without measuring).
 * CPU is user+system of the process and everything it waited for (/proc/self/stat), so Linux only.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildSync } from 'esbuild';
import { parseAllDocuments } from 'yaml';

const ROOT = join(__dirname, '..', '..');

interface Options {
  runs: number; scaleRuns: number; testRuns: number; targets: number[]; tests: boolean; full: boolean; out?: string; compare?: string; show?: string;
}

function options(argv: readonly string[]): Options {
  const o: Options = { runs: 5, scaleRuns: 3, testRuns: 3, targets: [1, 10, 100], tests: true, full: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--runs') o.runs = Number(value());
    else if (a === '--scale-runs') o.scaleRuns = Number(value());
    else if (a === '--test-runs') o.testRuns = Number(value());
    else if (a === '--targets') o.targets = value().split(',').map(Number);
    else if (a === '--no-tests') o.tests = false;
    else if (a === '--full') o.full = true;
    else if (a === '--out') o.out = value();
    else if (a === '--compare') o.compare = value();
    else if (a === '--show') o.show = value();
    else throw new Error(`unknown option ${a}; see tools/bench/run.ts`);
  }
  return o;
}

/** CPU seconds (user + system) of this process's waited-for children, from /proc/self/stat (cutime, cstime). */
function childCpu(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;
  return (Number(fields[13]) + Number(fields[14])) / ticks;
}

interface Measured { wall: number; cpu: number; stdout: string }

/** Runs a command to completion, failing loudly; wall and CPU seconds. */
function measure(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Measured {
  const cpu0 = childCpu();
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { cwd: ROOT, encoding: 'utf8', env: { ...process.env, CDK8S_CHECK_UPGRADE: 'false', ...env }, maxBuffer: 64 << 20 });
  const wall = (performance.now() - t0) / 1000;
  const cpu = childCpu() - cpu0;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}:\n${r.stderr}${r.stdout}`);
  return { wall, cpu, stdout: r.stdout };
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** The app command of cdk8s.yaml (`app: ...`). */
function appCommand(): string {
  const line = readFileSync(join(ROOT, 'cdk8s.yaml'), 'utf8').split('\n').find((l) => l.startsWith('app:'));
  if (line === undefined) throw new Error('cdk8s.yaml has no app: line');
  return line.slice('app:'.length).trim();
}

/** Every `*.k8s.yaml` under dir with its objects, for the floor. */
function objectsOf(dir: string): { path: string; objects: unknown[] }[] {
  const out: { path: string; objects: unknown[] }[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.k8s.yaml')) {
        const docs = parseAllDocuments(readFileSync(p, 'utf8')).map((doc) => doc.toJS() as unknown);
        out.push({ path: relative(dir, p), objects: docs.filter((x) => x !== null) });
      }
    }
  };
  walk(dir);
  return out;
}

interface TestFile { file: string; seconds: number; tests: number }
interface TestFigures { wall: number; walls?: number[]; passed: number; failed: number; skipped: number; slowest: TestFile[] }

/** The unit suite `runs` times: the median wall (every run's too), the counts and slowest files of the median run. */
function unitSuites(tmp: string, runs: number, say: (l: string) => void): TestFigures {
  const all: TestFigures[] = [];
  for (let i = 1; i <= runs; i++) {
    say(`unit suite (npm run test:unit) ${i}/${runs}`);
    all.push(unitSuite(tmp));
  }
  const sorted = [...all].sort((a, b) => a.wall - b.wall);
  const mid = sorted[Math.floor((sorted.length - 1) / 2)];
  return { ...mid, wall: median(all.map((t) => t.wall)), walls: all.map((t) => t.wall) };
}

function unitSuite(tmp: string): TestFigures {
  const json = join(tmp, 'jest.json');
  const m = measure('npm', ['run', '--silent', 'test:unit', '--', '--json', `--outputFile=${json}`]);
  const r = JSON.parse(readFileSync(json, 'utf8')) as {
    numPassedTests: number; numFailedTests: number; numPendingTests: number;
    testResults: { name: string; startTime: number; endTime: number; assertionResults: unknown[] }[];
  };
  const files = r.testResults.map((t) => ({
    file: relative(ROOT, t.name), seconds: (t.endTime - t.startTime) / 1000, tests: t.assertionResults.length,
  }));
  return {
    wall: m.wall, passed: r.numPassedTests, failed: r.numFailedTests, skipped: r.numPendingTests,
    slowest: files.sort((a, b) => b.seconds - a.seconds).slice(0, 5),
  };
}

interface ScaleRow {
  targets: number; objects: number; synth: number; perObjectMs: number; wall: number; cpu: number; maxRssMb: number;
  floorWall: number; floorCpu: number;
}

function main(): void {
  const o = options(process.argv.slice(2));
  if (o.show !== undefined) {
    const read = (f: string): Result => JSON.parse(readFileSync(f, 'utf8')) as Result;
    process.stdout.write(table(read(o.show), o.compare === undefined ? undefined : read(o.compare)));
    return;
  }
  const tmp = mkdtempSync(join(tmpdir(), 'chaos-stack-bench-'));
  const started = new Date();
  try {
    const say = (s: string): void => { process.stderr.write(`bench: ${s}\n`); };
    const readme = ['--no-install', 'cdk8s', 'synth'];
    const app = appCommand();
    say(`warm-up synth (npx ${readme.join(' ')})`);
    measure('npx', readme);
    const files = objectsOf(join(ROOT, 'dist'));
    const objects = files.reduce((n, f) => n + f.objects.length, 0);
    const objectsJson = join(tmp, 'objects.json');
    writeFileSync(objectsJson, JSON.stringify(files));

    const rounds: { readme: Measured; app: Measured; floor: Measured }[] = [];
    for (let i = 0; i < o.runs; i++) {
      say(`synth round ${i + 1}/${o.runs}`);
      const floorDir = join(tmp, 'floor');
      rmSync(floorDir, { recursive: true, force: true });
      // The app alone, as the CLI runs it (its output folder set), then the CLI, then the floor: interleaved.
      const appRun = measure('sh', ['-c', app], { CDK8S_OUTDIR: join(tmp, 'cli-out'), CDK8S_RECORD_CONSTRUCT_METADATA: 'false' });
      const readmeRun = measure('npx', readme);
      const floorRun = measure(process.execPath, [join(ROOT, 'tools', 'bench', 'floor.mjs'), objectsJson, floorDir]);
      rounds.push({ readme: readmeRun, app: appRun, floor: floorRun });
    }
    const med = (pick: (r: typeof rounds[number]) => number): number => median(rounds.map(pick));
    const synth = {
      environments: readdirSync(join(ROOT, 'dist')).length, files: files.length, objects,
      readme: { wall: med((r) => r.readme.wall), cpu: med((r) => r.readme.cpu) },
      app: { command: app, wall: med((r) => r.app.wall), cpu: med((r) => r.app.cpu) },
      floor: { wall: med((r) => r.floor.wall), cpu: med((r) => r.floor.cpu) },
      ratioCpu: 0, ratioWall: 0,
    };
    synth.ratioCpu = synth.readme.cpu / synth.floor.cpu;
    synth.ratioWall = synth.readme.wall / synth.floor.wall;

    say('peak memory of one synth');
    const rssFile = join(tmp, 'rss.txt');
    const hook = pathToFileURL(join(ROOT, 'tools', 'bench', 'maxrss.mjs')).href;
    measure('npx', readme, { NODE_OPTIONS: `--import ${hook}`, BENCH_RSS_FILE: rssFile });
    const processes = readFileSync(rssFile, 'utf8').trim().split('\n').map((l) => {
      const [, kb, ...script] = l.split(' ');
      return { script: script.join(' ').replace(`${ROOT}/`, ''), maxRssMb: Number(kb) / 1024 };
    }).sort((a, b) => b.maxRssMb - a.maxRssMb);

    // The scaled synth runs compiled, as `npx cdk8s synth` runs the entry (stacks/entry.mjs), not through tsx.
    const scaleRun = join(tmp, 'scale-run.js');
    buildSync({
      entryPoints: [join(ROOT, 'tools', 'bench', 'scale-run.ts')], outfile: scaleRun, bundle: true, platform: 'node', format: 'cjs',
      target: 'node20', packages: 'external', logLevel: 'error', absWorkingDir: ROOT, nodePaths: [join(ROOT, 'node_modules')],
    });
    const scaleRuns: ScaleRow[][] = o.targets.map(() => []);
    for (let i = 0; i < o.scaleRuns; i++) {
      o.targets.forEach((n, k) => {
        say(`scale round ${i + 1}/${o.scaleRuns}: ${n} target(s) x 10 faults`);
        const out = join(tmp, `scale-${n}`);
        rmSync(out, { recursive: true, force: true });
        const m = measure(process.execPath, [scaleRun, String(n), out], { NODE_PATH: join(ROOT, 'node_modules') });
        const r = JSON.parse(m.stdout.trim().split('\n').pop() ?? '{}') as { objects: number; synth: number; maxRssMb: number };
        // The floor of this scale: the same objects into the same files by a bare cdk8s app, right after.
        const json = join(tmp, `scale-${n}.json`);
        if (!existsSync(json)) writeFileSync(json, JSON.stringify(objectsOf(out)));
        const floorDir = join(tmp, `scale-${n}-floor`);
        rmSync(floorDir, { recursive: true, force: true });
        const f = measure(process.execPath, [join(ROOT, 'tools', 'bench', 'floor.mjs'), json, floorDir]);
        scaleRuns[k].push({
          targets: n, objects: r.objects, synth: r.synth, perObjectMs: (r.synth / r.objects) * 1000, wall: m.wall, cpu: m.cpu, maxRssMb: r.maxRssMb,
          floorWall: f.wall, floorCpu: f.cpu,
        });
      });
    }
    const scale = scaleRuns.map((rows) => ({
      targets: rows[0].targets, objects: rows[0].objects,
      synth: median(rows.map((r) => r.synth)), perObjectMs: median(rows.map((r) => r.perObjectMs)),
      wall: median(rows.map((r) => r.wall)), cpu: median(rows.map((r) => r.cpu)), maxRssMb: Math.max(...rows.map((r) => r.maxRssMb)),
      floorWall: median(rows.map((r) => r.floorWall)), floorCpu: median(rows.map((r) => r.floorCpu)),
    }));
    // Seconds per object at the largest scale over the next one (100 and 10 by default).
    const [big, small] = [...scale].sort((a, b) => b.targets - a.targets);
    const growth = big !== undefined && small !== undefined ? big.perObjectMs / small.perObjectMs : NaN;

    let tests: TestFigures | undefined;
    if (o.tests) {
      tests = unitSuites(tmp, o.testRuns, say);
    }
    let full: { wall: number } | undefined;
    if (o.full) {
      say('npm test');
      full = { wall: measure('npm', ['test', '--silent']).wall };
    }

    const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
    const result = {
      when: started.toISOString(), node: process.version, cpus: (readFileSync('/proc/cpuinfo', 'utf8').match(/^processor/gm) ?? []).length,
      loadAverage: load, runs: o.runs, scaleRuns: o.scaleRuns, synth, memory: processes, scale,
      linear: { growth, withinLimit: growth <= 1.5 }, tests, full,
    };
    const out = o.out ?? join(ROOT, '.bench', `${started.toISOString().replace(/[:.]/g, '-')}.json`);
    mkdirSync(join(out, '..'), { recursive: true });
    writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
    if (o.out === undefined) writeFileSync(join(ROOT, '.bench', 'latest.json'), `${JSON.stringify(result, null, 2)}\n`);
    process.stdout.write(table(result, o.compare === undefined ? undefined : JSON.parse(readFileSync(o.compare, 'utf8')) as typeof result));
    process.stdout.write(`\nwritten: ${relative(process.cwd(), out)}\n`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

type Result = {
  when: string; node: string; cpus: number; loadAverage: string; runs: number; scaleRuns: number;
  synth: {
    environments: number; files: number; objects: number; readme: { wall: number; cpu: number };
    app: { command: string; wall: number; cpu: number }; floor: { wall: number; cpu: number }; ratioCpu: number; ratioWall: number;
  };
  memory: { script: string; maxRssMb: number }[];
  scale: {
    targets: number; objects: number; synth: number; perObjectMs: number; wall: number; cpu: number; maxRssMb: number;
    floorWall?: number; floorCpu?: number;
  }[];
  linear: { growth: number; withinLimit: boolean };
  tests?: TestFigures;
  full?: { wall: number };
};

/** The figures as a Markdown table; with `before`, a column for it. */
function table(r: Result, before?: Result): string {
  const s = (x: number | undefined, unit = ' s'): string => (x === undefined || Number.isNaN(x) ? '-' : `${x.toFixed(2)}${unit}`);
  const rows: [string, string, string?][] = [];
  const row = (what: string, now: string, was?: string): void => { rows.push([what, now, before === undefined ? undefined : was ?? '-']); };
  const what = `${r.synth.environments} environments, ${r.synth.objects} objects, ${r.synth.files} files`;
  row(`synth, \`npx cdk8s synth\` (${what}): CPU`, s(r.synth.readme.cpu), s(before?.synth.readme.cpu));
  row('synth, `npx cdk8s synth`: wall', s(r.synth.readme.wall), s(before?.synth.readme.wall));
  row(`synth, the app alone (\`${r.synth.app.command}\`): CPU / wall`, `${s(r.synth.app.cpu)} / ${s(r.synth.app.wall)}`,
    before === undefined ? undefined : `${s(before.synth.app.cpu)} / ${s(before.synth.app.wall)}`);
  row('floor (bare cdk8s app, same objects, same files): CPU / wall', `${s(r.synth.floor.cpu)} / ${s(r.synth.floor.wall)}`,
    before === undefined ? undefined : `${s(before.synth.floor.cpu)} / ${s(before.synth.floor.wall)}`);
  row('synth / floor: CPU (goal <= 3x)', s(r.synth.ratioCpu, 'x'), s(before?.synth.ratioCpu, 'x'));
  const peak = r.memory[0];
  row(`synth peak memory (largest process: ${peak === undefined ? '-' : basename(peak.script.split(' ')[0] ?? '')})`, s(peak?.maxRssMb, ' MB'), s(before?.memory[0]?.maxRssMb, ' MB'));
  for (const x of r.scale) {
    const b = before?.scale.find((y) => y.targets === x.targets);
    const cells = (y: typeof x): string => `${s(y.synth)} (${y.perObjectMs.toFixed(3)}) / ${s(y.cpu)} / ${s(y.wall)} / ${s(y.floorCpu)}`;
    row(`${x.targets} target(s) x 10 faults, ${x.objects} objects: in-process synth (ms/object) / process CPU / process wall / floor CPU`,
      cells(x), b === undefined ? undefined : cells(b));
  }
  const [largest, next] = r.scale.map((x) => x.targets).sort((a, b) => b - a);
  row(`linear: ms/object at the largest scale / at the next (${largest ?? '-'} / ${next ?? '-'} targets; goal <= 1.5)`,
    `${r.linear.growth.toFixed(2)} (${r.linear.withinLimit ? 'linear' : 'NOT linear'})`,
    before === undefined ? undefined : `${before.linear.growth.toFixed(2)}`);
  if (r.tests !== undefined) {
    const runs = r.tests.walls === undefined || r.tests.walls.length < 2 ? '' : `, median of ${r.tests.walls.map((w) => s(w)).join(', ')}`;
    row(`unit suite (\`npm run test:unit\`, ${r.tests.passed} passed, ${r.tests.failed} failed, ${r.tests.skipped} skipped${runs}): wall`,
      s(r.tests.wall), s(before?.tests?.wall));
    r.tests.slowest.forEach((f, i) => row(`  slowest ${i + 1}: ${f.file} (${f.tests} tests)`, s(f.seconds), s(before?.tests?.slowest.find((g) => g.file === f.file)?.seconds)));
  }
  if (r.full !== undefined) row('`npm test` (typecheck, lint, unit suite): wall', s(r.full.wall), s(before?.full?.wall));
  const head = before === undefined ? '| measure | now |\n|---|---|\n' : `| measure | now | before (${before.when}) |\n|---|---|---|\n`;
  return `bench ${r.when}, node ${r.node}, ${r.cpus} CPUs, load average at the end ${r.loadAverage}; medians of ${r.runs} synth and ${r.scaleRuns} scale rounds\n\n${head}${
    rows.map((x) => `| ${x.filter((c) => c !== undefined).join(' | ')} |`).join('\n')}\n`;
}

if (!existsSync(join(ROOT, 'cdk8s.yaml'))) throw new Error(`not the repository root: ${ROOT}`);
main();
