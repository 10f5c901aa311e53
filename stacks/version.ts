/**
 * The program version: the content hash of the ChaosStack manifests of every environment of a table, as `npx cdk8s
 * synth` writes them to `dist/<env>/`, and of each environment's plan (step order, weights, stopOnFailure, minimum
 * score: they decide the verdict but live in no manifest). Run ids are left out: a run id names a run, not a version.
 * Every Pulumi stack exports it, so that a promotion can require that the environment before ran the very same thing.
 */
import { contentDigest, layerFiles } from '../lib/synth';
import { buildChaosStack } from './chaos-stack';
import { type EnvironmentConfig } from './environments';

export function programVersion(environments: readonly EnvironmentConfig[]): string {
  return contentDigest(environments.flatMap((config) => {
    const stack = buildChaosStack({ config: { ...config, runId: undefined } });
    const plan = {
      minResilienceScore: stack.plan.minResilienceScore,
      steps: stack.plan.steps.map((st) => ({
        name: st.name, weight: st.weight, stopOnFailure: st.stopOnFailure, group: st.group, engines: st.engines.map((e) => e.engine),
      })),
    };
    return [...layerFiles(stack.layers, config.environment), { path: `${config.environment}/plan.json`, content: JSON.stringify(plan) }];
  }));
}
