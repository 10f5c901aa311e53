/**
 * The program version: the content hash of the ChaosStack manifests of every environment of a table (each layer's
 * objects, in the order `npx cdk8s synth` writes them to `dist/<env>/`, hashed as JSON: the same content as the YAML
 * files, at a fraction of the cost on every `pulumi up` and preview), and of each environment's plan (step order, weights, stopOnFailure, minimum
 * score: they decide the verdict but live in no manifest). Run ids are left out: a run id names a run, not a version.
 * Every Pulumi stack exports it, so that a promotion can require that the environment before ran the very same thing.
 */
import { chartObjects, contentDigest } from '../lib/synth';
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
    const layers = stack.layers.map((l, i) => ({ path: `${config.environment}/${i}-${l.name}`, content: JSON.stringify(chartObjects(l.chart)) }));
    return [...layers, { path: `${config.environment}/plan.json`, content: JSON.stringify(plan) }];
  }));
}
