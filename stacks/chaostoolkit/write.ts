/**
 * Writes, for every environment, the Chaos Toolkit experiments and their Kubernetes objects:
 *
 * - `<outdir>/<env>/chaostoolkit/bookinfo.k8s.yaml`: the bookinfo namespace, workloads and Istio routing;
 * - `<outdir>/<env>/chaostoolkit/runners.k8s.yaml`: per experiment a ConfigMap carrying the experiment JSON, its
 *   RBAC and the Job that runs it (applying this file starts the chaos);
 * - `<experimentsDir>/<env>/<experiment>.json`: the experiment files for `chaos validate` / `chaos run`.
 *
 * The JSON files go next to dist/, not in it: every file under dist/ is checked as a Kubernetes manifest.
 * Everything is built and validated before anything is written.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { App, Yaml } from 'cdk8s';
import { ChaosToolkitStack, type ChaosToolkitStackProps } from './stack';
import { ENVIRONMENTS } from '../environments';
import { validateApp } from '../../lib/synth';

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
  const built = ENVIRONMENTS.map((env) => {
    const app = new App();
    const stack = new ChaosToolkitStack(app, env, props(env));
    validateApp(app);
    return { env, stack };
  });
  return built.map(({ env, stack }) => {
    const manifestDir = join(outdir, env, 'chaostoolkit');
    const jsonDir = join(experimentsDir, env);
    mkdirSync(manifestDir, { recursive: true });
    mkdirSync(jsonDir, { recursive: true });
    const manifests = stack.layers.map((l) => [join(manifestDir, `${l.name}.k8s.yaml`), l.chart] as const);
    for (const [file, chart] of manifests) writeFileSync(file, Yaml.stringify(...(chart.toJson() as unknown[])));
    const experiments = stack.experiments.map((e) => {
      const file = join(jsonDir, `${e.id}.json`);
      writeFileSync(file, e.toString());
      return file;
    });
    return { environment: env, manifests: manifests.map(([f]) => f), experiments };
  });
}

/* istanbul ignore next */
if (require.main === module) {
  const out = process.argv[2] ?? 'dist';
  for (const w of writeChaosToolkitExperiments(out, process.argv[3])) {
    process.stdout.write(`${w.environment}: ${[...w.manifests, ...w.experiments].join(' ')}\n`);
  }
}
