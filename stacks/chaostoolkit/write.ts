/**
 * The files of the Chaos Toolkit experiments and their Kubernetes objects, for every environment:
 *
 * - `<outdir>/<env>/chaostoolkit/bookinfo.k8s.yaml`: the bookinfo namespace, workloads and Istio routing;
 * - `<outdir>/<env>/chaostoolkit/runners.k8s.yaml`: per experiment a ConfigMap carrying the experiment JSON, its
 *   RBAC and the Job that runs it (applying this file starts the chaos);
 * - `<experimentsDir>/<env>/<experiment>.json`: the experiment files for `chaos validate` / `chaos run`.
 *
 * The JSON files go next to dist/, not in it: every file under dist/ is checked as a Kubernetes manifest.
 * Everything is built and validated before anything is written.
 */
import { join, resolve } from 'node:path';
import { App, Yaml } from 'cdk8s';
import { ChaosToolkitStack, type ChaosToolkitStackProps } from './stack';
import { ENVIRONMENTS } from '../environments';
import { chartObjects, type SynthFile, validateApp, writeFiles } from '../../lib/synth';

/** The files of one environment's Chaos Toolkit stack. */
export interface ChaosToolkitFiles {
  /** Manifests, relative to dist/: `<env>/chaostoolkit/<layer>.k8s.yaml`. */
  readonly manifests: readonly SynthFile[];
  /** Experiment JSON, relative to dist-chaostoolkit/: `<env>/<experiment>.json`. */
  readonly experiments: readonly SynthFile[];
}

/** Builds and validates the Chaos Toolkit stack of one environment and renders its files (nothing is written). */
export function chaosToolkitFiles(props: ChaosToolkitStackProps): ChaosToolkitFiles {
  const app = new App();
  const stack = new ChaosToolkitStack(app, props.environment, props);
  validateApp(app);
  const env = props.environment;
  return {
    manifests: stack.layers.map((l) => ({
      path: join(env, 'chaostoolkit', `${l.name}.k8s.yaml`),
      content: Yaml.stringify(...chartObjects(l.chart)),
    })),
    experiments: stack.experiments.map((e) => ({ path: join(env, `${e.id}.json`), content: e.toString() })),
  };
}

export interface WrittenChaosToolkit {
  readonly environment: string;
  readonly manifests: readonly string[];
  readonly experiments: readonly string[];
}

/** Builds the stack of each environment (ENVIRONMENTS) and writes its files; returns what was written. */
export function writeChaosToolkitExperiments(
  outdir: string,
  experimentsDir: string = join(resolve(outdir), '..', 'dist-chaostoolkit'),
  props: (environment: string) => ChaosToolkitStackProps = (environment) => ({ environment }),
): WrittenChaosToolkit[] {
  const built = ENVIRONMENTS.map((env) => ({ env, files: chaosToolkitFiles(props(env)) }));
  return built.map(({ env, files }) => {
    writeFiles(outdir, files.manifests);
    writeFiles(experimentsDir, files.experiments);
    return {
      environment: env,
      manifests: files.manifests.map((f) => join(outdir, f.path)),
      experiments: files.experiments.map((f) => join(experimentsDir, f.path)),
    };
  });
}

/* istanbul ignore next */
if (require.main === module) {
  const out = process.argv[2] ?? 'dist';
  for (const w of writeChaosToolkitExperiments(out, process.argv[3])) {
    process.stdout.write(`${w.environment}: ${[...w.manifests, ...w.experiments].join(' ')}\n`);
  }
}
