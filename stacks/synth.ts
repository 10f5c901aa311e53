/**
 * What `npx cdk8s synth` produces, as a function: every environment's ChaosStack and ChaosToolkitStack are built
 * and validated in memory, and only when all of them are valid are the files written, replacing dist/ and
 * dist-chaostoolkit/ whole (see lib/synth.ts `replaceFolders`). A bad environment therefore writes nothing and
 * leaves both folders exactly as they were.
 */
import { layerFiles, replaceFolders, type SynthFile, writeFiles } from '../lib/synth';
import { buildChaosStack } from './chaos-stack';
import { type ChaosToolkitStackProps } from './chaostoolkit/stack';
import { chaosToolkitFiles } from './chaostoolkit/write';
import { type EnvironmentConfig } from './environments';

/** What to synthesize: the environments and, optionally, each one's Chaos Toolkit stack props. */
export interface SynthInput {
  readonly environments: readonly EnvironmentConfig[];
  /**
   * Props of each environment's Chaos Toolkit stack, beyond its name.
   * @default - the stack's defaults
   */
  readonly chaosToolkit?: (environment: string) => Omit<ChaosToolkitStackProps, 'environment'>;
}

/** Every file of a synth, relative to its folder. */
export interface SynthOutput {
  /** Relative to dist/: `<env>/<NNNN>-<layer>.k8s.yaml` and `<env>/chaostoolkit/<layer>.k8s.yaml`. */
  readonly manifests: readonly SynthFile[];
  /** Relative to dist-chaostoolkit/: `<env>/<experiment>.json`. */
  readonly experiments: readonly SynthFile[];
}

/** An environment could not be built: the message names it, then what was wrong (the field, the value, what is allowed). */
export class EnvironmentError extends Error {
  public constructor(public readonly environment: string, public override readonly cause: unknown) {
    super(`environment '${environment}': ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'EnvironmentError';
  }
}

/** Builds and validates every environment, then renders its files; throws an {@link EnvironmentError} for the first bad one. */
export function synthesize(input: SynthInput): SynthOutput {
  const manifests: SynthFile[] = [];
  const chaosToolkit: SynthFile[] = [];
  const experiments: SynthFile[] = [];
  for (const config of input.environments) {
    const env = String((config as Partial<EnvironmentConfig> | undefined)?.environment);
    try {
      manifests.push(...layerFiles(buildChaosStack({ config }).layers, env));
      const ctk = chaosToolkitFiles({ ...input.chaosToolkit?.(env), environment: env });
      chaosToolkit.push(...ctk.manifests);
      experiments.push(...ctk.experiments);
    } catch (err) {
      throw new EnvironmentError(env, err);
    }
  }
  return { manifests: [...manifests, ...chaosToolkit], experiments };
}

/** Where a synth writes. */
export interface SynthFolders {
  /** The manifests' folder. */
  readonly dist: string;
  /** The Chaos Toolkit experiments' folder. */
  readonly experiments: string;
  /**
   * A folder that also gets a copy of the manifests (the cdk8s CLI's output folder, which it empties before it runs
   * the app and lists afterwards).
   * @default - none
   */
  readonly cliOutput?: string;
}

/** Replaces both folders by the output (all or nothing), and copies the manifests to the CLI's folder. */
export function writeOutput(output: SynthOutput, folders: SynthFolders): void {
  replaceFolders([{ dir: folders.dist, files: output.manifests }, { dir: folders.experiments, files: output.experiments }]);
  if (folders.cliOutput !== undefined) writeFiles(folders.cliOutput, output.manifests);
}
