/* istanbul ignore file */
// Thin cdk8s entry (cdk8s.yaml `app:`): one ChaosStack per environment, its layers written to <outdir>/<env>/ as
// `<NNNN>-<layer>.k8s.yaml` in the order the stack declares. Every environment is built and validated before
// anything is written, so bad input writes no YAML.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { App } from 'cdk8s';
import { layerFiles, validateApp } from '../lib/synth';
import { ChaosStack } from './chaos-stack';
import { writeChaosToolkitExperiments } from './chaostoolkit/write';
import { ENVIRONMENTS, environmentConfig } from './environments';

const outdir = process.env.CDK8S_OUTDIR ?? 'dist';
const files = ENVIRONMENTS.flatMap((env) => {
  const app = new App();
  const stack = new ChaosStack(app, env, { config: environmentConfig(env) });
  validateApp(app);
  return layerFiles(stack.layers, env);
});
for (const f of files) {
  const path = join(outdir, f.path);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, f.content);
}
// The Chaos Toolkit experiments on bookinfo: <outdir>/<env>/chaostoolkit/*.k8s.yaml, JSON beside <outdir>.
writeChaosToolkitExperiments(outdir);
