/**
 * The program version: the content hash of the ChaosStack manifests of every environment of a table, as `npx cdk8s
 * synth` writes them to `dist/<env>/` (without run ids: a run id names a run, not a version). Every Pulumi stack
 * exports it, so that a promotion can require that the environment before ran the very same manifests.
 */
import { App } from 'cdk8s';
import { contentDigest, layerFiles, validateApp } from '../lib/synth';
import { ChaosStack } from './chaos-stack';
import { type EnvironmentConfig } from './environments';

export function programVersion(environments: readonly EnvironmentConfig[]): string {
  return contentDigest(environments.flatMap((config) => {
    const app = new App();
    const stack = new ChaosStack(app, config.environment, { config: { ...config, runId: undefined } });
    validateApp(app);
    return layerFiles(stack.layers, config.environment);
  }));
}
