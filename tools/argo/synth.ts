/**
 * `tsx tools/argo/synth.ts <folder>`: writes every environment of the table with `runner: argo` to `<folder>/<env>/`,
 * one file per layer as `npx cdk8s synth` writes dist/, so that CI can run the strict schema check and the
 * server-side dry-run (`npm run verify -- <folder>`) on the Argo Workflows path, which no environment of the table
 * takes by default. Nothing is written when an environment fails its checks.
 */
import { layerFiles, writeFiles } from '../../lib/synth';
import { buildChaosStack } from '../../stacks/chaos-stack';
import { ChaosRunner, ENVIRONMENTS, environmentConfig } from '../../stacks/environments';

const out = process.argv[2];
if (out === undefined) {
  process.stderr.write('usage: tsx tools/argo/synth.ts <folder>\n');
  process.exit(2);
}
const files = ENVIRONMENTS.flatMap((env) =>
  layerFiles(buildChaosStack({ config: { ...environmentConfig(env), runner: ChaosRunner.ARGO } }).layers, env));
writeFiles(out, files);
process.stdout.write(`argo: wrote ${files.length} manifests of ${ENVIRONMENTS.join(', ')} with runner argo to ${out}/\n`);
