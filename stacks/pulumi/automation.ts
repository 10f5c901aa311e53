/**
 * Drives the real Pulumi engine through the Automation API with the very program `stacks/pulumi/index.ts` runs, as
 * an inline program: this Node.js process hosts the language runtime and the CLI connects to it
 * (`pulumi up --client=<address>`), so no Node.js language plugin is started. Used by `npm run deploy` and the e2e.
 */
import { existsSync, mkdtempSync, rmSync, symlinkSync, mkdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { LocalWorkspace, PulumiCommand, type Stack } from '@pulumi/pulumi/automation';
import { chaosStackProgram, type ProgramDeps } from './program';
import { PROJECT } from './config';

/** The repository root: Pulumi.yaml and the committed stack files live here. */
export const REPO_ROOT = resolve(__dirname, '..', '..');

/** How to get a Pulumi CLI, for the message when none is found. */
export const PULUMI_CLI_HELP = 'install the Pulumi CLI (https://www.pulumi.com/docs/install/) and put it on PATH, '
  + 'or build it here with `bash tools/cluster/build-pulumi.sh` and set PULUMI_CLI to the path it prints';

/** No Pulumi CLI where it was looked for. */
export class MissingPulumiCliError extends Error {
  public constructor(where: string) {
    super(`No Pulumi CLI found (${where}): ${PULUMI_CLI_HELP}.`);
    this.name = 'MissingPulumiCliError';
  }
}

const isExecutable = (path: string): boolean => {
  try {
    return statSync(path).isFile() && (statSync(path).mode & 0o111) !== 0;
  } catch {
    return false;
  }
};

/** The Pulumi CLI to drive: `PULUMI_CLI` when set (a path to the binary), else `pulumi` on PATH. */
export function findPulumiCli(env: NodeJS.ProcessEnv = process.env): string {
  const explicit = env.PULUMI_CLI;
  if (explicit !== undefined && explicit !== '') {
    if (!isExecutable(explicit)) throw new MissingPulumiCliError(`PULUMI_CLI=${explicit} is not an executable file`);
    return resolve(explicit);
  }
  for (const dir of (env.PATH ?? '').split(delimiter).filter((d) => d !== '')) {
    const candidate = join(dir, 'pulumi');
    if (isExecutable(candidate)) return candidate;
  }
  throw new MissingPulumiCliError('PULUMI_CLI is not set and there is no `pulumi` on PATH');
}

export interface OpenStackOptions {
  /** The stack name, e.g. `dev` (or `<org>/<stack>` on Pulumi Cloud). */
  readonly stackName: string;
  /** Path to the `pulumi` binary (findPulumiCli). */
  readonly cli: string;
  /**
   * Project folder: its Pulumi.yaml and Pulumi.<stack>.yaml are used.
   * @default REPO_ROOT
   */
  readonly workDir?: string;
  /**
   * Project settings instead of the folder's Pulumi.yaml (the e2e uses a temp folder and a file backend).
   * @default - the folder's Pulumi.yaml
   */
  readonly backendUrl?: string;
  /** Environment of every CLI command (PULUMI_HOME, PULUMI_CONFIG_PASSPHRASE...). */
  readonly envVars?: Readonly<Record<string, string>>;
  /**
   * Create the stack when it does not exist.
   * @default false
   */
  readonly create?: boolean;
  /**
   * Secrets provider of a new stack.
   * @default - the backend's default
   */
  readonly secretsProvider?: string;
  /**
   * The program's replaceable edges, e.g. an environment table of your own (ProgramDeps.environments).
   * @default - none: the program as `pulumi up` runs it
   */
  readonly deps?: ProgramDeps;
}

/**
 * A stack of this project bound to the inline program. The CLI is reached through a private folder holding
 * `bin/pulumi` (what PulumiCommand expects), so any binary name or location works; `dispose()` removes it.
 */
export interface OpenedStack {
  readonly stack: Stack;
  dispose(): void;
}

export async function openStack(opts: OpenStackOptions): Promise<OpenedStack> {
  const root = mkdtempSync(join(tmpdir(), 'chaos-stack-pulumi-cli-'));
  const dispose = (): void => rmSync(root, { recursive: true, force: true });
  try {
    mkdirSync(join(root, 'bin'));
    symlinkSync(opts.cli, join(root, 'bin', 'pulumi'));
    const envVars: Record<string, string> = { PULUMI_SKIP_UPDATE_CHECK: 'true', ...opts.envVars };
    // PulumiCommand.get runs `pulumi version` with this process's environment: give it PULUMI_HOME too.
    if (envVars.PULUMI_HOME !== undefined) process.env.PULUMI_HOME = envVars.PULUMI_HOME;
    const pulumiCommand = await PulumiCommand.get({ root, skipVersionCheck: true });
    const workDir = opts.workDir ?? REPO_ROOT;
    if (!existsSync(workDir)) mkdirSync(workDir, { recursive: true });
    const args = { stackName: opts.stackName, projectName: PROJECT, program: () => chaosStackProgram(opts.deps) };
    const wsOpts = {
      pulumiCommand, workDir, envVars,
      ...(envVars.PULUMI_HOME === undefined ? {} : { pulumiHome: envVars.PULUMI_HOME }),
      ...(opts.secretsProvider === undefined ? {} : { secretsProvider: opts.secretsProvider }),
      ...(opts.backendUrl === undefined ? {} : {
        projectSettings: { name: PROJECT, runtime: 'nodejs' as const, backend: { url: opts.backendUrl } },
      }),
    };
    const stack = opts.create ?? false
      ? await LocalWorkspace.createOrSelectStack(args, wsOpts)
      : await LocalWorkspace.selectStack(args, wsOpts);
    return { stack, dispose };
  } catch (err) {
    dispose();
    throw err;
  }
}
