/* istanbul ignore file */
// The cdk8s entry (cdk8s.yaml `app:`): every environment of stacks/environments.ts is built and validated in memory
// (stacks/synth.ts); only then are dist/ (`<env>/<NNNN>-<layer>.k8s.yaml`, `<env>/chaostoolkit/*.k8s.yaml`) and
// dist-chaostoolkit/ (`<env>/<experiment>.json`) replaced whole. A bad environment prints one message naming it and
// the field, and writes nothing.
//
// The cdk8s CLI empties its output folder before it runs this entry, so cdk8s.yaml points it at a scratch folder
// (.cdk8s-synth/), which gets a copy of the manifests for the CLI's listing; dist/ is never handed to the CLI.
//
// CHAOS_STACK_ENVIRONMENTS=<module> synthesizes another environment table: a module exporting
// `environments: EnvironmentConfig[]` and optionally `chaosToolkit(env)` (ChaosToolkitStack props). The tests use it
// to run this very entry on a bad environment; it is also a way to try a table without editing stacks/environments.ts.
import { resolve } from 'node:path';
import { ENVIRONMENTS, environmentConfig } from './environments';
import { type SynthInput, synthesize, writeOutput } from './synth';

function input(): SynthInput {
  const module = process.env.CHAOS_STACK_ENVIRONMENTS;
  if (module === undefined || module === '') return { environments: ENVIRONMENTS.map(environmentConfig) };
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(resolve(module)) as SynthInput;
}

// The CLI runs the app with CDK8S_OUTDIR (its output folder) and CDK8S_RECORD_CONSTRUCT_METADATA set.
const cliOutput = process.env.CDK8S_OUTDIR;
const underCli = cliOutput !== undefined && process.env.CDK8S_RECORD_CONSTRUCT_METADATA !== undefined;
const folders = { dist: 'dist', experiments: 'dist-chaostoolkit' };
try {
  const output = synthesize(input());
  writeOutput(output, { ...folders, cliOutput: cliOutput === undefined || resolve(cliOutput) === resolve(folders.dist) ? undefined : cliOutput });
  process.stderr.write(`synth: wrote ${output.manifests.length} manifests to ${folders.dist}/ and ${output.experiments.length} experiments to ${folders.experiments}/\n`);
} catch (err) {
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`synth: ${message}\nNothing was written: ${folders.dist}/ and ${folders.experiments}/ are unchanged.\n`);
  if (process.env.CHAOS_STACK_DEBUG === '1' && err instanceof Error) process.stderr.write(`${err.stack ?? ''}\n`);
  // Under the CLI, a non-zero exit makes it print a stack trace of its own. Exiting 0 without creating its output
  // folder makes it fail cleanly instead: one line ("synthesis failed, app expected to create ...") and exit code 1.
  process.exitCode = underCli ? 0 : 1;
}
