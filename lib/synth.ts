import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ApiObject, type App, Chart, DependencyGraph, Yaml } from 'cdk8s';
import { type IConstruct } from 'constructs';
import { type StackLayer } from './stack';

/** The deferred validations of an app failed: `errors` lists each, prefixed with the construct's path. */
export class AppValidationError extends Error {
  public constructor(public readonly errors: readonly string[]) {
    super(`Validation failed with the following errors:\n  ${errors.join('\n  ')}`);
    this.name = 'AppValidationError';
  }
}

/**
 * Runs every construct's deferred validations (node.addValidation) of an app and throws one error listing them
 * all, in the same form cdk8s uses at synth. Call it for every app before synthesizing any, so that an invalid
 * environment writes no YAML at all.
 */
export function validateApp(app: App): void {
  const errors = app.node.findAll().flatMap((c) => c.node.validate().map((e) => `[${c.node.path}] ${e}`));
  if (errors.length > 0) throw new AppValidationError(errors);
}

/** A file to write: its path (relative to an output folder) and its text. */
export interface SynthFile {
  readonly path: string;
  readonly content: string;
}

/** One YAML file per layer, `<dir>/<NNNN>-<name>.k8s.yaml`, numbered in apply order. */
export function layerFiles(layers: readonly StackLayer[], dir = ''): SynthFile[] {
  return layers.map((l, i) => ({
    path: join(dir, `${String(i).padStart(4, '0')}-${l.name}.k8s.yaml`),
    content: Yaml.stringify(...chartObjects(l.chart)),
  }));
}

/**
 * A chart's objects, as `chart.toJson()` renders them (same objects, same order), in time linear in the app's size.
 *
 * `chart.toJson()` first runs cdk8s's whole-app dependency resolution, which turns every dependency between two
 * charts into one between every object of the one and every object of the other (and it does so again for every
 * chart rendered). Our layers depend on each other chart by chart (lib/stack.ts `orderLayers`), so a stack of n
 * objects grows n^2 dependencies: 1,000 objects took 4 s, 7,000 minutes. Those cross-chart object dependencies never
 * change a chart's output (cdk8s orders a chart by the dependencies inside it only), so this renders each chart from
 * the dependencies inside it: a dependency between two constructs of the chart still puts every object of the target
 * before every object of the source, as cdk8s does. Deferred validations are not run here: see `validateApp`.
 */
export function chartObjects(chart: Chart): unknown[] {
  const own = (c: IConstruct): boolean => Chart.of(c) === chart;
  const objectsUnder = (c: IConstruct): ApiObject[] => c.node.findAll().filter((x): x is ApiObject => x instanceof ApiObject && own(x));
  for (const source of chart.node.findAll()) {
    for (const target of source.node.dependencies) {
      if (!own(source) || !own(target) || Chart.isChart(source)) continue;
      const before = objectsUnder(target);
      for (const s of objectsUnder(source)) for (const t of before) if (s !== t) s.node.addDependency(t);
    }
  }
  return new DependencyGraph(chart.node).topology()
    .filter((x): x is ApiObject => x instanceof ApiObject && own(x))
    .map((o) => o.toJson() as unknown);
}

/**
 * The content hash of a set of files (sha256, hex) over each path and text, in path order: the same files give the
 * same digest whatever order they come in; a changed byte, a renamed or a missing file give another.
 */
export function contentDigest(files: readonly SynthFile[]): string {
  const hash = createHash('sha256');
  for (const f of [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    hash.update(f.path).update('\0').update(f.content).update('\0');
  }
  return hash.digest('hex');
}

/** A folder to replace and every file it is to hold afterwards (paths relative to the folder). */
export interface FolderContent {
  readonly dir: string;
  readonly files: readonly SynthFile[];
}

/** Writes `files` under `dir` (creating folders; existing files are overwritten, others left alone). */
export function writeFiles(dir: string, files: readonly SynthFile[]): void {
  mkdirSync(dir, { recursive: true });
  for (const f of files) {
    const path = join(dir, f.path);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, f.content);
  }
}

/**
 * Replaces each folder by exactly the given files, all or nothing as far as the file system allows: every folder's
 * new content is first written to a sibling temporary folder; only when all are written is each old folder renamed
 * aside, the new one renamed into place and the old one removed. A failure while writing leaves every folder as it
 * was (and removes the temporary ones); files that are no longer produced disappear with the old folder.
 */
export function replaceFolders(folders: readonly FolderContent[]): void {
  const tag = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const staged = folders.map((f) => ({ ...f, tmp: `${f.dir}.tmp-${tag}`, old: `${f.dir}.old-${tag}` }));
  try {
    for (const s of staged) writeFiles(s.tmp, s.files);
  } catch (err) {
    for (const s of staged) rmSync(s.tmp, { recursive: true, force: true });
    throw err;
  }
  for (const s of staged) {
    const had = existsSync(s.dir);
    if (had) renameSync(s.dir, s.old);
    renameSync(s.tmp, s.dir);
    if (had) rmSync(s.old, { recursive: true, force: true });
  }
}
