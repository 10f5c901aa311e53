/* istanbul ignore file */
// Thin cdk8s entry (cdk8s.yaml `app:`): one App per environment, written to <outdir>/<env>/.
// Every environment is built and validated before anything is written, so bad input writes no YAML.
import { join } from 'node:path';
import { App, YamlOutputType } from 'cdk8s';
import { ENVIRONMENTS, environmentConfig } from '../lib/environments';
import { writeChaosToolkitExperiments } from '../lib/chaostoolkit/write';
import { validateApp } from '../lib/synth';
import { ChaosStack } from './chaos-stack';

const outdir = process.env.CDK8S_OUTDIR ?? 'dist';
const apps = ENVIRONMENTS.map((env) => {
  const app = new App({ outdir: join(outdir, env), yamlOutputType: YamlOutputType.FILE_PER_CHART });
  new ChaosStack(app, environmentConfig(env));
  return app;
});
apps.forEach(validateApp);
apps.forEach((app) => app.synth());
// The Chaos Toolkit experiments on bookinfo: <outdir>/<env>/chaostoolkit/*.k8s.yaml, JSON beside <outdir>.
writeChaosToolkitExperiments(outdir);
